/**
 * The one redactor. Guarantee: every output the action produces — each log line it prints or relays from helm
 * and kubectl, the outputs, report.json, the job summary, the PR comment, annotations and the failure message —
 * passes through a Redactor built from all the run's secrets before it leaves the process, at the single place
 * that output is written. For each secret it removes the value itself and the forms in which tools commonly
 * echo it: JSON- and Go-quoted (what Kubernetes and helm put in error messages), URL-encoded, YAML single-quoted,
 * standard and URL-safe base64 (whole, and the part that survives when the secret sits inside a longer encoded
 * string), each line of a multi-line value, and its separator-delimited pieces of 8+ characters. Secrets shorter
 * than MIN_SECRET_LENGTH cannot be redacted without mangling every line, so inputs refuse them. Pure.
 */

export const REDACTION = '***'
/** Shorter secrets are refused as inputs: removing every `1` or `=` from a report would make it unreadable. */
export const MIN_SECRET_LENGTH = 3
/** Lines of a multi-line secret, and pieces between separators, are redacted on their own from this length. */
const MIN_LINE_LENGTH = 4
const MIN_PIECE_LENGTH = 8
/** A base64 fragment shorter than this (two 3-byte groups) would match innocent text too often. */
const MIN_BASE64_FRAGMENT = 8

/**
 * `values` are secrets a person gave (set-secret, tokens, passwords): every form above. `documents` are whole
 * secret files (a kubeconfig): only the document itself and its base64, since its lines and words are mostly
 * not secret (the credentials inside it are given as values).
 */
export interface SecretSet {
  values: readonly string[]
  documents?: readonly string[]
}

export class Redactor {
  /** Every form of every secret, longest first so a form containing a shorter one is removed whole. */
  readonly forms: readonly string[]
  private readonly pattern: RegExp | undefined

  constructor(secrets: SecretSet) {
    const forms = new Set<string>()
    for (const secret of secrets.values) for (const form of secretForms(secret)) forms.add(form)
    for (const document of secrets.documents ?? []) {
      for (const form of [document, document.trim(), ...base64Forms(document).slice(0, 2)]) {
        if (form.length >= MIN_SECRET_LENGTH) forms.add(form)
      }
    }
    this.forms = [...forms].sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
    this.pattern =
      this.forms.length === 0 ? undefined : new RegExp(this.forms.map(escapeRegExp).join('|'), 'g')
  }

  text(value: string): string {
    return this.pattern ? value.replace(this.pattern, REDACTION) : value
  }

  /** A deep copy of plain data with every string (keys too) redacted. */
  data<T>(value: T): T {
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.text(v)
      if (Array.isArray(v)) return v.map(walk)
      if (v !== null && typeof v === 'object') {
        return Object.fromEntries(
          Object.entries(v as Record<string, unknown>).map(([k, x]) => [this.text(k), walk(x)])
        )
      }
      return v
    }
    return walk(value) as T
  }

  /** A command line as it may be logged: each argument redacted on its own. */
  args(argv: readonly string[]): string[] {
    return argv.map(arg => this.text(arg))
  }

  /**
   * What to register with the runner's log masker (`::add-mask::`): the forms a log line can contain. The runner
   * matches within one line, so a multi-line secret is registered line by line.
   */
  maskValues(): string[] {
    return this.forms.filter(form => !form.includes('\n'))
  }

  /** No secret at all: for code paths that have none (tests, the post step before inputs are read). */
  static readonly none = new Redactor({ values: [] })
}

/** Every form of one secret worth removing; empty for a secret too short to redact. */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return []
  const forms = new Set<string>([secret])
  const add = (form: string, min = MIN_SECRET_LENGTH): void => {
    if (form.length >= min) forms.add(form)
  }
  add(secret.trim())
  add(JSON.stringify(secret).slice(1, -1))
  add(goQuoted(secret))
  add(goQuoted(secret, { htmlSafe: true }))
  add(secret.replace(/'/g, "''"))
  add(encodeURIComponent(secret))
  add(encodeURI(secret))
  for (const line of secret.split(/\r?\n/)) add(line.trim(), MIN_LINE_LENGTH)
  for (const piece of secret.split(/[\s,;:=@/&?"'`|]+/)) add(piece, MIN_PIECE_LENGTH)
  for (const form of base64Forms(secret)) forms.add(form)
  return [...forms]
}

/**
 * base64 of the secret alone (padded and not, standard and URL-safe), and the run of characters that encodes
 * only the secret's bytes when it sits at any of the three byte alignments inside a longer encoded string.
 */
export function base64Forms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8')
  const standard: string[] = []
  const whole = bytes.toString('base64')
  standard.push(whole, whole.replace(/=+$/, ''))
  for (let skip = 0; skip < 3; skip++) {
    const groups = Math.floor((bytes.length - skip) / 3)
    if (groups <= 0) continue
    const fragment = bytes.subarray(skip, skip + groups * 3).toString('base64')
    if (fragment.length >= MIN_BASE64_FRAGMENT) standard.push(fragment)
  }
  const forms = new Set<string>()
  for (const form of standard) {
    if (form.length < MIN_SECRET_LENGTH) continue
    forms.add(form)
    forms.add(form.replace(/\+/g, '-').replace(/\//g, '_'))
  }
  return [...forms]
}

/** The inside of Go's strconv.Quote (what `%q` prints), optionally with encoding/json's HTML-safe escapes. */
function goQuoted(value: string, options: { htmlSafe?: boolean } = {}): string {
  const named: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '\\': '\\\\',
    '"': '\\"'
  }
  let out = ''
  for (const c of value) {
    const code = c.codePointAt(0) ?? 0
    if (options.htmlSafe && (c === '<' || c === '>' || c === '&' || code === 0x2028 || code === 0x2029)) {
      out += `\\u${code.toString(16).padStart(4, '0')}`
    } else if (named[c] !== undefined) out += named[c]
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else out += c
  }
  return out
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
