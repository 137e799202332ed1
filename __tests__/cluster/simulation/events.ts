/** core/v1 Event recording with the client-go recorder's aggregation: a repeat bumps count and lastTimestamp. */
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

export interface EventSource {
  component: Component
  /** The node, for the kubelet. */
  host?: string
}

export interface RecordOptions {
  /** e.g. `spec.containers{web}` for container events. */
  fieldPath?: string
}

export class EventRecorder {
  /** Aggregation key -> event name, so a repeat finds the Event it updates. */
  private readonly names = new Map<string, { namespace: string; name: string }>()
  private sequence = 0

  constructor(private readonly store: ClusterStore) {}

  record(
    object: KubeObject,
    source: EventSource,
    type: EventType,
    reason: string,
    message: string,
    options: RecordOptions = {}
  ): void {
    const namespace = object.metadata.namespace ?? 'default'
    const key = [
      source.component,
      source.host ?? '',
      object.kind,
      namespace,
      object.metadata.name,
      object.metadata.uid ?? '',
      options.fieldPath ?? '',
      type,
      reason,
      message
    ].join('\u0000')
    const now = timestamp()
    const known = this.names.get(key)
    if (known) {
      const existing = this.store.get('events', known.namespace, known.name)
      if (existing) {
        const count = typeof existing.count === 'number' ? existing.count : 1
        this.write(() => this.store.update('events', { ...existing, count: count + 1, lastTimestamp: now }))
        return
      }
    }
    const name = `${object.metadata.name}.${this.uniqueHex()}`
    const involvedObject: Record<string, string> = {
      kind: object.kind,
      name: object.metadata.name,
      apiVersion: object.apiVersion
    }
    if (object.metadata.namespace) involvedObject.namespace = object.metadata.namespace
    if (object.metadata.uid) involvedObject.uid = object.metadata.uid
    if (object.metadata.resourceVersion) involvedObject.resourceVersion = object.metadata.resourceVersion
    if (options.fieldPath) involvedObject.fieldPath = options.fieldPath
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject,
      reason,
      message,
      source: source.host
        ? { component: source.component, host: source.host }
        : { component: source.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? ''
    }
    this.write(() => this.store.create('events', event))
    this.names.set(key, { namespace, name })
  }

  /** Object name suffix like the recorder's: the time in nanoseconds, in hex. */
  private uniqueHex(): string {
    this.sequence = (this.sequence + 1) % 1_000_000
    return (BigInt(Date.now()) * 1_000_000n + BigInt(this.sequence)).toString(16)
  }

  private write(action: () => unknown): void {
    try {
      action()
    } catch {
      // Events are best effort, as in client-go: the namespace may be going away.
    }
  }
}
