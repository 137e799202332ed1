/** Removes secret values from text and data before anything is logged, rendered or written. Pure. */

export const REDACTION = '***'

/** Secrets, longest first so that one containing a shorter one is removed whole; trivially short ones skipped. */
function ordered(secrets: readonly string[]): string[] {
  return [...new Set(secrets)].filter(s => s.trim().length >= 3).sort((a, b) => b.length - a.length)
}

export function redactText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of ordered(secrets)) out = out.split(secret).join(REDACTION)
  return out
}

/** A deep copy of plain data with every string redacted. */
export function redactData<T>(value: T, secrets: readonly string[]): T {
  const list = ordered(secrets)
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return list.reduce((text, secret) => text.split(secret).join(REDACTION), v)
    if (Array.isArray(v)) return v.map(walk)
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, walk(x)]))
    }
    return v
  }
  return walk(value) as T
}
