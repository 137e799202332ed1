/** Event recording: core/v1 (client-go tools/record) and events.k8s.io/v1 (tools/events) semantics. */
import { timestamp } from '../json.js'
import type { ClusterStore, KubeObject } from '../types.js'

export type EventType = 'Normal' | 'Warning'

export type Component =
  | 'kubelet'
  | 'deployment-controller'
  | 'replicaset-controller'
  | 'statefulset-controller'
  | 'daemonset-controller'
  | 'job-controller'
  | 'default-scheduler'
  | 'persistentvolume-controller'
  | 'cluster-autoscaler'
  | 'controllermanager'

export interface EventSource {
  component: Component
  /** The node, for the kubelet. */
  host?: string
}

export interface RecordOptions {
  /** e.g. `spec.containers{web}` for container events. */
  fieldPath?: string
  /**
   * The correlator's spam filter (tools/record EventSourceObjectSpamFilter) with a source's own settings: a
   * token bucket per object and reason. Repeats it drops still count, and the next one written carries the count.
   */
  spam?: { burst: number; refillSeconds: number }
}

interface Observed {
  namespace: string
  name?: string
  count: number
}

/** core/v1 Event recording with the client-go recorder's aggregation: a repeat bumps count and lastTimestamp. */
export class EventRecorder {
  /** Aggregation key -> the Event it updates and how often it was observed. */
  private readonly observed = new Map<string, Observed>()
  private readonly buckets = new Map<string, { tokens: number; at: number }>()
  private sequence = 0

  constructor(
    private readonly store: ClusterStore,
    private readonly ms: (seconds: number) => number = seconds => seconds * 1000
  ) {}

  record(
    object: KubeObject,
    source: EventSource,
    type: EventType,
    reason: string,
    message: string,
    options: RecordOptions = {}
  ): void {
    const namespace = object.metadata.namespace ?? 'default'
    const identity = [
      source.component,
      source.host ?? '',
      object.kind,
      namespace,
      object.metadata.name,
      object.metadata.uid ?? ''
    ]
    const key = [...identity, options.fieldPath ?? '', type, reason, message].join('\u0000')
    const nowMs = Date.now()
    const now = timestamp(new Date(nowMs))
    let observed = this.observed.get(key)
    if (!observed) {
      observed = { namespace, count: 0 }
      this.observed.set(key, observed)
    }
    observed.count += 1
    if (options.spam && !this.accept([reason, ...identity].join('\u0000'), options.spam, nowMs)) return
    if (observed.name) {
      const existing = this.store.get('events', observed.namespace, observed.name)
      if (existing) {
        const count = options.spam
          ? observed.count
          : (typeof existing.count === 'number' ? existing.count : 1) + 1
        this.write(() => this.store.update('events', { ...existing, count, lastTimestamp: now }))
        return
      }
    }
    const name = `${object.metadata.name}.${this.uniqueHex()}`
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: objectReference(object, options.fieldPath),
      reason,
      message,
      source: source.host
        ? { component: source.component, host: source.host }
        : { component: source.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: options.spam ? observed.count : 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? ''
    }
    this.write(() => this.store.create('events', event))
    observed.name = name
    if (!options.spam) observed.count = 1
  }

  /** TryAccept on the key's token bucket (burst tokens, one more every refillSeconds). */
  private accept(key: string, spam: { burst: number; refillSeconds: number }, now: number): boolean {
    const bucket = this.buckets.get(key) ?? { tokens: spam.burst, at: now }
    const refill = this.ms(spam.refillSeconds)
    bucket.tokens = Math.min(
      spam.burst,
      bucket.tokens + (refill > 0 ? (now - bucket.at) / refill : spam.burst)
    )
    bucket.at = now
    const accepted = bucket.tokens >= 1
    if (accepted) bucket.tokens -= 1
    this.buckets.set(key, bucket)
    return accepted
  }

  /** Object name suffix like the recorder's: the time in nanoseconds, in hex. */
  private uniqueHex(): string {
    this.sequence = (this.sequence + 1) % 1_000_000
    return (BigInt(Date.now()) * 1_000_000n + BigInt(this.sequence)).toString(16)
  }

  private write(action: () => unknown): void {
    bestEffort(action)
  }
}

/** metav1.MicroTime as the API server writes it: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z')
}

interface SeriesEntry {
  namespace: string
  name: string
  /** The event as first written (core/v1 shape, as the API server stores events.k8s.io/v1 ones). */
  event: KubeObject
  eventTime: number
  series?: { count: number; lastObservedTime: number }
}

/**
 * The events.k8s.io/v1 recorder of client-go's tools/events (what kube-scheduler uses): the first occurrence
 * creates an Event with `eventTime`; the first repeat of the same (action, reason, regarding, note) writes
 * `series: {count: 2, lastObservedTime}`; later repeats only count in the recorder's cache, which is written
 * back every 30 min (refreshExistingEventSeries) and when a series has been quiet for 6 min (finishSeries, which
 * also forgets it, so the next repeat starts a new Event). Both run on tickers from the recorder's start.
 *
 * Stored in the core/v1 form the API server converts it to: involvedObject ← regarding, message ← note,
 * reportingComponent ← reportingController, `source: {}`, null first/lastTimestamp, no count.
 */
