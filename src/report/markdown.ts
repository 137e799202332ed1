/** Markdown building blocks for the summary, the PR comment and the plan: every string escaped once. Pure. */

export function table(header: string[], rows: string[][], maxRows = Number.POSITIVE_INFINITY): string {
  const shown = rows.slice(0, maxRows)
  const lines = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...shown.map(r => `| ${r.join(' | ')} |`)
  ]
  const omitted = rows.length - shown.length
  if (omitted > 0) lines.push('', `_${omitted} more row${omitted === 1 ? '' : 's'} not shown._`)
  return lines.join('\n')
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, c => HTML_ESCAPES[c] ?? c)
}

// Characters with a markdown meaning, written as entities so cluster text can only ever render as text.
const MARKDOWN_ESCAPES: Record<string, string> = {
  '|': '&#124;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '[': '&#91;',
  ']': '&#93;',
  '\\': '&#92;',
  '~': '&#126;',
  '#': '&#35;'
}

/**
 * Kubernetes (or any untrusted) text for a paragraph or table cell: HTML-escaped, markdown-inert, no line breaks,
 * and `@name` broken with a zero-width space so a log line cannot mention people in a PR comment.
 */
export function text(value: string): string {
  // One pass: escaping the `#` of an entity written a step earlier would show `&#39;` literally.
  return plainLine(value)
    .replace(/[&<>"'|`*_[\]\\~#]/g, c => HTML_ESCAPES[c] ?? MARKDOWN_ESCAPES[c] ?? c)
    .replace(/@(?=\w)/g, '@&#8203;')
}

/** A table cell: like text(), capped, with line breaks kept as `<br>`. */
export function cell(value: string, max: number): string {
  return cap(value.replace(/\r\n?/g, '\n').trim(), max)
    .split('\n')
    .map(line => text(line))
    .join('<br>')
}

/** Strips ANSI colour sequences and control characters (tabs kept), and folds newlines into spaces. */
export function plainLine(value: string): string {
  return (
    value
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '')
      .replace(/\r\n?|\n/g, ' ')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
  )
}

export function oneLine(value: string): string {
  return value
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '')
    .join('; ')
}

export function sentence(value: string): string {
  const first = value.charAt(0).toUpperCase() + value.slice(1)
  return /[.!?]$/.test(first) ? first : `${first}.`
}

export function cap(value: string, max: number): string {
  if (value.length <= max) return value
  return `${value.slice(0, Math.max(0, max - 1))}…`
}

/** A run URL from the environment; only http(s) and without characters that would end the markdown link. */
export function url(value: string): string {
  return /^https?:\/\/[^\s()<>]+$/.test(value) ? value : '#'
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8')
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–'
  if (ms < 1000) return `${Math.round(ms)} ms`
  const seconds = Math.round(ms / 1000)
  if (seconds < 60) return `${(ms / 1000).toFixed(1)} s`
  const h = Math.floor(seconds / 3600)
  const min = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  return h > 0 ? `${h}h ${min}m ${s}s` : `${min}m ${s}s`
}

export function age(timestamp: string | undefined, now: number): string {
  const at = timestamp === undefined ? Number.NaN : Date.parse(timestamp)
  if (Number.isNaN(at)) return '–'
  const seconds = Math.max(0, Math.round((now - at) / 1000))
  if (seconds < 120) return `${seconds}s`
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`
  return `${Math.floor(seconds / 86_400)}d`
}
