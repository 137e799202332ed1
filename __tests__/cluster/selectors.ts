/** Label and field selectors, parsed as the API server parses `labelSelector` and `fieldSelector`. */
import { badRequest } from './errors.js'
import { isObject } from './json.js'
import type { KubeObject } from './types.js'

export type Matcher = (object: KubeObject) => boolean

type LabelRequirement =
  | { op: 'exists' | '!exists'; key: string }
  | { op: '=' | '!='; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'gt' | 'lt'; key: string; value: number }

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = []
  let depth = 0
  let current = ''
  for (const char of text) {
    if (char === '(') depth++
    if (char === ')') depth--
    if (char === ',' && depth === 0) {
      parts.push(current)
      current = ''
    } else current += char
  }
  parts.push(current)
  return parts.map(p => p.trim()).filter(p => p !== '')
}

function parseLabelRequirement(text: string): LabelRequirement {
  const setMatch = /^([^\s!=<>(),]+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text)
  if (setMatch) {
    const values = (setMatch[3] ?? '')
      .split(',')
      .map(v => v.trim())
      .filter(v => v !== '')
    return { op: setMatch[2] === 'in' ? 'in' : 'notin', key: setMatch[1] ?? '', values }
  }
  const notExists = /^!\s*([^\s!=<>(),]+)$/.exec(text)
  if (notExists) return { op: '!exists', key: notExists[1] ?? '' }
  const compare = /^([^\s!=<>(),]+)\s*(==|=|!=|>|<)\s*([^\s!=<>(),]*)$/.exec(text)
  if (compare) {
    const [, key = '', op, value = ''] = compare
    if (op === '>' || op === '<') {
      const n = Number(value)
      if (!/^-?\d+$/.test(value))
        throw badRequest(
          `unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer`
        )
      return { op: op === '>' ? 'gt' : 'lt', key, value: n }
    }
    return { op: op === '!=' ? '!=' : '=', key, value }
  }
  if (/^[^\s!=<>(),]+$/.test(text)) return { op: 'exists', key: text }
  throw badRequest(`unable to parse requirement: found '${text}', expected: identifier`)
}

function matchesLabel(req: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, req.key)
  const value = labels[req.key]
  switch (req.op) {
    case 'exists':
      return has
    case '!exists':
      return !has
    case '=':
      return has && value === req.value
    case '!=':
      return !has || value !== req.value
    case 'in':
      return has && req.values.includes(value ?? '')
    case 'notin':
      return !has || !req.values.includes(value ?? '')
    case 'gt':
      return has && Number(value) > req.value
    case 'lt':
      return has && Number(value) < req.value
  }
}

export function parseLabelSelector(text: string | null | undefined): Matcher {
  if (!text) return () => true
  const requirements = splitTopLevel(text).map(parseLabelRequirement)
  return object => {
    const labels = object.metadata.labels ?? {}
    return requirements.every(req => matchesLabel(req, labels))
  }
}

/** A label selector object (matchLabels/matchExpressions) as selector text. */
export function selectorText(selector: unknown): string {
  if (!isObject(selector)) return ''
  const parts: string[] = []
  if (isObject(selector.matchLabels)) {
    for (const [key, value] of Object.entries(selector.matchLabels)) parts.push(`${key}=${String(value)}`)
  }
  if (Array.isArray(selector.matchExpressions)) {
    for (const expr of selector.matchExpressions) {
      if (!isObject(expr)) continue
      const key = String(expr.key)
      const values = Array.isArray(expr.values) ? expr.values.map(String).join(',') : ''
      if (expr.operator === 'In') parts.push(`${key} in (${values})`)
      else if (expr.operator === 'NotIn') parts.push(`${key} notin (${values})`)
      else if (expr.operator === 'Exists') parts.push(key)
      else if (expr.operator === 'DoesNotExist') parts.push(`!${key}`)
    }
  }
  return parts.join(',')
}

function fieldValue(object: KubeObject, path: string): string {
  let current: unknown = object
  for (const part of path.split('.')) {
    if (!isObject(current)) return ''
    current = current[part]
  }
  if (current === undefined || current === null) return ''
  return typeof current === 'string' ? current : JSON.stringify(current)
}

export function parseFieldSelector(text: string | null | undefined): Matcher {
  if (!text) return () => true
  const requirements = splitTopLevel(text).map(part => {
    const match = /^([^!=]+?)\s*(==|=|!=)\s*(.*)$/.exec(part)
    if (!match) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`)
    return { field: match[1] ?? '', negate: match[2] === '!=', value: match[3] ?? '' }
  })
  return object => requirements.every(req => (fieldValue(object, req.field) === req.value) !== req.negate)
}
