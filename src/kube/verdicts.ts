/**
 * Fail-fast: the failures that waiting will not heal, judged on the new revision's pods only. Each rule waits as
 * long as the real component can still heal the symptom (see README, "What fail-fast waits for"). Pure.
 */
import type {
  ContainerDiagnosis,
  EventRecord,
  PodDiagnosis,
  Verdict,
  VerdictRule,
  WorkloadState
} from './diagnostics.js'

export interface VerdictOptions {
  /** CrashLoopBackOff counts once a container restarted this often. */
  restarts: number
  /** How long CreateContainerConfigError must last before the missing object is looked up. */
  configErrorMs: number
  /** When the missing object exists by then: how much longer the kubelet gets to retry (its resync is 10-15 s). */
  configRetryGraceMs: number
  /** How long an insufficient-resources FailedScheduling must last without an autoscaler scaling up. */
  unschedulableMs: number
  /** How long `exceeded quota` (with no pod of the release terminating) or an unbindable claim must last. */
  quotaMs: number
  claimMs: number
}

export const DEFAULT_VERDICT_OPTIONS: VerdictOptions = {
  restarts: 2,
  configErrorMs: 10_000,
  configRetryGraceMs: 20_000,
  unschedulableMs: 30_000,
  quotaMs: 30_000,
  claimMs: 30_000
}

/** A ConfigMap or Secret (and key) a container waits for, named by the kubelet's message. */
export interface ConfigReference {
  kind: 'configmap' | 'secret'
  name: string
  key?: string
}

export type LookupResult = 'present' | 'missing' | 'unknown'

export interface VerdictInput {
  at: number
  /** New-revision pods that are not terminating: the only ones judged. */
  pods: readonly PodDiagnosis[]
  workloads: readonly WorkloadState[]
  /** Events about the release's objects. */
  events: readonly EventRecord[]
  /** What lookups found, by referenceKey. */
  lookups: ReadonlyMap<string, LookupResult>
  /** The new revision's pod owners (`ReplicaSet/web-7d9f`, `StatefulSet/db`, `Job/migrate`): quota refusals count on these. */
  newOwners?: ReadonlySet<string>
  /** Claims the release's pods mount or the release made, and their phase: binding failures count while Pending. */
  claims?: ReadonlyMap<string, string>
  /** Some pod of the release is being deleted: a rolling update frees quota as old pods go. */
  anyTerminating?: boolean
}

export interface Evaluation {
  verdict?: Verdict
  /** Objects to look up before a config-error verdict can be reached. */
  lookups: ConfigReference[]
}

/** What earlier observations established: when each symptom was first seen, and what was seen of it. */
export interface VerdictMemory {
  symptoms: Map<string, { since: number; streak: number }>
  /** Containers seen in ImagePullBackOff, and how many failed pulls were seen after that. */
  pullRetries: Map<string, { backOffSeen: boolean; failuresAfterBackOff: number }>
  /** Repeating events: their last count, and when it last changed. */
  eventCounts: Map<string, { count: number; changedAt: number }>
}

export function newVerdictMemory(): VerdictMemory {
  return { symptoms: new Map(), pullRetries: new Map(), eventCounts: new Map() }
}

/** A repeating event's count moved within this long: the controller is still retrying (its back-off tops at 60 s). */
const RETRYING_MS = 90_000
const INSUFFICIENT = /Insufficient (cpu|memory|ephemeral-storage|pods|[\w./-]+)/
/** Pull errors no retry can heal: the image or tag does not exist. */
const PERMANENT_PULL = /manifest unknown|:\s*not found\b/i
/** The kubelet's own throttle (registryPullQPS): always transient. */
const PULL_THROTTLED = /pull QPS exceeded/i
const SCALE_UP = new Set(['TriggeredScaleUp', 'Nominated'])
const NO_SCALE_UP = 'NotTriggerScaleUp'

