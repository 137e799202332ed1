/**
 * Watches a release's objects beside helm by polling kubectl: the latest state of every pod and container and
 * every event about them, kept so the evidence survives helm's rollback. While helm waits it judges fail-fast
 * rules on the new revision; after helm's wait it verifies min-ready. Never throws: a failed read makes the
 * diagnostics partial.
 */
import type { Log } from '../log.js'
import type {
  Diagnostics,
  EventRecord,
  LogTail,
  PodDiagnosis,
  ReleaseResource,
  Verdict,
  Verification,
  WorkloadState
} from './diagnostics.js'
import { isCustomResource, kubectlResource, readyOf } from './resources.js'
import {
  belongsToRelease,
  controllerOf,
  HOOK_ANNOTATION,
  claimsOf,
  podRevision,
  replicaSetRevision,
  sortEvents,
  templateDigest,
  toEventRecord,
  toPodDiagnosis,
  toWorkloadState,
  type KubeEvent,
  type KubeItem
} from './objects.js'
import {
  evaluateStability,
  newReadinessTracker,
  newStabilityMemory,
  trackReadiness,
  type StabilityState
} from './stability.js'
import {
  DEFAULT_VERDICT_OPTIONS,
  evaluateFailFast,
  newVerdictMemory,
  referenceKey,
  type ConfigReference,
  type LookupResult,
  type VerdictOptions
} from './verdicts.js'

/** What the watcher reads from the cluster (KubectlClient; a fake in unit tests). */
export interface KubeReader {
  list<T>(kinds: readonly string[], namespace: string): Promise<T[]>
  logs(
    namespace: string,
    pod: string,
    container: string,
    options: { previous: boolean; tailLines: number }
  ): Promise<string>
  /** The keys of a ConfigMap or Secret (never a value); undefined when it does not exist. */
  configKeys(kind: 'configmap' | 'secret', namespace: string, name: string): Promise<string[] | undefined>
  /** The named objects of one kind that exist (any group); readers that cannot may leave it out. */
  getObjects?<T>(resource: string, names: readonly string[], namespace: string): Promise<T[]>
}

export interface WatchOptions {
  kubectl: KubeReader
  release: string
  namespace: string
  /** Lines kept per log tail. */
  logLines: number
  /** Between observations; at most 2 s. */
  intervalMs?: number
  failFast: boolean
  verdictOptions?: VerdictOptions
  /** Called once, with the first fail-fast verdict reached while helm is waiting. */
  onVerdict?: (verdict: Verdict) => void
  /** True while helm has created every object and waits for readiness; only then may a verdict act. */
  isHelmWaiting?: () => boolean
  now?: () => number
  log?: Log
  /**
   * `release` (default): the release's objects and its hook Jobs. `tests`: only the pods (and Jobs) helm test
   * creates — test hooks that were not there at `baseline()`.
   */
  follow?: 'release' | 'tests'
}

const KINDS = [
  'deployments',
  'statefulsets',
  'daemonsets',
  'jobs',
  'replicasets',
  'pods',
  'persistentvolumeclaims'
]
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job'])
/** Owners are listed before what they own, so one pass finds Deployment → ReplicaSet → Pod. */
const ORDER = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet', 'Pod', 'PersistentVolumeClaim']
/** A hook Job created this long before the watch began still counts as ours (clock skew, slow start). */
const HOOK_GRACE_MS = 5_000
/** Event timestamps have second precision and the cluster's clock may differ a little from ours. */
const EVENT_GRACE_MS = 2_000
const MAX_LINE = 2_000
/** Per log tail, and for all tails together: the newest lines that fit are kept. */
const MAX_TAIL_BYTES = 256 * 1024
const MAX_LOG_BYTES = 1024 * 1024
const FINAL_COLLECTION_MS = 10_000
/** Custom kinds read for their Ready condition, one kubectl call each. */
const MAX_CUSTOM_READS = 10
const SLOW_DOWN_AFTER_MS = 30_000
/** A verification that sees no failure gives up waiting for pods that never became Ready after this much more. */
const VERIFY_EXTRA_MS = 30_000

