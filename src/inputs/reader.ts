/**
 * Reads raw input strings by name and collects every problem, so all of them are reported at once. Each helper
 * takes the input's name once and knows its default (INPUT_DEFAULTS mirrors action.yml). Pure.
 */
import { parseDocument } from 'yaml'
import { durationProblem, parseGoDuration } from './duration.js'
import { isMapping } from './kubeconfig.js'
import { parseKeyValues, type KeyValue } from './key-values.js'
import { INPUT_DEFAULTS, type InputName } from './defaults.js'

export class InputReader {
  private readonly problems = new Map<InputName, string[]>()

  constructor(private readonly raw: Readonly<Record<string, string>>) {}

  /** Problems in action.yml order. */
  errors(): string[] {
    return (Object.keys(INPUT_DEFAULTS) as InputName[]).flatMap(name => this.problems.get(name) ?? [])
  }

  problem(name: InputName, message: string): void {
    const list = this.problems.get(name) ?? []
    list.push(`${name}: ${message}`)
    this.problems.set(name, list)
  }

  /** Trimmed; an empty input falls back to the default, like an omitted one. */
  text(name: InputName): string {
    const value = (this.raw[name] ?? '').trim()
    return value === '' ? INPUT_DEFAULTS[name] : value
  }

  /** As given except trailing whitespace: YAML inputs keep their leading indentation. */
  block(name: InputName): string {
    return (this.raw[name] ?? '').replace(/\s+$/, '')
  }

  /** Exactly as given (secrets). */
  verbatim(name: InputName): string {
    return this.raw[name] ?? ''
  }

  lines(name: InputName): string[] {
    return this.text(name)
      .split(/\r?\n/)
      .map(line => line.trim())
      .filter(line => line !== '' && !line.startsWith('#'))
  }

  boolean(name: InputName): boolean {
    const value = this.text(name)
    // YAML 1.2 core schema, as core.getBooleanInput accepts.
    if (['true', 'True', 'TRUE'].includes(value)) return true
    if (['false', 'False', 'FALSE'].includes(value)) return false
    this.problem(name, `"${value}" is not a boolean (true or false)`)
    return false
  }

  integer(name: InputName, min: number, max?: number): number {
    const value = this.text(name)
    const n = /^\d+$/.test(value) ? Number(value) : NaN
    if (Number.isSafeInteger(n) && n >= min && (max === undefined || n <= max)) return n
    this.problem(
      name,
      `"${value}" is not an integer ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`}`
    )
    return min
  }

  oneOf<T extends string>(name: InputName, allowed: readonly T[]): T {
    const value = this.text(name)
    const match = allowed.find(option => option === value)
    if (match !== undefined) return match
    this.problem(name, `"${value}" is not one of ${allowed.join(', ')}`)
    return allowed[0] as T
  }

  /** A Go duration (helm's syntax and limits): the text as given and its milliseconds. */
  duration(name: InputName, options: { allowZero: boolean }): { text: string; ms: number } {
    const text = this.text(name)
    const problem = durationProblem(text, options)
    if (problem) this.problem(name, problem)
    return { text, ms: problem ? 0 : (parseGoDuration(text) ?? 0) }
  }

  keyValues(name: InputName, options: { secret: boolean }): KeyValue[] {
    const text = options.secret ? this.verbatim(name) : this.text(name)
    const { pairs, problems } = parseKeyValues(text, options)
    for (const problem of problems) this.problem(name, problem)
    return pairs
  }

  /** An inline YAML mapping; empty when the input is empty or an empty mapping. */
  yamlMapping(name: InputName): string {
    const value = this.block(name)
    if (value === '') return ''
    const doc = parseDocument(value)
    if (doc.errors.length > 0) {
      this.problem(name, `is not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`)
      return ''
    }
    const parsed: unknown = doc.toJS()
    if (parsed === null || parsed === undefined) return ''
    if (!isMapping(parsed)) {
      this.problem(name, 'is not a YAML mapping (key: value)')
      return ''
    }
    return Object.keys(parsed).length === 0 ? '' : value
  }

  /** An http(s) URL without trailing slashes. */
  url(name: InputName): string {
    const value = this.text(name)
    let url: URL | undefined
    try {
      url = new URL(value)
    } catch {
      url = undefined
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      this.problem(name, `"${value}" is not an http(s) URL`)
      return value
    }
    return value.replace(/\/+$/, '')
  }

  /** `vX.Y.Z` (the `v` added when missing) or one of the channels. */
  version(name: InputName, options: { channels: readonly string[]; majors?: readonly string[] }): string {
    const value = this.text(name)
    if (options.channels.includes(value)) return value
    const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(value)
    if (!match) {
      const channels = options.channels.length > 0 ? `, ${options.channels.join(', ')}` : ''
      this.problem(name, `"${value}" is not vX.Y.Z or X.Y.Z${channels}`)
      return value
    }
    if (options.majors && !options.majors.includes(match[1] ?? '')) {
      this.problem(name, `"${value}" is not version ${options.majors.join(' or ')}`)
    }
    return value.startsWith('v') ? value : `v${value}`
  }
}