export function referenceKey(ref: ConfigReference): string {
  return `${ref.kind}/${ref.name}${ref.key === undefined ? '' : `#${ref.key}`}`
}

/** The object a CreateContainerConfigError names, from the kubelet's wording. */
export function configReference(message: string): ConfigReference | undefined {
  const missing = /^(configmap|secret) "([^"]+)" not found/.exec(message)
  if (missing) return { kind: missing[1] as 'configmap' | 'secret', name: missing[2] ?? '' }
  const key = /^couldn't find key (\S+) in (ConfigMap|Secret) [^/\s]+\/(\S+)/.exec(message)
  if (key) {
    return { kind: key[2] === 'Secret' ? 'secret' : 'configmap', name: key[3] ?? '', key: key[1] ?? '' }
  }
  return undefined
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

function podEvents(events: readonly EventRecord[], pod: string): EventRecord[] {
  return events.filter(e => e.object === `Pod/${pod}`)
}

function newest(events: readonly EventRecord[]): EventRecord | undefined {
  return [...events].sort((a, b) => (b.lastSeen ?? '').localeCompare(a.lastSeen ?? ''))[0]
}

/** One observation's judging: the memory it updates, the verdicts and lookups it collects. */
class Judging {
  readonly verdicts: Verdict[] = []
  readonly lookups: ConfigReference[] = []
  private readonly seen = new Set<string>()

  constructor(
    readonly input: VerdictInput,
    readonly memory: VerdictMemory,
    readonly options: VerdictOptions
  ) {}

  /** A symptom seen in this observation: since when, and in how many observations in a row. */
  track(key: string): { since: number; streak: number } {
    this.seen.add(key)
    const prior = this.memory.symptoms.get(key)
    const next = prior
      ? { since: prior.since, streak: prior.streak + 1 }
      : { since: this.input.at, streak: 1 }
    this.memory.symptoms.set(key, next)
    return next
  }

  verdict(rule: VerdictRule, message: string, pod?: string): void {
    const about = pod ? { pod, revision: 'new' as const } : {}
    this.verdicts.push({ rule, message, at: this.input.at, phase: 'wait', ...about })
  }

  /** Whether an event's count moved recently (it is still being recorded), remembering when it last moved. */
  retrying(key: string, count: number): boolean {
    const known = this.memory.eventCounts.get(key)
    const at = this.input.at
    if (!known || known.count !== count) this.memory.eventCounts.set(key, { count, changedAt: at })
    return at - (this.memory.eventCounts.get(key)?.changedAt ?? at) < RETRYING_MS
  }

  /** Forgets symptoms that were not seen this time: a symptom that clears restarts its clock. */
  forgetTheRest(): void {
    for (const key of [...this.memory.symptoms.keys()])
      if (!this.seen.has(key)) this.memory.symptoms.delete(key)
    for (const key of [...this.memory.pullRetries.keys()]) {
      if (!this.seen.has(`pull:${key}`)) this.memory.pullRetries.delete(key)
    }
  }
}

/**
 * Updates the memory with one observation and returns the first verdict that holds (workloads first: their
 * conditions are final; then pods in the given order), and the lookups still needed.
 */
export function evaluateFailFast(
  input: VerdictInput,
  memory: VerdictMemory,
  options: VerdictOptions = DEFAULT_VERDICT_OPTIONS
): Evaluation {
  const judging = new Judging(input, memory, options)
  for (const workload of input.workloads) judgeWorkload(judging, workload)
  judgeQuota(judging)
  judgeClaims(judging)
  for (const pod of input.pods) {
    if (pod.terminating || pod.deleted || pod.revision !== 'new') continue
    const events = podEvents(input.events, pod.name)
    judgeScheduling(judging, pod, events)
    for (const c of pod.containers) judgeContainer(judging, pod, c, events)
  }
  judging.forgetTheRest()
  return { verdict: judging.verdicts[0], lookups: judging.lookups }
}