export class EventSeriesRecorder {
  static readonly REFRESH_SECONDS = 30 * 60
  static readonly FINISH_SECONDS = 6 * 60
  private readonly cache = new Map<string, SeriesEntry>()
  private refreshTicks = 0
  private finishTicks = 0
  private sequence = 0

  constructor(
    private readonly store: ClusterStore,
    private readonly ms: (seconds: number) => number,
    private readonly started: number,
    private readonly reportingController: string,
    private readonly reportingInstance: string
  ) {}

  record(
    regarding: KubeObject,
    type: EventType,
    reason: string,
    action: string,
    note: string,
    now: number
  ): void {
    this.tick(now)
    const reference = objectReference(regarding)
    const key = [action, reason, this.reportingController, canonicalReference(reference), note].join('\u0000')
    const known = this.cache.get(key)
    if (known) {
      if (known.series) {
        known.series.count += 1
        known.series.lastObservedTime = now
        return
      }
      known.series = { count: 2, lastObservedTime: now }
      this.writeSeries(known)
      return
    }
    const namespace = regarding.metadata.namespace ?? 'default'
    this.sequence = (this.sequence + 1) % 1_000_000
    const name = `${regarding.metadata.name}.${(BigInt(now) * 1_000_000n + BigInt(this.sequence)).toString(16)}`
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: reference,
      reason,
      message: note,
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      type,
      eventTime: microTime(now),
      action,
      reportingComponent: this.reportingController,
      reportingInstance: this.reportingInstance
    }
    const entry: SeriesEntry = { namespace, name, event, eventTime: now }
    this.cache.set(key, entry)
    bestEffort(() => this.store.create('events', event))
  }

  /** Runs the 30-min refresh and 6-min finish tickers that are due; returns when a ticker next has work. */
  tick(now: number): number | undefined {
    const refreshAt = (k: number): number => this.started + this.ms(EventSeriesRecorder.REFRESH_SECONDS) * k
    const finishAt = (k: number): number => this.started + this.ms(EventSeriesRecorder.FINISH_SECONDS) * k
    for (;;) {
      const nextRefresh = refreshAt(this.refreshTicks + 1)
      const nextFinish = finishAt(this.finishTicks + 1)
      const at = Math.min(nextRefresh, nextFinish)
      if (at > now) break
      if (nextRefresh <= nextFinish) {
        this.refreshTicks += 1
        for (const entry of this.cache.values()) if (entry.series) this.writeSeries(entry)
      } else {
        this.finishTicks += 1
        const quiet = at - this.ms(EventSeriesRecorder.FINISH_SECONDS)
        for (const [key, entry] of this.cache) {
          if (entry.series) {
            if (entry.series.lastObservedTime < quiet) {
              this.writeSeries(entry)
              this.cache.delete(key)
            }
          } else if (entry.eventTime < quiet) this.cache.delete(key)
        }
      }
    }
    // Only series have something to write at a tick; singletons are forgotten lazily above.
    if (![...this.cache.values()].some(entry => entry.series)) return undefined
    return Math.min(refreshAt(this.refreshTicks + 1), finishAt(this.finishTicks + 1))
  }

  /** PATCH of the series (a create again if the Event was deleted meanwhile). */
  private writeSeries(entry: SeriesEntry): void {
    if (!entry.series) return
    const series = { count: entry.series.count, lastObservedTime: microTime(entry.series.lastObservedTime) }
    const stored = this.store.get('events', entry.namespace, entry.name)
    if (stored) bestEffort(() => this.store.update('events', { ...stored, series }))
    else bestEffort(() => this.store.create('events', { ...entry.event, series }))
  }
}

/** reference.GetReference: what an event's regarding/involvedObject holds (resourceVersion included). */
export function objectReference(object: KubeObject, fieldPath?: string): Record<string, string> {
  const reference: Record<string, string> = {
    kind: object.kind,
    name: object.metadata.name,
    apiVersion: object.apiVersion
  }
  if (object.metadata.namespace) reference.namespace = object.metadata.namespace
  if (object.metadata.uid) reference.uid = object.metadata.uid
  if (object.metadata.resourceVersion) reference.resourceVersion = object.metadata.resourceVersion
  if (fieldPath) reference.fieldPath = fieldPath
  return reference
}

function canonicalReference(reference: Record<string, string>): string {
  return Object.keys(reference)
    .sort()
    .map(k => `${k}=${reference[k] ?? ''}`)
    .join(',')
}

function bestEffort(action: () => unknown): void {
  try {
    action()
  } catch {
    // Events are best effort, as in client-go: the namespace may be going away.
  }
}