/** The newest lines of a log that fit the byte budget, each line capped; how many older lines were dropped. */
export function logTail(
  text: string,
  maxLines: number,
  maxBytes: number
): Omit<LogTail, 'pod' | 'container' | 'previous'> {
  const all = text === '' ? [] : text.replace(/\n$/, '').split('\n')
  const lines: string[] = []
  let bytes = 0
  let cut = false
  for (let i = all.length - 1; i >= 0 && lines.length < maxLines; i--) {
    let line = all[i] ?? ''
    if (line.length > MAX_LINE) {
      line = `${line.slice(0, MAX_LINE)}…`
      cut = true
    }
    const size = Buffer.byteLength(line, 'utf8') + 1
    if (bytes + size > maxBytes) break
    bytes += size
    lines.push(line)
  }
  lines.reverse()
  const droppedLines = all.length - lines.length
  return { lines, truncated: droppedLines > 0 || cut, ...(droppedLines > 0 ? { droppedLines } : {}) }
}

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
  private readonly readiness = newReadinessTracker()
  private readonly lookups = new Map<string, LookupResult>()
  /**
   * The latest seen metadata of every pod and owner, kept after they are gone: a pod first seen before helm's
   * change reached its Deployment was the current revision then, and must be marked old once it is not.
   */
  private readonly revisionFacts = new Map<string, KubeItem>()
  private readonly podUids = new Map<string, string>()
  /** The new revision's pod owners, the release's claims and their phase, as of the latest observation. */
  private newOwners = new Set<string>()
  private claims = new Map<string, string>()
  private readonly claimNames = new Set<string>()
  /** Test hook objects that existed before helm test ran (an earlier run's, which helm deletes first). */
  private preexisting: Set<string> | undefined
  /** Containers of finished test pods whose log was read: a finished container's log does not change. */
  private readonly finishedLogs = new Set<string>()
  private resources: ReleaseResource[] = []
  /** Pods of the revision helm waited for (seen as new while it waited), by uid. */
  private readonly attempted = new Set<string>()
  private verdict: Verdict | undefined
  private verification: Verification | undefined
  private observations = 0
  /** Set by verify(): its last observation was made after helm exited, so stop() need not repeat it. */
  private observedAfterHelm = false
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

  /** For `follow: 'tests'`, before helm test starts: the test hooks already there are not this run's. */
  async baseline(): Promise<void> {
    try {
      const items = await this.options.kubectl.list<KubeItem>(['pods', 'jobs'], this.options.namespace)
      this.preexisting = new Set(items.filter(isTestHook).map(item => item.metadata.uid))
    } catch (error) {
      // Without it, creation times decide (as for hook Jobs).
      this.note('reading the test pods before helm test failed', error)
    }
  }

  private async run(): Promise<void> {
    const fast = Math.min(this.options.intervalMs ?? 1_000, 2_000)
    while (!this.stopped) {
      const began = this.now()
      // Most failures show within seconds; a long wait is watched at half the rate, to keep kubectl's cost down.
      const interval = began - this.startedAt < SLOW_DOWN_AFTER_MS ? fast : Math.max(fast, 2_000)
      await this.observe('wait')
      if (this.stopped) break
      await this.sleep(Math.max(100, interval - (this.now() - began)))
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>(resolve => {
      const timer = setTimeout(resolve, ms)
      this.wake = () => {
        clearTimeout(timer)
        resolve()
      }
    })
  }

  private async halt(): Promise<void> {
    this.stopped = true
    this.wake?.()
    await this.loop
  }

  /**
   * After helm's wait succeeded: watches the new revision until every pod has been Ready for `minReadyMs` since it
   * last started (returns at once when that is already so), or a crash, restart or lost readiness is seen.
   */
  async verify(minReadyMs: number): Promise<Verification> {
    await this.halt()
    const began = this.now()
    const memory = newStabilityMemory(began)
    const deadline = began + minReadyMs + VERIFY_EXTRA_MS
    let state: StabilityState = { state: 'pending', settled: 0, pods: 0, waitMs: 0 }
    for (;;) {
      if (!(await this.observe('verify'))) {
        if (this.now() >= deadline) break
        await this.sleep(1_000)
        continue
      }
      const at = this.now()
      state = evaluateStability(
        { at, pods: this.judgedPods({ jobs: false }), workloads: this.ownJobs() },
        memory,
        this.readiness,
        minReadyMs
      )
      if (state.state !== 'pending' || at >= deadline) break
      await this.sleep(Math.min(1_000, Math.max(100, state.waitMs)))
    }
    const waitedMs = this.now() - began
    if (state.state === 'unstable') {
      this.verdict = state.verdict
      await this.collectLogs(true)
    }
    this.verification = verificationOf(state, minReadyMs, waitedMs)
    return this.verification
  }

  /**
   * Stops watching and makes the final collection (bounded), returning what was captured; `resources`, the
   * attempted revision's other objects, are listed, custom resources with their Ready condition.
   */
  async stop(resources: readonly ReleaseResource[] = []): Promise<Diagnostics> {
    await this.halt()
    const final = (async () => {
      if (!this.observedAfterHelm) await this.observe('final')
      await this.collectLogs(true)
      this.resources = await this.withReadiness(resources)
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
      // Shown as the revision helm waited for, even once helm's rollback made another template current.
      pods: [...this.pods.values()]
        .map(p =>
          p.revision === 'old' && this.attempted.has(this.podUids.get(p.name) ?? '')
            ? { ...p, revision: 'new' as const }
            : p
        )
        .sort((a, b) => a.name.localeCompare(b.name)),
      events: sortEvents([...this.events.values()]),
      logs: [...this.logs.values()].sort((a, b) =>
        `${a.pod}/${a.container}/${Number(!a.previous)}`.localeCompare(
          `${b.pod}/${b.container}/${Number(!b.previous)}`
        )
      ),
      observations: this.observations
    }
    if (this.resources.length > 0) diagnostics.resources = this.resources
    if (this.verdict) diagnostics.verdict = this.verdict
    if (this.verification) diagnostics.verification = this.verification
    if (this.partial.size > 0) diagnostics.partial = `partial: ${[...this.partial].join('; ')}`
    return diagnostics
  }

  /** One read per custom kind and namespace (at most MAX_CUSTOM_READS), for their Ready conditions. */
  private async withReadiness(resources: readonly ReleaseResource[]): Promise<ReleaseResource[]> {
    const reader = this.options.kubectl
    const custom = new Map<string, ReleaseResource[]>()
    for (const r of resources) {
      if (!isCustomResource(r.apiVersion)) continue
      const key = `${kubectlResource(r.apiVersion, r.kind)} ${r.namespace}`
      custom.set(key, [...(custom.get(key) ?? []), r])
    }
    const ready = new Map<string, string>()
    for (const group of [...custom.values()].slice(0, MAX_CUSTOM_READS)) {
      const first = group[0]
      if (!first || !reader.getObjects) break
      try {
        const resource = kubectlResource(first.apiVersion, first.kind)
        const items = await reader.getObjects<KubeItem>(
          resource,
          group.map(r => r.name),
          first.namespace
        )
        for (const item of items) {
          const condition = readyOf(item)
          if (condition) ready.set(`${first.kind}/${first.namespace}/${item.metadata.name}`, condition)
        }
      } catch (error) {
        this.note(`reading ${first.kind} objects failed`, error)
      }
    }
    return resources.map(r => {
      const condition = ready.get(`${r.kind}/${r.namespace}/${r.name}`)
      return condition ? { ...r, ready: condition } : r
    })
  }

  private note(why: string, error: unknown): void {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
    this.partial.add(`${why}: ${message}`)
    this.options.log?.debug(`watcher: ${why}: ${message}`)
  }

  private isOurs(item: KubeItem): boolean {
    if (this.options.follow === 'tests') return this.isOurTest(item)
    if (belongsToRelease(item, this.options.release, this.options.namespace)) return true
    if (item.kind === 'PersistentVolumeClaim') return this.claimNames.has(item.metadata.name)
    if (item.kind === 'Job' && item.metadata.annotations?.[HOOK_ANNOTATION]) {
      const created = Date.parse(item.metadata.creationTimestamp ?? '')
      return Number.isNaN(created) || created >= this.startedAt - HOOK_GRACE_MS
    }
    const owner = controllerOf(item)
    return owner !== undefined && this.uids.has(owner.uid)
  }

  /** A test hook helm test created (not one from before it started), or a pod of such a test Job. */
  private isOurTest(item: KubeItem): boolean {
    if (isTestHook(item)) {
      if (this.preexisting) return !this.preexisting.has(item.metadata.uid)
      const created = Date.parse(item.metadata.creationTimestamp ?? '')
      return Number.isNaN(created) || created >= this.startedAt - HOOK_GRACE_MS
    }
    const owner = controllerOf(item)
    return item.kind === 'Pod' && owner !== undefined && this.uids.has(owner.uid)
  }

  /** Workloads, pods and events in one kubectl call; separately when that fails, so one bad read costs only itself. */
  private async read(): Promise<{ items: KubeItem[]; events: KubeEvent[] } | undefined> {
    const { kubectl, namespace } = this.options
    try {
      const all = await kubectl.list<KubeItem | KubeEvent>([...KINDS, 'events'], namespace)
      const isEvent = (x: KubeItem | KubeEvent): x is KubeEvent => 'involvedObject' in x
      return { items: all.filter((x): x is KubeItem => !isEvent(x)), events: all.filter(isEvent) }
    } catch {
      // Kind by kind: one the token may not list (or a read that times out) costs only itself.
      const lists = await Promise.all(
        [...KINDS, 'events'].map(kind =>
          kubectl.list<KubeItem & KubeEvent>([kind], namespace).catch((error: unknown) => {
            this.note(`reading ${kind} failed`, error)
            return undefined
          })
        )
      )
      if (lists.slice(0, KINDS.indexOf('pods') + 1).some(list => list === undefined)) return undefined
      const events = lists.pop() ?? []
      return { items: lists.flatMap(list => list ?? []), events }
    }
  }

  /** One observation; false when the cluster could not be read. */
  private async observe(phase: 'wait' | 'verify' | 'final'): Promise<boolean> {
    // kubectl lists kind after kind: a read that began before helm applied its change can mix the old Deployment
    // with the new ReplicaSets, so only a read that began while helm already waited may lead to a verdict.
    const waitingBefore = this.options.isHelmWaiting?.() ?? true
    const read = await this.read()
    if (!read) return false
    const at = this.now()
    this.observedAfterHelm = phase === 'verify'
    this.observations++
    const items = [...read.items].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind))
    const pass: Pass = {
      ownerNames: new Map(),
      livePods: new Set(),
      newOwners: new Set(),
      claims: new Map(),
      final: phase === 'final'
    }
    for (const item of items) if (this.isOurs(item)) this.take(item, pass)
    const livePods = pass.livePods
    const observedAt = new Date(at).toISOString()
    for (const name of livePods) {
      const pod = this.pods.get(name)
      if (pod) pod.observedAt = observedAt
    }
    this.newOwners = pass.newOwners
    this.claims = pass.claims
    for (const [name, pod] of this.pods) {
      if (livePods.has(name)) continue
      pod.deleted = true
      const facts = this.revisionFacts.get(this.podUids.get(name) ?? '')
      if (facts && phase !== 'final') pod.revision = podRevision(facts, this.revisionFacts)
    }
    if (phase === 'wait' && waitingBefore) {
      for (const pod of this.pods.values()) {
        if (pod.revision === 'new' && livePods.has(pod.name))
          this.attempted.add(this.podUids.get(pod.name) ?? '')
      }
    }
    trackReadiness(this.readiness, at, this.judgedPods({ jobs: false }))
    this.keepEvents(read.events)
    await this.collectLogs(false)
    if (phase === 'wait' && waitingBefore) await this.judge(at)
    return true
  }

  /** One object of the release, in owner-before-owned order. */
  private take(item: KubeItem, pass: Pass): void {
    this.revisionFacts.set(item.metadata.uid, revisionFactsOf(item))
    this.uids.add(item.metadata.uid)
    const key = `${item.kind}/${item.metadata.name}`
    this.names.add(key)
    const owner = controllerOf(item)
    if (WORKLOAD_KINDS.has(item.kind)) {
      this.workloads.set(key, toWorkloadState(item))
      pass.ownerNames.set(item.metadata.uid, key)
      pass.newOwners.add(key)
    } else if (item.kind === 'ReplicaSet') {
      pass.ownerNames.set(item.metadata.uid, (owner && pass.ownerNames.get(owner.uid)) ?? key)
      if (replicaSetRevision(item, this.revisionFacts) === 'new') pass.newOwners.add(key)
    } else if (item.kind === 'Pod') {
      pass.livePods.add(item.metadata.name)
      this.podUids.set(item.metadata.name, item.metadata.uid)
      for (const claim of claimsOf(item)) this.claimNames.add(claim)
      const owned = owner ? pass.ownerNames.get(owner.uid) : undefined
      // After helm's wait (the final look, past helm's own rollback) a pod keeps the revision it had: the rolled-back
      // template is not "new", and the attempted revision's pods are not "old".
      const known = pass.final ? this.pods.get(item.metadata.name)?.revision : undefined
      const revision = known ?? podRevision(item, this.revisionFacts)
      this.pods.set(item.metadata.name, toPodDiagnosis(item, owned, revision))
    } else if (item.kind === 'PersistentVolumeClaim') {
      pass.claims.set(item.metadata.name, item.status?.phase ?? 'Pending')
    }
  }

  /** The pods a verdict may be about: the new revision's, not being deleted. */
  private judgedPods(options: { jobs: boolean }): PodDiagnosis[] {
    return [...this.pods.values()].filter(
      p =>
        p.revision === 'new' && !p.terminating && !p.deleted && (options.jobs || !p.owner?.startsWith('Job/'))
    )
  }

  private ownJobs(): WorkloadState[] {
    return [...this.workloads.values()].filter(w => w.kind === 'Job')
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

  /** Previous-instance logs as soon as a new pod's container restarts; current logs of unready ones at the end. */
  private async collectLogs(final: boolean): Promise<void> {
    const reads: Promise<void>[] = []
    for (const pod of this.pods.values()) {
      if (pod.deleted || pod.revision !== 'new') continue
      for (const c of pod.containers) {
        const key = `${pod.name}/${c.name}`
        if (c.restartCount > 0 && this.previousLogRestarts.get(key) !== c.restartCount) {
          this.previousLogRestarts.set(key, c.restartCount)
          reads.push(this.readLog(pod.name, c.name, true))
        }
        if (this.options.follow === 'tests' && c.state === 'terminated') {
          // Read once, at once: helm may delete a finished test pod (hook-succeeded, hook-failed) before the end.
          if (!this.finishedLogs.has(key)) reads.push(this.readLog(pod.name, c.name, false))
          this.finishedLogs.add(key)
          continue
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
    const key = `${pod}/${container}/${previous ? 'previous' : 'current'}`
    let used = 0
    for (const [other, tail] of this.logs) {
      if (other !== key) used += tail.lines.reduce((n, l) => n + Buffer.byteLength(l, 'utf8') + 1, 0)
    }
    const budget = Math.min(MAX_TAIL_BYTES, MAX_LOG_BYTES - used)
    const tail = logTail(text, this.options.logLines, Math.max(0, budget))
    if (budget < MAX_TAIL_BYTES) this.partial.add('log tails were capped')
    if (tail.lines.length === 0) return
    this.logs.set(key, { pod, container, previous, ...tail })
  }

  private async judge(at: number): Promise<void> {
    if (!this.options.failFast || this.verdict) return
    const evaluation = evaluateFailFast(
      {
        at,
        pods: this.judgedPods({ jobs: true }),
        workloads: [...this.workloads.values()],
        events: [...this.events.values()],
        lookups: this.lookups,
        newOwners: this.newOwners,
        claims: this.claims,
        anyTerminating: [...this.pods.values()].some(p => p.terminating && !p.deleted)
      },
      this.memory,
      this.options.verdictOptions ?? DEFAULT_VERDICT_OPTIONS
    )
    if (evaluation.lookups.length > 0) await this.lookUp(evaluation.lookups)
    const verdict = evaluation.verdict
    if (!verdict || !(this.options.isHelmWaiting?.() ?? true)) return
    this.verdict = verdict
    // The evidence first: once helm is signalled, its cleanup deletes these pods.
    await this.collectLogs(false)
    this.options.onVerdict?.(verdict)
  }

  /** Once per object: does the ConfigMap or Secret (and key) a container waits for exist now? */
  private async lookUp(references: readonly ConfigReference[]): Promise<void> {
    await Promise.all(
      references.map(async ref => {
        const key = referenceKey(ref)
        if (this.lookups.has(key)) return
        try {
          const keys = await this.options.kubectl.configKeys(ref.kind, this.options.namespace, ref.name)
          const present = keys !== undefined && (ref.key === undefined || keys.includes(ref.key))
          this.lookups.set(key, present ? 'present' : 'missing')
        } catch (error) {
          this.note(`looking up ${ref.kind} ${ref.name} failed`, error)
          this.lookups.set(key, 'unknown')
        }
      })
    )
  }
}

/** A Pod or Job whose helm.sh/hook annotation names the test event (`test`, or Helm 2's `test-success`). */
function isTestHook(item: KubeItem): boolean {
  if (item.kind !== 'Pod' && item.kind !== 'Job') return false
  const events = (item.metadata.annotations?.[HOOK_ANNOTATION] ?? '').split(',').map(e => e.trim())
  return events.includes('test') || events.includes('test-success')
}

/** What podRevision reads of a pod or its owners; the rest (a pod's env can be megabytes) is not kept. */
function revisionFactsOf(item: KubeItem): KubeItem {
  const { name, uid, generation, annotations, labels, ownerReferences } = item.metadata
  return {
    kind: item.kind,
    metadata: { name, uid, generation, annotations, labels, ownerReferences },
    templateDigest: item.templateDigest ?? templateDigest(item.spec?.template),
    status: {
      observedGeneration: item.status?.observedGeneration,
      updateRevision: item.status?.updateRevision
    }
  }
}

/** What one observation collects while it walks the release's objects. */
interface Pass {
  ownerNames: Map<string, string>
  livePods: Set<string>
  newOwners: Set<string>
  claims: Map<string, string>
  /** The look after helm's wait: known pods keep their revision. */
  final: boolean
}

function verificationOf(state: StabilityState, minReadyMs: number, waitedMs: number): Verification {
  const window = `${Math.round(minReadyMs / 100) / 10} s`
  switch (state.state) {
    case 'stable':
      return {
        result: 'stable',
        pods: state.pods,
        minReadyMs,
        waitedMs,
        summary:
          state.pods === 0
            ? 'no pods to verify'
            : `${state.pods === 1 ? 'the pod' : `all ${state.pods} pods`} Ready for ${window}`
      }
    case 'unstable':
      return { result: 'unstable', pods: 0, minReadyMs, waitedMs, summary: state.verdict.message }
    case 'pending':
      return {
        result: 'incomplete',
        pods: state.pods,
        minReadyMs,
        waitedMs,
        summary: `${state.settled} of ${state.pods} pods Ready for ${window}; no crash or restart seen`
      }
  }
}
