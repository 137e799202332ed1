import type {
  Diagnostics,
  EventRecord,
  FailFastVerdict,
  LogTail,
  PodDiagnosis,
  WorkloadState
} from './diagnostics.js'
import type { KubectlClient } from './client.js'
import {
  belongsToRelease,
  controllerOf,
  HOOK_ANNOTATION,
  sortEvents,
  toEventRecord,
  toPodDiagnosis,
  toWorkloadState,
  type KubeEvent,
  type KubeItem
} from './objects.js'
import {
  DEFAULT_VERDICT_OPTIONS,
  evaluateFailFast,
  newVerdictMemory,
  type VerdictOptions
} from './verdicts.js'

export interface WatchOptions {
  kubectl: KubectlClient
  release: string
  namespace: string
  /** Lines kept per log tail. */
  logLines: number
  /** Between observations; at most 2 s. */
  intervalMs?: number
  failFast: boolean
  verdictOptions?: VerdictOptions
  /** Called once, with the first verdict reached while helm is waiting. */
  onVerdict?: (verdict: FailFastVerdict) => void
  /** True once helm has created every object and waits for readiness; only then may a verdict act. */
  isHelmWaiting?: () => boolean
  now?: () => number
  log?: (line: string) => void
}

const KINDS = ['deployments', 'statefulsets', 'daemonsets', 'jobs', 'replicasets', 'pods']
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job'])
/** A hook Job created this long before the watch began still counts as ours (clock skew, slow start). */
const HOOK_GRACE_MS = 5_000
/** Event timestamps have second precision and the cluster's clock may differ a little from ours. */
const EVENT_GRACE_MS = 2_000
const MAX_LINE = 2_000
const MAX_LOG_BYTES = 256 * 1024
const FINAL_COLLECTION_MS = 10_000
const SLOW_DOWN_AFTER_MS = 30_000

