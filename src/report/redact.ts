/** Removes secret values from text and data before anything is logged, rendered or written. Pure. */

export const REDACTION = '***'

/** Secrets, longest first so that one containing a shorter one is removed whole; trivially short ones skipped. */
function ordered(secrets: readonly string[]): string[] {
  return [...new Set(secrets)].filter(s => s.trim().length >= 3).sort((a, b) => b.length - a.length)
}

function replaceAll(text: string, ordered: readonly string[]): string {
  return ordered.reduce((out, secret) => out.split(secret).join(REDACTION), text)
}

export function redactText(text: string, secrets: readonly string[]): string {
  return replaceAll(text, ordered(secrets))
}

/** A deep copy of plain data with every string redacted. */
export function redactData<T>(value: T, secrets: readonly string[]): T {
  const list = ordered(secrets)
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return replaceAll(v, list)
    if (Array.isArray(v)) return v.map(walk)
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]))
    }
    return v
  }
  return walk(value) as T
}