function judgeWorkload(judging: Judging, workload: WorkloadState): void {
  const failure = workload.failure
  if (!failure) return
  if (workload.kind === 'Job' && failure.reason !== 'ProgressDeadlineExceeded') {
    const what = workload.hook ? `${workload.hook} hook Job ${workload.name}` : `Job ${workload.name}`
    judging.verdict('job-failed', `${what} failed (${failure.reason}: ${failure.message})`)
  } else if (failure.reason === 'ProgressDeadlineExceeded') {
    const message = `${workload.kind} ${workload.name} exceeded its progress deadline (${failure.message})`
    judging.verdict('progress-deadline', message)
  }
}

const QUOTA = /exceeded quota: ([^,]+)/
const UNBINDABLE = /storageclass\S* "[^"]*" not found|no storage class is set/

/** `FailedCreate … exceeded quota` on a new-revision owner for 30 s, while no pod of the release is on its way out. */
function judgeQuota(judging: Judging): void {
  const { input, options } = judging
  const missingPods = input.workloads.some(w => w.kind !== 'Job' && w.ready < w.desired)
  for (const e of input.events) {
    if (e.reason !== 'FailedCreate' || !QUOTA.test(e.message) || !input.newOwners?.has(e.object)) continue
    if (!missingPods || !judging.retrying(`quota:${e.object}`, e.count)) continue
    const symptom = judging.track(`quota:${e.object}`)
    if (!input.anyTerminating && input.at - symptom.since >= options.quotaMs) {
      judging.verdict(
        'quota-exceeded',
        `${e.object.replace('/', ' ')} cannot create pods: ${e.message.replace(/^Error creating: /, '')}`
      )
    }
  }
}

/** A claim of the release whose storage class does not exist (or that has none to bind with) for 30 s. */
function judgeClaims(judging: Judging): void {
  const { input, options } = judging
  for (const e of input.events) {
    const claim = e.object.startsWith('PersistentVolumeClaim/')
      ? e.object.slice('PersistentVolumeClaim/'.length)
      : ''
    if (!claim || input.claims?.get(claim) !== 'Pending') continue
    if (!((e.reason === 'ProvisioningFailed' || e.reason === 'FailedBinding') && UNBINDABLE.test(e.message)))
      continue
    const symptom = judging.track(`claim:${claim}`)
    if (input.at - symptom.since >= options.claimMs) {
      judging.verdict('claim-unbound', `PersistentVolumeClaim ${claim} cannot bind: ${e.message}`)
    }
  }
}

/** Insufficient resources: final after the grace, unless an autoscaler is adding a node; its refusal is final. */
function judgeScheduling(judging: Judging, pod: PodDiagnosis, events: readonly EventRecord[]): void {
  if (!pod.unschedulable || !INSUFFICIENT.test(pod.unschedulable)) return
  const symptom = judging.track(`unschedulable:${pod.name}`)
  const autoscaler = newest(events.filter(e => SCALE_UP.has(e.reason) || e.reason === NO_SCALE_UP))
  const message = `pod ${pod.name} cannot be scheduled: ${pod.unschedulable}`
  if (autoscaler?.reason === NO_SCALE_UP) {
    judging.verdict(
      'unschedulable',
      `${message}; ${autoscaler.source ?? 'the autoscaler'}: ${autoscaler.message}`,
      pod.name
    )
  } else if (!autoscaler && judging.input.at - symptom.since >= judging.options.unschedulableMs) {
    judging.verdict('unschedulable', message, pod.name)
  }
}