function capLines(text: string, lines: number): { lines: string[]; truncated: boolean } {
  const all = text.replace(/\n$/, '').split('\n')
  const kept = all.slice(-lines).map(l => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE)}…` : l))
  return { lines: text === '' ? [] : kept, truncated: all.length > lines || kept.some(l => l.endsWith('…')) }
}

/**
 * Watches a release's objects beside helm by polling kubectl, keeping the latest state of every pod and
 * container and every event about them, so the evidence survives helm's rollback. Never throws: a failed read
 * makes the diagnostics partial.
 */
export class ReleaseWatcher {
  private readonly options: WatchOptions
  private readonly now: () => number
  private readonly startedAt: number
  private readonly uids = new Set<string>()
  private readonly names = new Set<string>()
  private readonly pods = new Map<string, PodDiagnosis>()
  private readonly workloads = new Map<string, WorkloadState>()
  private readonly events = new Map<string, EventRecord>()
  private readonly logs = new Map<string, LogTail>()
  private readonly previousLogRestarts = new Map<string, number>()
  private readonly partial = new Set<string>()
  private readonly memory = newVerdictMemory()
  private verdict: FailFastVerdict | undefined
  private observations = 0
  private stopped = false
  private loop: Promise<void> | undefined
  private wake: (() => void) | undefined

  constructor(options: WatchOptions) {
    this.options = options
    this.now = options.now ?? Date.now
    this.startedAt = this.now()
  }

  start(): void {
    this.loop ??= this.run()
  }

  private async run(): Promise<void> {
    const fast = Math.min(this.options.intervalMs ?? 1_000, 2_000)
    while (!this.stopped) {
      const began = this.now()
      // Most failures show within seconds; a long wait is watched at half the rate, to keep kubectl's cost down.
      const interval = began - this.startedAt < SLOW_DOWN_AFTER_MS ? fast : Math.max(fast, 2_000)
      await this.observe()
      if (this.stopped) break
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, Math.max(100, interval - (this.now() - began)))
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  }

  /** Stops watching and makes the final collection (bounded), returning what was captured. */
  async stop(): Promise<Diagnostics> {
    this.stopped = true
    this.wake?.()
    await this.loop
    const final = (async () => {
      await this.observe()
      await this.collectLogs(true)
    })()
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<boolean>(resolve => {
      timer = setTimeout(() => resolve(false), FINAL_COLLECTION_MS)
    })
    const finished = await Promise.race([final.then(() => true), deadline])
    clearTimeout(timer)
    if (!finished) this.partial.add(`the final collection took longer than ${FINAL_COLLECTION_MS / 1000} s`)
    return this.diagnostics()
  }

  diagnostics(): Diagnostics {
    const diagnostics: Diagnostics = {
      workloads: [...this.workloads.values()].sort((a, b) =>
        `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`)
      ),
      pods: [...this.pods.values()].sort((a, b) => a.name.localeCompare(b.name)),
      events: sortEvents([...this.events.values()]),
      logs: [...this.logs.values()].sort((a, b) =>
        `${a.pod}/${a.container}/${Number(!a.previous)}`.localeCompare(
          `${b.pod}/${b.container}/${Number(!b.previous)}`
        )
      ),
      observations: this.observations
    }
    if (this.verdict) diagnostics.verdict = this.verdict
    if (this.partial.size > 0) diagnostics.partial = `partial: ${[...this.partial].join('; ')}`
    return diagnostics
  }

  private note(why: string, error: unknown): void {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
    this.partial.add(`${why}: ${message}`)
    this.options.log?.(`watcher: ${why}: ${message}`)
  }

  private isOurs(item: KubeItem): boolean {
    if (belongsToRelease(item, this.options.release, this.options.namespace)) return true
    if (item.kind === 'Job' && item.metadata.annotations?.[HOOK_ANNOTATION]) {
      const created = Date.parse(item.metadata.creationTimestamp ?? '')
      return Number.isNaN(created) || created >= this.startedAt - HOOK_GRACE_MS
    }
    const owner = controllerOf(item)
    return owner !== undefined && this.uids.has(owner.uid)
  }

  /** Workloads, pods and events in one kubectl call; separately when that fails, so one bad read costs only itself. */
  private async read(): Promise<{ items: KubeItem[]; events: KubeEvent[] } | undefined> {
    const { kubectl, namespace } = this.options
    try {
      const all = await kubectl.list<KubeItem | KubeEvent>([...KINDS, 'events'], namespace)
      const isEvent = (x: KubeItem | KubeEvent): x is KubeEvent => 'involvedObject' in x
      return { items: all.filter((x): x is KubeItem => !isEvent(x)), events: all.filter(isEvent) }
    } catch {
      let items: KubeItem[]
      try {
        items = await kubectl.list<KubeItem>(KINDS, namespace)
      } catch (error) {
        this.note('reading workloads and pods failed', error)
        return undefined
      }
      const events = await kubectl.list<KubeEvent>(['events'], namespace).catch((error: unknown) => {
        this.note('reading events failed', error)
        return []
      })
      return { items, events }
    }
  }

  private async observe(): Promise<void> {
    const read = await this.read()
    if (!read) return
    const { items } = read
    this.observations++
    // Owners are listed before what they own, so one pass finds Deployment → ReplicaSet → Pod.
    const order = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet', 'Pod']
    items.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))
    const ownerNames = new Map<string, string>()
    const livePods = new Set<string>()
    for (const item of items) {
      if (!this.isOurs(item)) continue
      this.uids.add(item.metadata.uid)
      this.names.add(`${item.kind}/${item.metadata.name}`)
      if (WORKLOAD_KINDS.has(item.kind)) {
        this.workloads.set(`${item.kind}/${item.metadata.name}`, toWorkloadState(item))
        ownerNames.set(item.metadata.uid, `${item.kind}/${item.metadata.name}`)
      } else if (item.kind === 'ReplicaSet') {
        const owner = controllerOf(item)
        ownerNames.set(
          item.metadata.uid,
          (owner && ownerNames.get(owner.uid)) ?? `ReplicaSet/${item.metadata.name}`
        )
      } else if (item.kind === 'Pod') {
        const owner = controllerOf(item)
        livePods.add(item.metadata.name)
        this.pods.set(item.metadata.name, toPodDiagnosis(item, owner ? ownerNames.get(owner.uid) : undefined))
      }
    }
    for (const [name, pod] of this.pods) if (!livePods.has(name)) pod.deleted = true

    this.keepEvents(read.events)
    await this.collectLogs(false)
    await this.judge()
  }

  private keepEvents(events: readonly KubeEvent[]): void {
    for (const event of events) {
      const involved = event.involvedObject
      const ours =
        (involved.uid !== undefined && this.uids.has(involved.uid)) ||
        this.names.has(`${involved.kind ?? ''}/${involved.name ?? ''}`)
      if (!ours) continue
      const record = toEventRecord(event)
      // Events of earlier deploys of the same objects are not evidence about this one.
      if (record.lastSeen && Date.parse(record.lastSeen) < this.startedAt - EVENT_GRACE_MS) continue
      // One record per object, reason and message: the API server's count already aggregates repeats.
      this.events.set(`${record.object}|${record.reason}|${record.message}`, record)
    }
  }

  /** Previous-instance logs as soon as a container restarts; current logs of unready containers at the end. */
  private async collectLogs(final: boolean): Promise<void> {
    const reads: Promise<void>[] = []
    for (const pod of this.pods.values()) {
      if (pod.deleted) continue
      for (const c of pod.containers) {
        const key = `${pod.name}/${c.name}`
        if (c.restartCount > 0 && this.previousLogRestarts.get(key) !== c.restartCount) {
          this.previousLogRestarts.set(key, c.restartCount)
          reads.push(this.readLog(pod.name, c.name, true))
        }
        const crashed = c.restartCount > 0 || (c.state === 'terminated' && c.exitCode !== 0)
        if (
          (final || this.verdict) &&
          !c.ready &&
          (c.state === 'running' || c.state === 'terminated' || crashed)
        ) {
          reads.push(this.readLog(pod.name, c.name, false))
        }
      }
    }
    await Promise.all(reads)
  }

  private async readLog(pod: string, container: string, previous: boolean): Promise<void> {
    let text: string
    try {
      text = await this.options.kubectl.logs(this.options.namespace, pod, container, {
        previous,
        tailLines: this.options.logLines
      })
    } catch (error) {
      // A container that has not started has no log; that is not a failed read worth reporting.
      if (/waiting to start|ContainerCreating|PodInitializing|not found/.test(String(error))) return
      this.note(`reading the log of ${pod}/${container} failed`, error)
      return
    }
    const { lines, truncated } = capLines(text, this.options.logLines)
    const key = `${pod}/${container}/${previous ? 'previous' : 'current'}`
    if (lines.length === 0) return
    this.logs.set(key, { pod, container, previous, lines, truncated })
    let total = 0
    for (const tail of this.logs.values()) total += tail.lines.reduce((n, l) => n + l.length + 1, 0)
    if (total > MAX_LOG_BYTES) {
      this.logs.delete(key)
      this.partial.add('log tails were capped')
    }
  }

  private async judge(): Promise<void> {
    if (!this.options.failFast || this.verdict) return
    const verdict = evaluateFailFast(
      { at: this.now(), pods: [...this.pods.values()], workloads: [...this.workloads.values()] },
      this.memory,
      this.options.verdictOptions ?? DEFAULT_VERDICT_OPTIONS
    )
    if (!verdict || !(this.options.isHelmWaiting?.() ?? true)) return
    this.verdict = verdict
    // The evidence first: once helm is signalled, its cleanup deletes these pods.
    await this.collectLogs(false)
    this.options.onVerdict?.(verdict)
  }
}
