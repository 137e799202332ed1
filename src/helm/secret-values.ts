/**
 * `set-secret` as a values file: helm's --set key path syntax (`a.b`, `a[0].b`, `a\.b`) builds the nesting, and
 * every value is written as a YAML string exactly as given, so no character of a secret is ever parsed (no comma
 * splitting, no escapes, no `null`/`true`/`123` typing) and no secret reaches helm's command line. Pure.
 */
import type { KeyValue } from '../inputs/key-values.js'

export type KeyPath = (string | number)[]

/** helm's strvals limit on a list index. */
const MAX_INDEX = 65_536

/** Parses a --set key as helm does: `.` nests, `[n]` indexes a list, `\` makes the next character literal. */
export function parseKeyPath(key: string): { path: KeyPath } | { problem: string } {
  const path: KeyPath = []
  let segment = ''
  let pendingSegment = true
  for (let i = 0; i < key.length; i++) {
    const c = key.charAt(i)
    if (c === '\\') {
      if (i + 1 >= key.length) return { problem: `key "${key}" ends with an escaping backslash` }
      segment += key.charAt(++i)
      continue
    }
    if (c === '.' || c === '[') {
      if (pendingSegment) {
        if (segment === '') return { problem: `key "${key}" has an empty part` }
        path.push(segment)
      }
      segment = ''
      pendingSegment = c === '.'
      if (c === '[') {
        const close = key.indexOf(']', i)
        const digits = close < 0 ? '' : key.slice(i + 1, close)
        if (!/^\d+$/.test(digits) || Number(digits) > MAX_INDEX) {
          return { problem: `key "${key}" has an invalid list index (0 to ${MAX_INDEX} in [])` }
        }
        path.push(Number(digits))
        i = close
        const next = key.charAt(i + 1)
        if (next !== '' && next !== '.' && next !== '[') {
          return { problem: `key "${key}" needs "." or "[" after "]"` }
        }
        if (next === '.') {
          i++
          pendingSegment = true
        }
      }
      continue
    }
    if (c === ',' || c === '=')
      return { problem: `key "${key}" contains "${c}" (write \\${c} for a literal one)` }
    segment += c
  }
  if (pendingSegment) {
    if (segment === '') return { problem: `key "${key}" has an empty part` }
    path.push(segment)
  }
  return { path }
}

type Tree = { [key: string]: Node } | Node[]
type Node = string | null | Tree

function setPath(root: { [key: string]: Node }, path: KeyPath, value: string): void {
  let node: Tree = root
  path.forEach((step, at) => {
    const last = at === path.length - 1
    const nextIsIndex = typeof path[at + 1] === 'number'
    const container = node as Record<string | number, Node>
    if (last) {
      container[step] = value
      return
    }
    const existing = container[step]
    const fits = nextIsIndex ? Array.isArray(existing) : isMap(existing)
    // A later key wins over an earlier scalar at the same place, as with repeated --set.
    if (!fits) container[step] = nextIsIndex ? [] : {}
    if (Array.isArray(container[step])) {
      const list = container[step]
      const index = path[at + 1] as number
      while (list.length <= index) list.push(null)
    }
    node = container[step] as Tree
  })
}

function isMap(value: Node | undefined): value is { [key: string]: Node } {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The values document for these pairs, or the problems with their keys (values are never named). */
export function secretValuesDocument(pairs: readonly KeyValue[]): { yaml: string } | { problems: string[] } {
  const root: { [key: string]: Node } = {}
  const problems: string[] = []
  for (const { key, value } of pairs) {
    const parsed = parseKeyPath(key)
    if ('problem' in parsed) problems.push(parsed.problem)
    else setPath(root, parsed.path, value)
  }
  return problems.length > 0 ? { problems } : { yaml: `${emit(root)}\n` }
}

/** Flow-style YAML that every YAML 1.1/1.2 parser (helm's go-yaml included) reads back exactly. */
function emit(node: Node): string {
  if (node === null) return 'null'
  if (typeof node === 'string') return quote(node)
  if (Array.isArray(node)) return `[${node.map(emit).join(', ')}]`
  return `{${Object.entries(node)
    .map(([k, v]) => `${quote(k)}: ${emit(v)}`)
    .join(', ')}}`
}

const NAMED_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\0': '\\0',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\u0085': '\\N',
  '\u00a0': '\\_',
  '\u2028': '\\L',
  '\u2029': '\\P'
}

/**
 * A YAML double-quoted scalar. Escaped: quote and backslash, every control character, the characters YAML reads
 * as line breaks (NEL, LS, PS; raw, a parser would fold them) and the BOM; everything else is written as is.
 */
export function quote(value: string): string {
  let out = '"'
  for (const c of value) {
    const code = c.codePointAt(0) ?? 0
    const named = NAMED_ESCAPES[c]
    if (named) out += named
    else if (code < 0x20 || (code >= 0x7f && code < 0xa0)) out += `\\x${code.toString(16).padStart(2, '0')}`
    else if (code === 0xfeff || (code >= 0xd800 && code <= 0xdfff) || code === 0xfffe || code === 0xffff)
      out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += c
  }
  return `${out}"`
}
