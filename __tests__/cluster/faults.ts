/** Fault injection and the request log: the test-facing controls of the HTTP layer. */

export type FaultAction =
  | { status: 500 }
  | { status: 429; retryAfterSeconds: number }
  | { status: 409 }
  /** Accept the request and never answer (until the cluster stops or restarts). */
  | 'hang'
  /** Close the connection without an answer. */
  | 'drop'

export interface FaultRule {
  /** HTTP method, any case; all methods when absent. */
  method?: string
  /** A RegExp is tested against the path with its query; a string must equal the path with or without the query. */
  path: RegExp | string
  /** How many matching requests fail; 1 when absent. */
  count?: number
  action: FaultAction
}

interface ActiveFault {
  rule: FaultRule
  remaining: number
}

export class Faults {
  private readonly active: ActiveFault[] = []

  /** The next `count` requests matching the rule fail with `action`. */
  add(rule: FaultRule): void {
    this.active.push({ rule, remaining: rule.count ?? 1 })
  }

  clear(): void {
    this.active.length = 0
  }

  /** Faults still armed (how many requests each will still fail). */
  pending(): { rule: FaultRule; remaining: number }[] {
    return this.active.map(f => ({ rule: f.rule, remaining: f.remaining }))
  }

  /** Consumes and returns the fault for this request, if one matches. */
  take(method: string, pathWithQuery: string): FaultAction | undefined {
    const pathOnly = pathWithQuery.split('?')[0] ?? pathWithQuery
    const index = this.active.findIndex(({ rule }) => {
      if (rule.method && rule.method.toUpperCase() !== method.toUpperCase()) return false
      if (typeof rule.path === 'string') return rule.path === pathOnly || rule.path === pathWithQuery
      rule.path.lastIndex = 0
      return rule.path.test(pathWithQuery)
    })
    const fault = this.active[index]
    if (!fault) return undefined
    fault.remaining -= 1
    if (fault.remaining <= 0) this.active.splice(index, 1)
    return fault.rule.action
  }
}

export interface RequestLogEntry {
  /** When the request arrived (epoch ms). */
  time: number
  method: string
  /** Path with query, as sent. */
  path: string
  userAgent: string
  /** The request's Content-Type ('' without a body), e.g. to tell merge patches from strategic ones. */
  contentType: string
  /** Response status; 0 when the connection closed without one (drop, hang, client gone). */
  status: number
}

/** Every request the API server received, oldest first. */
export class RequestLog extends Array<RequestLogEntry> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array
  }

  clear(): void {
    this.length = 0
  }
}
