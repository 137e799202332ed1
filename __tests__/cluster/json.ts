/** Small helpers for untyped JSON values (request bodies, stored objects). */

export type JsonObject = Record<string, unknown>

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export function asObject(value: unknown): JsonObject | undefined {
  return isObject(value) ? value : undefined
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined
}

/** Structural equality for JSON values; key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    return a.every((item, i) => deepEqual(item, b[i]))
  }
  if (isObject(a)) {
    if (!isObject(b)) return false
    const aKeys = Object.keys(a).filter(k => a[k] !== undefined)
    const bKeys = Object.keys(b).filter(k => b[k] !== undefined)
    if (aKeys.length !== bKeys.length) return false
    return aKeys.every(k => deepEqual(a[k], b[k]))
  }
  return false
}

export function clone<T>(value: T): T {
  return structuredClone(value)
}

/** Current time as Kubernetes writes timestamps: RFC 3339, whole seconds, UTC. */
export function timestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}
