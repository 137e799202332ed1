/** Kubernetes resource quantities: parsed to numbers for arithmetic, printed back the way the API server prints them. */

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60
}
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18
}

/** The value of a quantity (cores for cpu, bytes for memory); undefined when it does not parse. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value !== 'string') return undefined
  const match = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/.exec(
    value.trim()
  )
  if (!match) return undefined
  const base = Number(match[1])
  if (match[2]) return base * 10 ** Number(match[2].slice(1))
  const suffix = match[3] ?? ''
  return base * (BINARY[suffix] ?? DECIMAL[suffix] ?? 1)
}

/** Milli-units, the resolution the API server keeps for cpu. */
export function toMilli(value: number): number {
  return Math.round(value * 1000)
}

/** Canonical text of a quantity: `500m`, `2`, `512Mi`, `1G`, `0`. */
export function formatQuantity(value: number, resource: string): string {
  if (value === 0) return '0'
  if (resource.endsWith('cpu')) {
    const milli = toMilli(value)
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`
  }
  if (!Number.isInteger(value)) return `${toMilli(value)}m`
  for (const suffix of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const unit = BINARY[suffix] ?? 1
    if (value % unit === 0) return `${value / unit}${suffix}`
  }
  for (const suffix of ['E', 'P', 'T', 'G', 'M', 'k']) {
    const unit = DECIMAL[suffix] ?? 1
    if (value % unit === 0) return `${value / unit}${suffix}`
  }
  return String(value)
}