function judgeContainer(
  judging: Judging,
  pod: PodDiagnosis,
  c: ContainerDiagnosis,
  events: readonly EventRecord[]
): void {
  const where = `container ${c.name} in pod ${pod.name}`
  if (c.reason === 'InvalidImageName') {
    judging.verdict(
      'invalid-image',
      `${where} has an invalid image name ${JSON.stringify(c.image)}`,
      pod.name
    )
  } else if (c.reason === 'ErrImagePull' || c.reason === 'ImagePullBackOff') {
    const key = `${pod.name}/${c.name}`
    judging.track(`pull:${key}`)
    const message = imagePullVerdict(key, c.reason, c.image, c.message ?? '', events, judging.memory)
    if (message) judging.verdict('image-pull', `${where} cannot pull image ${c.image} (${message})`, pod.name)
  } else if (
    c.reason === 'CrashLoopBackOff' &&
    !pod.owner?.startsWith('Job/') &&
    c.restartCount >= judging.options.restarts
  ) {
    // A Job's pods are judged by the Job's own backoffLimit, not as a crash loop.
    const last = c.lastTermination
    const why = last
      ? `exit code ${last.exitCode}${last.reason && last.reason !== 'Error' ? ` ${last.reason}` : ''}, `
      : ''
    judging.verdict(
      'crash-loop',
      `${where} crash-looping (${why}${plural(c.restartCount, 'restart')})`,
      pod.name
    )
  } else if (c.reason === 'CreateContainerConfigError') {
    judgeConfigError(judging, pod, c, where)
  }
}

/** Looked up once after the grace: missing → verdict; there now → the kubelet gets its retry first. */
function judgeConfigError(judging: Judging, pod: PodDiagnosis, c: ContainerDiagnosis, where: string): void {
  const waited = judging.input.at - judging.track(`config:${pod.name}/${c.name}`).since
  const { configErrorMs, configRetryGraceMs } = judging.options
  if (waited < configErrorMs) return
  const message = c.message ?? c.reason ?? 'CreateContainerConfigError'
  const ref = configReference(message)
  const found = ref ? judging.input.lookups.get(referenceKey(ref)) : 'unknown'
  if (ref && found === undefined) judging.lookups.push(ref)
  else if (found !== 'present') judging.verdict('config-error', `${where} cannot start: ${message}`, pod.name)
  else if (waited >= configErrorMs + configRetryGraceMs) {
    const late = `the ${ref?.kind} exists now, but the kubelet has not started the container within ${Math.round(waited / 1000)} s`
    judging.verdict('config-error', `${where} cannot start: ${message} (${late})`, pod.name)
  }
}

/**
 * An image pull fails for good when the image does not exist, or when a retry after the kubelet's back-off
 * failed too (a registry's 5xx or timeout usually heals on the retry). The kubelet's own throttle never counts.
 */
function imagePullVerdict(
  key: string,
  reason: string,
  image: string,
  message: string,
  events: readonly EventRecord[],
  memory: VerdictMemory
): string | undefined {
  const failures = events.filter(
    e =>
      e.type === 'Warning' &&
      e.message.startsWith(`Failed to pull image "${image}"`) &&
      !PULL_THROTTLED.test(e.message)
  )
  const cause = (failures[0]?.message.replace(/^Failed to pull image "[^"]*": /, '') ?? message).trim()
  if (PULL_THROTTLED.test(message) && failures.length === 0) return undefined
  if (PERMANENT_PULL.test(cause) || PERMANENT_PULL.test(message)) {
    return `${reason}: ${(cause || message).split(': ').slice(-2).join(': ')}`
  }
  const retries = memory.pullRetries.get(key) ?? { backOffSeen: false, failuresAfterBackOff: 0 }
  if (reason === 'ImagePullBackOff') retries.backOffSeen = true
  else if (retries.backOffSeen && !PULL_THROTTLED.test(message)) {
    retries.failuresAfterBackOff++
    retries.backOffSeen = false
  }
  memory.pullRetries.set(key, retries)
  const counted = failures.reduce((n, e) => n + e.count, 0)
  const failed = Math.max(counted, retries.failuresAfterBackOff + 1)
  // The end of the runtime's error says what went wrong (`… lookup x: no such host`, `…: 503 Service Unavailable`).
  const short = cause.split(': ').slice(-2).join(': ')
  return failed >= 2 ? `${reason}, ${failed} failed pulls${short ? `: ${short}` : ''}` : undefined
}
