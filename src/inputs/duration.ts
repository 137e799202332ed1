/** Go's time.ParseDuration, which helm applies to --timeout: the same syntax and the same maximum. Pure. */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
}
const DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g

/** A Go duration is an int64 of nanoseconds: 2562047h47m16.854775807s at most. */
export const GO_MAX_DURATION_MS = 9_223_372_036_854.775
export const GO_MAX_DURATION_TEXT = '2562047h47m16.854775807s'

/** Milliseconds; undefined when the text is not a Go duration or overflows Go's int64 nanoseconds. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0
  if (!DURATION.test(text)) return undefined
  let total = 0
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * (UNIT_MS[unit ?? ''] ?? NaN)
  if (!Number.isFinite(total) || total > GO_MAX_DURATION_MS) return undefined
  return text.startsWith('-') ? -total : total
}

/** Why a text is not a usable duration, or undefined when it is one. */
export function durationProblem(text: string, { allowZero }: { allowZero: boolean }): string | undefined {
  const ms = parseGoDuration(text)
  if (ms !== undefined) {
    if (ms < 0 || (ms === 0 && !allowZero))
      return `"${text}" must be ${allowZero ? 'zero or more' : 'greater than zero'}`
    return undefined
  }
  if (DURATION.test(text)) return `"${text}" is above Go's maximum duration (${GO_MAX_DURATION_TEXT})`
  return `"${text}" is not a Go duration such as 5m0s, 90s or 1h30m`
}
