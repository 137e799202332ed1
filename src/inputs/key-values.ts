/**
 * `key=value` lines (set, set-string, set-secret). Secret values are taken byte for byte (only a line's CR is
 * dropped) and may span lines with GitHub's own delimiter convention: `key<<EOF`, the lines, `EOF`. Pure.
 */

export interface KeyValue {
  key: string
  value: string
}

export interface KeyValueOptions {
  /** Secret lines are never echoed in an error (the line may be the secret itself). */
  secret: boolean
}

export interface ParsedKeyValues {
  pairs: KeyValue[]
  problems: string[]
}

const HEREDOC = /^([^=]*?)<<(\S+)$/

export function parseKeyValues(text: string, options: KeyValueOptions): ParsedKeyValues {
  const pairs: KeyValue[] = []
  const problems: string[] = []
  const lines = text.split('\n').map(line => line.replace(/\r$/, ''))
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? ''
    const start = line.trimStart()
    if (start.trim() === '' || start.startsWith('#')) continue
    const heredoc = options.secret ? HEREDOC.exec(start.trimEnd()) : null
    if (heredoc) {
      const key = (heredoc[1] ?? '').trim()
      const delimiter = heredoc[2] ?? ''
      const end = lines.findIndex((candidate, at) => at > index && candidate === delimiter)
      if (key === '') problems.push(`line ${index + 1} starts a multi-line value with no key before <<`)
      if (end < 0) {
        problems.push(
          `the multi-line value of "${key}" (line ${index + 1}) has no closing line "${delimiter}"`
        )
        break
      }
      if (key !== '') pairs.push({ key, value: lines.slice(index + 1, end).join('\n') })
      index = end
      continue
    }
    const eq = start.indexOf('=')
    const key = eq < 0 ? '' : start.slice(0, eq).trim()
    if (key === '') {
      const shown = options.secret ? `line ${index + 1}` : `"${start.trim()}"`
      const hint = options.secret ? ' (a value over several lines is written key<<EOF, the lines, EOF)' : ''
      problems.push(`${shown} is not key=value with a non-empty key${hint}`)
      continue
    }
    // Secrets byte for byte; set/set-string lines are trimmed at both ends, as they always were.
    pairs.push({ key, value: options.secret ? start.slice(eq + 1) : start.trimEnd().slice(eq + 1) })
  }
  return { pairs, problems }
}
