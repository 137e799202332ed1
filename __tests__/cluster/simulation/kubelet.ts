/**
 * The kubelets of the cluster's nodes: pull images, start containers, run them as their SIM_* environment says,
 * restart them with the kubelet's back-off, stop them when their pod is deleted, report pod status, record
 * container events and keep logs.
 *
 * Timing follows the real kubelet's pod worker (pkg/kubelet/pod_workers.go): a pod is synced when it first
 * arrives, on a PLEG event (the sandbox or a container started or exited), and, after a sync that failed,
 * again 10 s later plus up to 50 % jitter. Start attempts (image pull, configuration, start) happen only in
 * a sync; a Secret or ConfigMap appearing does not trigger one. Volume mounts are retried by the volume
 * manager on their own exponential back-off (0.5 s doubling to 2 min 2 s).
 */
import { badRequest, notFound } from '../errors.js'
import { deepEqual, isObject, timestamp } from '../json.js'
import { resourceInfo } from '../resources.js'
import type { KubeObject, LogRequest } from '../types.js'
import { guarded, type Controller, type SimContext } from './context.js'
import type { EventSource } from './events.js'
import {
  fullReference,
  isUnreachableRegistry,
  parseImageReference,
  pullError,
  unavailableError,
  withDefaultTag
} from './images.js'
import {
  asPod,
  conditionOf,
  hashFraction,
  imageDigest,
  randomHex,
  type Condition,
  type Container,
  type ContainerState,
  type ContainerStatus,
  type Pod,
  type PodStatus,
  type Probe
} from './model.js'
import { qosClass } from './resources.js'

export const NODE_IP = '10.0.0.10'
/** Simulated seconds an image pull takes (successful or not). */
export const PULL_SECONDS = 1
/** kubelet backOffPeriod: the pod worker retries a failed sync after 10 s plus up to 50 % jitter. */
const SYNC_RETRY_SECONDS = 10
const SYNC_RETRY_JITTER = 0.5
/** The pod worker's cap on a requeue at a back-off's end (its resyncInterval, SyncFrequency 1 min). */
const RESYNC_SECONDS = 60
/** Generic PLEG relist period: a new sandbox or container state is noticed (and the pod synced) within it. */
const RELIST_SECONDS = 1
/** Volume manager (nestedpendingoperations) retry of a failed mount: 0.5 s doubling to 2 min 2 s. */
const MOUNT_RETRY_INITIAL_SECONDS = 0.5
const MOUNT_RETRY_MAX_SECONDS = 122
/** WaitForAttachAndMount gives up after podAttachAndMountTimeout, 2 min 3 s. */
const MOUNT_WAIT_SECONDS = 123
/** Container restart and image pull back-off (flowcontrol.Backoff): 10 s doubling to 300 s. */
const BACKOFF_INITIAL_SECONDS = 10
const BACKOFF_MAX_SECONDS = 300
/** How long a container takes to exit after SIGTERM unless SIM_STOP_SECONDS says otherwise. */
const DEFAULT_STOP_SECONDS = 1

/** The knobs a container's environment can set (see simulation/README.md). */
export interface Behaviour {
  exitCode?: number
  runSeconds: number
  readyAfterSeconds: number
  neverReady: boolean
  /** terminated.reason instead of Error/Completed (SIM_EXIT_REASON, e.g. OOMKilled). */
  exitReason?: string
  /** The liveness probe starts failing this long after the start (SIM_LIVENESS_FAIL_AFTER_SECONDS). */
  livenessFailAfterSeconds?: number
  /** The first this many pulls of the image fail with a registry 503 (SIM_PULL_FAILURES). */
  pullFailures: number
  /** Seconds from SIGTERM to exit (SIM_STOP_SECONDS); past the grace period the kubelet kills (137). */
  stopSeconds: number
  log: string[]
}

/** A container's SIM_* values, by name. */
export function simEnv(container: Container): Map<string, string> {
  const env = new Map<string, string>()
  for (const variable of container.env ?? []) {
    if (typeof variable.value === 'string') env.set(variable.name, variable.value)
  }
  return env
}

export function isTrueKnob(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value !== 'false'
}

export function numberKnob(env: Map<string, string>, name: string): number | undefined {
  const text = env.get(name)
  if (text === undefined || text.trim() === '') return undefined
  const value = Number(text)
  return Number.isFinite(value) ? value : undefined
}

export function behaviourOf(container: Container, restartPolicy: string, isInit: boolean): Behaviour {
  const env = simEnv(container)
  const number = (name: string): number | undefined => numberKnob(env, name)
  // Run-to-completion pods (Jobs, init containers) finish by default; serving pods run until stopped.
  const exitCode = number('SIM_EXIT_CODE') ?? (isInit || restartPolicy !== 'Always' ? 0 : undefined)
  return {
    exitCode: exitCode === undefined ? undefined : Math.trunc(exitCode),
    runSeconds: Math.max(0, number('SIM_RUN_SECONDS') ?? 1),
    readyAfterSeconds: Math.max(0, number('SIM_READY_AFTER_SECONDS') ?? 0),
    neverReady: isTrueKnob(env.get('SIM_NEVER_READY')),
    livenessFailAfterSeconds: number('SIM_LIVENESS_FAIL_AFTER_SECONDS'),
    exitReason: env.get('SIM_EXIT_REASON') || undefined,
    pullFailures: Math.max(0, Math.trunc(number('SIM_PULL_FAILURES') ?? 0)),
    stopSeconds: Math.max(0, number('SIM_STOP_SECONDS') ?? DEFAULT_STOP_SECONDS),
    log: splitLog(env.get('SIM_LOG'))
  }
}

/** SIM_LOG lines: split on newlines, and on a literal backslash-n (easy to pass through --set). */
export function splitLog(text: string | undefined): string[] {
  if (text === undefined || text === '') return []
  const lines = text.split(/\r?\n|\\n/)
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** A flowcontrol.Backoff entry (restart and image pull back-off): the window and when it was last moved. */
export interface BackoffEntry {
  seconds: number
  lastUpdate: number
}

/** flowcontrol.Backoff.Next: 10 s, then doubling to 300 s (the caller drops an expired entry first). */
export function nextBackoff(entry: BackoffEntry | undefined, now: number): BackoffEntry {
  if (!entry) return { seconds: BACKOFF_INITIAL_SECONDS, lastUpdate: now }
  return { seconds: Math.min(entry.seconds * 2, BACKOFF_MAX_SECONDS), lastUpdate: now }
}

interface Instance {
  id: string
  startedAt: number
  finishedAt?: number
  exitCode?: number
  /** terminated.reason: Completed / Error, or what SIM_EXIT_REASON says (e.g. OOMKilled). */
  reason?: string
  lines: string[]
}

interface ContainerRuntime {
  name: string
  isInit: boolean
  state: 'waiting' | 'running' | 'exited'
  waiting: { reason: string; message?: string }
  instances: Instance[]
  restartCount: number
  /** No further restarts: finished for good (restartPolicy, an init container that succeeded, a stopped pod). */
  done: boolean
  imageID: string
  pullStartedAt?: number
  /** Pulls of this container's image so far (SIM_PULL_FAILURES counts them). */
  pulls: number
  pullBackoff?: BackoffEntry
  /** `ErrImagePull: <cause>` of the last failed pull, which the back-off message carries (kubelet 1.32+). */
  lastPullError?: string
  crashBackoff?: BackoffEntry
  readyAt?: number
  exitAt?: number
  /** Next failing liveness probe, and how many failed in a row. */
  nextLivenessAt?: number
  livenessFailures: number
  nextProbeEventAt?: number
  backoffEventFor?: string
  /** Set once the pod is being deleted: when SIGTERM (or SIGKILL) ends this instance, and with what code. */
  stopAt?: number
  stopExitCode?: number
}

interface MountState {
  mounted: boolean
  lastErrorAt?: number
  backoffSeconds: number
}

interface PodRuntime {
  uid: string
  node: string
  startTime: string
  podIP: string
  containers: Map<string, ContainerRuntime>
  mounts: Map<string, MountState>
  /** metadata.generation last synced: a spec change from the API is an UpdatePod (a sync). */
  generation?: number
  /** The pod worker has synced this pod at least once. */
  synced: boolean
  /** A PLEG event (sandbox created, container started or exited) asks for a sync at this time. */
  plegSyncAt?: number
  /** The sandbox was created (first sync past the mounts); its PLEG event follows one relist later. */
  sandboxCreated: boolean
  /** Retry of a failed sync (10 s + jitter), or the end of a crash loop back-off. */
  nextSyncAt?: number
  /** A sync is waiting for an image pull to finish before it starts the containers after it. */
  syncInProgress: boolean
  syncs: number
  /** The sync blocked in WaitForAttachAndMount gives up at this time. */
  mountWaitUntil?: number
  terminatingSince?: number
}

/** The outcome of one start attempt. */
type Attempt = 'started' | 'pulling' | 'error'

const KUBELET_COMPONENT = 'kubelet'

/** Reasons of a waiting container whose last start attempt failed (the sync returns an error). */
const START_ERRORS = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'CreateContainerConfigError',
  'InvalidImageName',
  'ErrImageNeverPull'
])

/** `waitsForInit`: app containers of a pod with init containers wait as PodInitializing, as the kubelet reports. */
function newRuntime(name: string, isInit: boolean, waitsForInit: boolean): ContainerRuntime {
  return {
    name,
    isInit,
    state: 'waiting',
    waiting: { reason: isInit || waitsForInit ? 'PodInitializing' : 'ContainerCreating' },
    instances: [],
    restartCount: 0,
    done: false,
    imageID: '',
    pulls: 0,
    livenessFailures: 0
  }
}

function containerFieldPath(container: Container, isInit: boolean): string {
  return `${isInit ? 'spec.initContainers' : 'spec.containers'}{${container.name}}`
}

/** What the runtime reports once it has the image: the fully qualified reference. */
function pulledImageName(image: string): string {
  const reference = parseImageReference(image)
  return reference ? fullReference(reference) : image
}

/** Whole seconds as Go prints a time.Duration: `40s`, `1m20s`, `5m0s`. */
export function goSeconds(seconds: number): string {
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${seconds % 60}s`
}

function goDuration(seconds: number): string {
  return seconds >= 1 ? `${Number(seconds.toFixed(3))}s` : `${Math.round(seconds * 1000)}ms`
}

/** The ConfigMaps and Secrets a volume needs (non-optional ones), as the configmap/secret/projected plugins read them. */
function volumeReferences(pod: Pod): { volume: string; kind: 'configmap' | 'secret'; name: string }[] {
  const out: { volume: string; kind: 'configmap' | 'secret'; name: string }[] = []
  for (const volume of pod.spec.volumes ?? []) {
    if (volume.configMap?.name && !volume.configMap.optional)
      out.push({ volume: volume.name, kind: 'configmap', name: volume.configMap.name })
    if (volume.secret?.secretName && !volume.secret.optional)
      out.push({ volume: volume.name, kind: 'secret', name: volume.secret.secretName })
    for (const source of volume.projected?.sources ?? []) {
      if (source.configMap?.name && !source.configMap.optional)
        out.push({ volume: volume.name, kind: 'configmap', name: source.configMap.name })
      if (source.secret?.name && !source.secret.optional)
        out.push({ volume: volume.name, kind: 'secret', name: source.secret.name })
    }
  }
  return out
}

interface NodeView {
  ip: string
  /** `10.244.N.` from the node's podCIDR. */
  podPrefix: string
}

export class Kubelet implements Controller {
  readonly inputs = ['pods', 'nodes'] as const
  private readonly pods = new Map<string, PodRuntime>()
  /** Images present on each node. */
  private readonly presentImages = new Map<string, Set<string>>()
  private readonly deleted: Pod[] = []
  private readonly nextIp = new Map<string, number>()
  private nodes = new Map<string, NodeView>()

  constructor(private readonly context: SimContext) {}

  private source(node: string): EventSource {
    return { component: KUBELET_COMPONENT, host: node }
  }

  /** Called from the store listener; the events are written at the next pass, not inside the listener. */
  podDeleted(object: KubeObject): void {
    const pod = asPod(object)
    const runtime = pod?.metadata.uid ? this.pods.get(pod.metadata.uid) : undefined
    // A pod removed while its containers still run (gracePeriodSeconds=0): the kubelet stops them afterwards.
    if (pod && runtime && runtime.terminatingSince === undefined) this.deleted.push(pod)
  }

  sync(now: number): void {
    this.nodes = this.nodeViews()
    for (const pod of this.deleted.splice(0)) guarded(`kill ${pod.metadata.name}`, () => this.killPod(pod))
    const live = new Set<string>()
    for (const pod of this.context.pods()) {
      const node = pod.spec.nodeName
      if (!pod.metadata.uid || !node || !this.nodes.has(node)) continue
      live.add(pod.metadata.uid)
      guarded(`sync pod ${pod.metadata.name}`, () => {
        if (pod.metadata.deletionTimestamp) this.terminatePod(pod, now)
        else this.syncPod(pod, node, now)
      })
    }
    for (const uid of this.pods.keys()) if (!live.has(uid)) this.pods.delete(uid)
  }

  /** Every registered node runs a kubelet: its InternalIP and pod address range. */
  private nodeViews(): Map<string, NodeView> {
    const views = new Map<string, NodeView>()
    const nodes = this.context.store.list('nodes')
    nodes.forEach((node, index) => {
      let ip = index === 0 ? NODE_IP : `10.0.0.${10 + index}`
      const addresses =
        isObject(node.status) && Array.isArray(node.status.addresses) ? node.status.addresses : []
      for (const address of addresses) {
        if (isObject(address) && address.type === 'InternalIP' && typeof address.address === 'string')
          ip = address.address
      }
      const cidr = isObject(node.spec) && typeof node.spec.podCIDR === 'string' ? node.spec.podCIDR : ''
      const prefix = /^(\d+\.\d+\.\d+\.)\d+\/24$/.exec(cidr)?.[1] ?? `10.244.${index}.`
      views.set(node.metadata.name, { ip, podPrefix: prefix })
    })
    return views
  }

  private killPod(pod: Pod): void {
    const runtime = pod.metadata.uid ? this.pods.get(pod.metadata.uid) : undefined
    if (!runtime) return
    for (const container of pod.spec.containers) {
      if (runtime.containers.get(container.name)?.state !== 'running') continue
      this.context.events.record(
        pod,
        this.source(runtime.node),
        'Normal',
        'Killing',
        `Stopping container ${container.name}`,
        { fieldPath: containerFieldPath(container, false) }
      )
    }
    this.pods.delete(pod.metadata.uid ?? '')
  }

  private runtimeOf(pod: Pod, node: string): PodRuntime {
    const uid = pod.metadata.uid ?? ''
    let runtime = this.pods.get(uid)
    if (!runtime) {
      const view = this.nodes.get(node)
      const next = this.nextIp.get(node) ?? 2
      this.nextIp.set(node, next >= 254 ? 2 : next + 1)
      runtime = {
        uid,
        node,
        startTime: pod.status?.startTime ?? timestamp(),
        podIP: pod.status?.podIP ?? `${view?.podPrefix ?? '10.244.0.'}${next}`,
        containers: new Map(),
        mounts: new Map(),
        generation: pod.metadata.generation,
        synced: false,
        sandboxCreated: false,
        syncInProgress: false,
        syncs: 0
      }
      for (const container of pod.spec.initContainers ?? []) {
        runtime.containers.set(`init:${container.name}`, newRuntime(container.name, true, false))
      }
      const hasInit = (pod.spec.initContainers ?? []).length > 0
      for (const container of pod.spec.containers) {
        runtime.containers.set(container.name, newRuntime(container.name, false, hasInit))
      }
      this.pods.set(uid, runtime)
    }
    return runtime
  }

  /** Real ms until the pod worker's retry: wait.Jitter(10 s, 0.5), deterministic per pod and sync. */
  private retryDelay(runtime: PodRuntime): number {
    const fraction = hashFraction(`${runtime.uid}:${runtime.syncs}`)
    return this.context.ms(SYNC_RETRY_SECONDS * (1 + SYNC_RETRY_JITTER * fraction))
  }

  private syncPod(pod: Pod, node: string, now: number): void {
    const runtime = this.runtimeOf(pod, node)
    const phase = pod.status?.phase
    if (phase !== 'Succeeded' && phase !== 'Failed') this.work(pod, runtime, now)
    const status = this.podStatus(pod, runtime, now)
    if (!deepEqual(status, pod.status)) this.context.store.updateStatus('pods', { ...pod, status })
  }

  /** Whether the pod worker syncs the pod now (it is not busy with a pull). */
  private syncDue(pod: Pod, runtime: PodRuntime, now: number): boolean {
    if (!runtime.synced) return true
    if (pod.metadata.generation !== runtime.generation) return true
    if (runtime.plegSyncAt !== undefined && now >= runtime.plegSyncAt) return true
    return runtime.nextSyncAt !== undefined && now >= runtime.nextSyncAt
  }

  private work(pod: Pod, runtime: PodRuntime, now: number): void {
    const mounted = this.mountVolumes(pod, runtime, now)
    // A sync blocked on a pull or on the volumes keeps the worker busy: later triggers wait for it.
    let sync =
      !runtime.syncInProgress && runtime.mountWaitUntil === undefined && this.syncDue(pod, runtime, now)
    if (sync) {
      runtime.synced = true
      runtime.generation = pod.metadata.generation
      runtime.nextSyncAt = undefined
      if (runtime.plegSyncAt !== undefined && now >= runtime.plegSyncAt) runtime.plegSyncAt = undefined
      runtime.syncs += 1
    }
    if (!mounted) {
      // The sync blocks in WaitForAttachAndMount until the volumes are mounted or it times out.
      if (sync) runtime.mountWaitUntil = now + this.context.ms(MOUNT_WAIT_SECONDS)
      if (runtime.mountWaitUntil !== undefined && now >= runtime.mountWaitUntil) {
        runtime.mountWaitUntil = undefined
        const unmounted = [...runtime.mounts.entries()].filter(([, m]) => !m.mounted).map(([name]) => name)
        this.context.events.record(
          pod,
          this.source(runtime.node),
          'Warning',
          'FailedMount',
          `Unable to attach or mount volumes: unmounted volumes=[${unmounted.sort().join(' ')}], unattached volumes=[], failed to process volumes=[]: context deadline exceeded`
        )
        runtime.nextSyncAt = now + this.retryDelay(runtime)
      }
      this.wake(runtime.mountWaitUntil)
      this.wake(runtime.nextSyncAt)
      return
    }
    if (runtime.mountWaitUntil !== undefined) {
      // The volumes were mounted while a sync waited for them: that sync goes on now.
      runtime.mountWaitUntil = undefined
      sync = true
    }
    if (sync && !runtime.sandboxCreated) {
      runtime.sandboxCreated = true
      this.plegEvent(runtime, now)
    }
    const resumed = runtime.syncInProgress
    const restartPolicy = pod.spec.restartPolicy ?? 'Always'
    let blocked = false
    let pleg = false
    let exited = false
    let crashRetryAt: number | undefined
    const step = (container: Container, state: ContainerRuntime): void => {
      // A container that exited in this pass is a PLEG event: the sync it causes reaches the containers after it.
      const result = this.stepContainer(pod, runtime, container, state, restartPolicy, now, {
        sync: (sync || resumed || exited) && !blocked
      })
      if (state.pullStartedAt !== undefined) blocked = true
      if (result.pleg) pleg = true
      if (result.exited) exited = true
      if (result.crashRetryAt !== undefined)
        crashRetryAt = Math.min(crashRetryAt ?? Infinity, result.crashRetryAt)
    }
    let initDone = true
    for (const container of pod.spec.initContainers ?? []) {
      const state = runtime.containers.get(`init:${container.name}`)
      if (!state) continue
      step(container, state)
      if (!state.done || state.instances.at(-1)?.exitCode !== 0) {
        initDone = false
        break
      }
    }
    if (initDone) {
      for (const container of pod.spec.containers) {
        const state = runtime.containers.get(container.name)
        if (state) step(container, state)
      }
    }
    // A container that started or exited is seen by the next relist, which syncs the pod once more.
    if (pleg || exited) this.plegEvent(runtime, now)
    runtime.syncInProgress = blocked && (sync || resumed)
    if ((sync || resumed) && !blocked) this.finishSync(runtime, now, crashRetryAt)
    else if (crashRetryAt !== undefined && !runtime.syncInProgress) {
      // A container that just crashed: the pod worker requeues the pod for the end of its back-off.
      runtime.nextSyncAt = Math.min(runtime.nextSyncAt ?? Infinity, crashRetryAt)
    }
    this.wake(runtime.plegSyncAt)
    this.wake(runtime.nextSyncAt)
  }

  /**
   * The end of a sync: a failed start means a retry in 10-15 s; a crash loop back-off means a retry when it
   * ends (1.35 requeues at the back-off's expiry, at most a resync interval away).
   */
  private finishSync(runtime: PodRuntime, now: number, crashRetryAt: number | undefined): void {
    const failed = [...runtime.containers.values()].some(
      c => c.state === 'waiting' && !c.done && START_ERRORS.has(c.waiting.reason)
    )
    if (crashRetryAt !== undefined)
      runtime.nextSyncAt = Math.min(crashRetryAt, now + this.context.ms(RESYNC_SECONDS))
    else if (failed) runtime.nextSyncAt = now + this.retryDelay(runtime)
  }

  private plegEvent(runtime: PodRuntime, now: number): void {
    const at = now + this.context.ms(RELIST_SECONDS)
    if (runtime.plegSyncAt === undefined || at < runtime.plegSyncAt) runtime.plegSyncAt = at
  }

  private wake(at: number | undefined): void {
    if (at !== undefined) this.context.wakeAt(at)
  }

  /**
   * The volume manager's reconciler: each unmounted ConfigMap/Secret volume is mounted once its objects exist,
   * retried after 0.5 s, 1 s, 2 s ... 2 min 2 s, with a Warning FailedMount per failed attempt.
   */
  private mountVolumes(pod: Pod, runtime: PodRuntime, now: number): boolean {
    const references = volumeReferences(pod)
    if (references.length === 0) return true
    const namespace = pod.metadata.namespace
    let ready = true
    for (const volume of new Set(references.map(r => r.volume))) {
      let mount = runtime.mounts.get(volume)
      if (!mount) {
        mount = { mounted: false, backoffSeconds: 0 }
        runtime.mounts.set(volume, mount)
      }
      if (mount.mounted) continue
      const retryAt =
        mount.lastErrorAt === undefined ? now : mount.lastErrorAt + this.context.ms(mount.backoffSeconds)
      if (mount.lastErrorAt !== undefined && now <= retryAt) {
        ready = false
        this.context.wakeAt(retryAt + 1)
        continue
      }
      const missing = references.find(
        r =>
          r.volume === volume &&
          !this.context.store.get(r.kind === 'configmap' ? 'configmaps' : 'secrets', namespace, r.name)
      )
      if (!missing) {
        mount.mounted = true
        continue
      }
      ready = false
      this.context.events.record(
        pod,
        this.source(runtime.node),
        'Warning',
        'FailedMount',
        `MountVolume.SetUp failed for volume "${volume}" : ${missing.kind} "${missing.name}" not found`
      )
      mount.backoffSeconds =
        mount.backoffSeconds === 0
          ? MOUNT_RETRY_INITIAL_SECONDS
          : Math.min(mount.backoffSeconds * 2, MOUNT_RETRY_MAX_SECONDS)
      mount.lastErrorAt = now
      this.context.wakeAt(now + this.context.ms(mount.backoffSeconds) + 1)
    }
    return ready
  }

  private record(
    pod: Pod,
    runtime: PodRuntime,
    container: Container,
    state: ContainerRuntime,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string
  ): void {
    this.context.events.record(pod, this.source(runtime.node), type, reason, message, {
      fieldPath: containerFieldPath(container, state.isInit)
    })
  }

  /**
   * Advances one container's state machine to `now`; loops because one step can enable the next. Exits and
   * probes happen whatever the pod worker does; a waiting container is started only in a sync.
   */
  private stepContainer(
    pod: Pod,
    runtime: PodRuntime,
    container: Container,
    state: ContainerRuntime,
    restartPolicy: string,
    now: number,
    options: { sync: boolean }
  ): { pleg: boolean; exited: boolean; crashRetryAt?: number } {
    const behaviour = behaviourOf(container, restartPolicy, state.isInit)
    let mayStart = options.sync
    let started = false
    let exited = false
    for (let guard = 0; guard < 4; guard++) {
      if (state.done) return { pleg: started, exited }
      if (state.state === 'running') {
        if (state.exitAt !== undefined && now >= state.exitAt) {
          this.terminate(state, behaviour.exitCode ?? 0, state.exitAt, behaviour.exitReason)
          // The exit is a PLEG event, and this is the sync it causes.
          mayStart = true
          exited = true
          continue
        }
        if (state.exitAt !== undefined) this.context.wakeAt(state.exitAt)
        if (this.liveness(pod, runtime, container, state, now)) {
          mayStart = true
          exited = true
          continue
        }
        this.probe(pod, runtime, container, state, behaviour, now)
        return { pleg: started, exited }
      }
      if (state.state === 'exited') {
        const last = state.instances.at(-1)
        const exitCode = last?.exitCode ?? 0
        const restart = state.isInit
          ? exitCode !== 0 && restartPolicy !== 'Never'
          : restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && exitCode !== 0)
        if (!restart) {
          state.done = true
          return { pleg: started, exited }
        }
        const finishedAt = last?.finishedAt ?? now
        // hasExpired: a container that ran for more than 2 × 300 s starts over at 10 s (and restarts now).
        if (
          state.crashBackoff &&
          finishedAt - state.crashBackoff.lastUpdate > this.context.ms(2 * BACKOFF_MAX_SECONDS)
        ) {
          state.crashBackoff = undefined
        }
        // kubelet doBackOff: inside the window since the last exit -> CrashLoopBackOff, else restart now.
        if (state.crashBackoff && now - finishedAt < this.context.ms(state.crashBackoff.seconds)) {
          const seconds = state.crashBackoff.seconds
          state.waiting = {
            reason: 'CrashLoopBackOff',
            message: `back-off ${goSeconds(seconds)} restarting failed container=${container.name} pod=${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`
          }
          if (state.backoffEventFor !== last?.id) {
            state.backoffEventFor = last?.id
            this.record(
              pod,
              runtime,
              container,
              state,
              'Warning',
              'BackOff',
              `Back-off restarting failed container ${container.name} in pod ${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`
            )
          }
          const until = finishedAt + this.context.ms(seconds)
          this.context.wakeAt(until)
          return { pleg: started, exited, crashRetryAt: until }
        }
        state.crashBackoff = nextBackoff(state.crashBackoff, now)
        state.state = 'waiting'
        state.restartCount += 1
        // The back-off is over (or there was none): this is the sync that restarts it.
        mayStart = true
        continue
      }
      // waiting: get the image, check the configuration, start.
      if (!mayStart && state.pullStartedAt === undefined) return { pleg: started, exited }
      const attempt = this.attemptStart(pod, runtime, container, state, behaviour, now)
      if (attempt === 'started') started = true
      return { pleg: started, exited }
    }
    return { pleg: started, exited }
  }

  /** One start attempt, as kuberuntime's startContainer: EnsureImageExists, generateContainerConfig, start. */
  private attemptStart(
    pod: Pod,
    runtime: PodRuntime,
    container: Container,
    state: ContainerRuntime,
    behaviour: Behaviour,
    now: number
  ): Attempt {
    const image = this.ensureImage(pod, runtime, container, state, behaviour, now)
    if (image !== 'ready') return image
    const configError = this.configError(pod, container)
    if (configError) {
      state.waiting = { reason: 'CreateContainerConfigError', message: configError }
      this.record(pod, runtime, container, state, 'Warning', 'Failed', `Error: ${configError}`)
      return 'error'
    }
    this.start(pod, runtime, container, state, behaviour, now)
    return 'started'
  }

  /** The image manager's EnsureImageExists; 'ready' when the image is there. */
  private ensureImage(
    pod: Pod,
    runtime: PodRuntime,
    container: Container,
    state: ContainerRuntime,
    behaviour: Behaviour,
    now: number
  ): Attempt | 'ready' {
    const requested = container.image ?? ''
    const reference = parseImageReference(requested)
    const fail = (reason: string, message: string, event?: [string, string]): Attempt => {
      state.waiting = { reason, message }
      if (event) this.record(pod, runtime, container, state, 'Warning', event[0], event[1])
      this.record(pod, runtime, container, state, 'Warning', 'Failed', `Error: ${reason}`)
      return 'error'
    }
    if (!reference) {
      const message = `Failed to apply default image tag "${requested}": couldn't parse image name "${requested}": invalid reference format`
      return fail('InvalidImageName', message, ['InspectFailed', message])
    }
    const image = withDefaultTag(requested, reference)
    const full = fullReference(reference)
    const policy = container.imagePullPolicy ?? 'IfNotPresent'
    let present = this.presentImages.get(runtime.node)
    if (!present) {
      present = new Set()
      this.presentImages.set(runtime.node, present)
    }
    if (state.pullStartedAt === undefined) {
      if (policy === 'Never' && !present.has(full)) {
        const message = `Container image "${image}" is not present with pull policy of Never`
        return fail('ErrImageNeverPull', message, ['ErrImageNeverPull', message])
      }
      if (present.has(full) && policy !== 'Always') {
        this.record(
          pod,
          runtime,
          container,
          state,
          'Normal',
          'Pulled',
          `Container image "${image}" already present on machine`
        )
        this.imageReady(state, reference.domain, reference.path, full)
        return 'ready'
      }
      const backoff = state.pullBackoff
      const expired =
        backoff !== undefined && now - backoff.lastUpdate > this.context.ms(2 * BACKOFF_MAX_SECONDS)
      if (backoff && !expired && now - backoff.lastUpdate < this.context.ms(backoff.seconds)) {
        const message = `Back-off pulling image "${image}"`
        this.record(pod, runtime, container, state, 'Normal', 'BackOff', message)
        return fail('ImagePullBackOff', state.lastPullError ? `${message}: ${state.lastPullError}` : message)
      }
      if (expired) state.pullBackoff = undefined
      state.pullStartedAt = now
      this.record(pod, runtime, container, state, 'Normal', 'Pulling', `Pulling image "${image}"`)
    }
    const pulledAt = (state.pullStartedAt ?? now) + this.context.ms(PULL_SECONDS)
    if (now < pulledAt) {
      this.context.wakeAt(pulledAt)
      return 'pulling'
    }
    state.pullStartedAt = undefined
    state.pulls += 1
    const error = isUnreachableRegistry(reference)
      ? pullError(reference)
      : state.pulls <= behaviour.pullFailures
        ? unavailableError(reference)
        : undefined
    if (error) {
      state.pullBackoff = nextBackoff(state.pullBackoff, now)
      state.lastPullError = `ErrImagePull: ${error}`
      this.record(
        pod,
        runtime,
        container,
        state,
        'Warning',
        'Failed',
        `Failed to pull image "${image}": ${error}`
      )
      return fail('ErrImagePull', error)
    }
    present.add(full)
    state.pullBackoff = undefined
    state.lastPullError = undefined
    const size = 10_000_000 + (parseInt(imageDigest(full).slice(0, 6), 16) % 80_000_000)
    const took = goDuration(PULL_SECONDS)
    this.record(
      pod,
      runtime,
      container,
      state,
      'Normal',
      'Pulled',
      `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${size} bytes.`
    )
    this.imageReady(state, reference.domain, reference.path, full)
    return 'ready'
  }

  private imageReady(state: ContainerRuntime, domain: string, path: string, full: string): void {
    state.imageID = `${domain}/${path}@sha256:${imageDigest(full)}`
  }

  /** The kubelet's makeEnvironmentVariables errors: a referenced ConfigMap/Secret (or key) that is missing. */
  private configError(pod: Pod, container: Container): string | undefined {
    const namespace = pod.metadata.namespace ?? 'default'
    const { store } = this.context
    const dataOf = (kind: 'configmaps' | 'secrets', name: string): Record<string, unknown> | undefined => {
      const object = store.get(kind, namespace, name)
      if (!object) return undefined
      return {
        ...(isObject(object.data) ? object.data : {}),
        ...(isObject(object.binaryData) ? object.binaryData : {})
      }
    }
    for (const source of container.envFrom ?? []) {
      const configMap = source.configMapRef
      if (configMap?.name && !configMap.optional && !dataOf('configmaps', configMap.name)) {
        return `configmap "${configMap.name}" not found`
      }
      const secret = source.secretRef
      if (secret?.name && !secret.optional && !dataOf('secrets', secret.name))
        return `secret "${secret.name}" not found`
    }
    for (const variable of container.env ?? []) {
      const configMap = variable.valueFrom?.configMapKeyRef
      if (configMap?.name && !configMap.optional) {
        const data = dataOf('configmaps', configMap.name)
        if (!data) return `configmap "${configMap.name}" not found`
        if (configMap.key && data[configMap.key] === undefined) {
          return `couldn't find key ${configMap.key} in ConfigMap ${namespace}/${configMap.name}`
        }
      }
      const secret = variable.valueFrom?.secretKeyRef
      if (secret?.name && !secret.optional) {
        const data = dataOf('secrets', secret.name)
        if (!data) return `secret "${secret.name}" not found`
        if (secret.key && data[secret.key] === undefined) {
          return `couldn't find key ${secret.key} in Secret ${namespace}/${secret.name}`
        }
      }
    }
    return undefined
  }

  private start(
    pod: Pod,
    runtime: PodRuntime,
    container: Container,
    state: ContainerRuntime,
    behaviour: Behaviour,
    now: number
  ): void {
    const instance: Instance = { id: `containerd://${randomHex(32)}`, startedAt: now, lines: behaviour.log }
    state.instances.push(instance)
    // Only the last terminated instance is kept, as the runtime does.
    if (state.instances.length > 2) state.instances.splice(0, state.instances.length - 2)
    state.state = 'running'
    state.readyAt = now + this.context.ms(behaviour.readyAfterSeconds)
    state.exitAt = behaviour.exitCode === undefined ? undefined : now + this.context.ms(behaviour.runSeconds)
    state.nextProbeEventAt = undefined
    state.livenessFailures = 0
    state.nextLivenessAt =
      behaviour.livenessFailAfterSeconds === undefined || state.isInit
        ? undefined
        : now + this.context.ms(Math.max(0, behaviour.livenessFailAfterSeconds))
    if (state.nextLivenessAt !== undefined) this.context.wakeAt(state.nextLivenessAt)
    this.record(pod, runtime, container, state, 'Normal', 'Created', `Created container: ${container.name}`)
    this.record(pod, runtime, container, state, 'Normal', 'Started', `Started container ${container.name}`)
    if (state.exitAt !== undefined) this.context.wakeAt(state.exitAt)
    if (!behaviour.neverReady && behaviour.readyAfterSeconds > 0) this.context.wakeAt(state.readyAt)
    if (behaviour.neverReady) this.probe(pod, runtime, container, state, behaviour, now)
  }

  private terminate(state: ContainerRuntime, exitCode: number, at: number, reason?: string): void {
    const instance = state.instances.at(-1)
    if (instance) {
      instance.finishedAt = at
      instance.exitCode = exitCode
      if (reason) instance.reason = reason
    }
    state.state = 'exited'
    state.readyAt = undefined
    state.exitAt = undefined
  }

  /**
   * Graceful deletion (killPod with the pod's grace period): Normal `Killing` for each running container, which
   * exits SIM_STOP_SECONDS (1) later with 0, or is killed (137) when the grace period ends first. Once nothing
   * runs, the kubelet writes the final status and deletes the pod with gracePeriodSeconds=0.
   */
  private terminatePod(pod: Pod, now: number): void {
    const runtime = pod.metadata.uid ? this.pods.get(pod.metadata.uid) : undefined
    if (!runtime) {
      this.finalDelete(pod)
      return
    }
    const restartPolicy = pod.spec.restartPolicy ?? 'Always'
    const all = [
      ...(pod.spec.initContainers ?? []).map(c => ({ container: c, key: `init:${c.name}`, isInit: true })),
      ...pod.spec.containers.map(c => ({ container: c, key: c.name, isInit: false }))
    ]
    const graceSeconds =
      pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30
    if (runtime.terminatingSince === undefined) runtime.terminatingSince = now
    const killAt = runtime.terminatingSince + this.context.ms(graceSeconds)
    let running = false
    for (const { container, key, isInit } of all) {
      const state = runtime.containers.get(key)
      if (!state) continue
      state.pullStartedAt = undefined
      const behaviour = behaviourOf(container, restartPolicy, isInit)
      if (state.state === 'running' && state.stopAt === undefined) {
        this.record(
          pod,
          runtime,
          container,
          state,
          'Normal',
          'Killing',
          `Stopping container ${container.name}`
        )
        const stopsAt = now + this.context.ms(behaviour.stopSeconds)
        state.stopAt = Math.min(stopsAt, killAt)
        state.stopExitCode = stopsAt <= killAt ? 0 : 137
      }
      if (state.state === 'running' && state.stopAt !== undefined)
        state.stopAt = Math.min(state.stopAt, killAt)
      if (
        state.state === 'running' &&
        state.exitAt !== undefined &&
        state.exitAt <= (state.stopAt ?? Infinity)
      ) {
        if (now >= state.exitAt)
          this.terminate(state, behaviour.exitCode ?? 0, state.exitAt, behaviour.exitReason)
      } else if (state.state === 'running' && state.stopAt !== undefined && now >= state.stopAt) {
        this.terminate(state, state.stopExitCode ?? 0, state.stopAt)
      }
      if (state.state === 'running') {
        running = true
        this.wake(Math.min(state.stopAt ?? Infinity, state.exitAt ?? Infinity))
      } else {
        state.done = true
      }
    }
    const status = this.podStatus(pod, runtime, now, running ? undefined : 'stopped')
    let current: KubeObject = pod
    if (!deepEqual(status, pod.status)) current = this.context.store.updateStatus('pods', { ...pod, status })
    if (!running) {
      this.pods.delete(runtime.uid)
      this.finalDelete(current)
    }
  }

  /** The status manager's delete once the pod's containers are gone: gracePeriodSeconds=0. */
  private finalDelete(pod: KubeObject): void {
    try {
      this.context.store.delete('pods', pod.metadata.namespace, pod.metadata.name, undefined, {
        gracePeriodSeconds: 0
      })
    } catch {
      // Already gone (a force delete raced us).
    }
  }

  /**
   * A failing liveness probe: Unhealthy every periodSeconds, and after failureThreshold failures the kubelet
   * kills the container (exit 137) to restart it. Returns true when it killed.
   */
  private liveness(
    pod: Pod,
    runtime: PodRuntime,
    container: Container,
    state: ContainerRuntime,
    now: number
  ): boolean {
    if (state.nextLivenessAt === undefined) return false
    if (now < state.nextLivenessAt) {
      this.context.wakeAt(state.nextLivenessAt)
      return false
    }
    const probe = container.livenessProbe
    this.record(
      pod,
      runtime,
      container,
      state,
      'Warning',
      'Unhealthy',
      `Liveness probe failed: ${this.probeFailure(runtime, probe)}`
    )
    state.livenessFailures += 1
    if (state.livenessFailures >= (probe?.failureThreshold ?? 3)) {
      this.record(
        pod,
        runtime,
        container,
        state,
        'Normal',
        'Killing',
        `Container ${container.name} failed liveness probe, will be restarted`
      )
      state.nextLivenessAt = undefined
      this.terminate(state, 137, now)
      return true
    }
    state.nextLivenessAt = now + this.context.ms(probe?.periodSeconds ?? 10)
    this.context.wakeAt(state.nextLivenessAt)
    return false
  }

  /** Readiness: ready after SIM_READY_AFTER_SECONDS, or never (with the prober's Unhealthy events). */
  private probe(
    pod: Pod,
    runtime: PodRuntime,
    container: Container,
    state: ContainerRuntime,
    behaviour: Behaviour,
    now: number
  ): void {
    if (state.isInit) return
    const starting = state.readyAt !== undefined && now < state.readyAt
    if (!behaviour.neverReady) {
      if (starting) this.context.wakeAt(state.readyAt ?? now)
      // While the app starts, a readiness probe fails like any other (prober_manager: Unhealthy each failure);
      // without a probe the kubelet has nothing to report.
      if (!starting || !container.readinessProbe) return
    }
    if (state.nextProbeEventAt === undefined || now >= state.nextProbeEventAt) {
      this.record(
        pod,
        runtime,
        container,
        state,
        'Warning',
        'Unhealthy',
        `Readiness probe failed: ${this.probeFailure(runtime, container.readinessProbe)}`
      )
      const period = container.readinessProbe?.periodSeconds ?? 10
      state.nextProbeEventAt = now + this.context.ms(period)
    }
    this.context.wakeAt(state.nextProbeEventAt)
  }

  private probeFailure(runtime: PodRuntime, probe: Probe | undefined): string {
    const ip = runtime.podIP
    if (probe?.tcpSocket)
      return `dial tcp ${ip}:${String(probe.tcpSocket.port ?? 0)}: connect: connection refused`
    if (probe?.exec) return `command ${JSON.stringify((probe.exec.command ?? []).join(' '))} exited with 1`
    if (probe?.grpc) return `timeout: failed to connect service "${ip}:${probe.grpc.port ?? 0}" within 1s`
    return 'HTTP probe failed with statuscode: 503'
  }

  private isReady(state: ContainerRuntime, behaviour: Behaviour, now: number): boolean {
    return (
      state.state === 'running' &&
      !behaviour.neverReady &&
      state.readyAt !== undefined &&
      now >= state.readyAt
    )
  }

  private containerStatus(
    container: Container,
    state: ContainerRuntime,
    behaviour: Behaviour,
    now: number
  ): ContainerStatus {
    const stamp = (ms: number | undefined): string => timestamp(new Date(ms ?? now))
    const terminated = (instance: Instance): ContainerState => ({
      terminated: {
        exitCode: instance.exitCode ?? 0,
        reason: instance.reason ?? ((instance.exitCode ?? 0) === 0 ? 'Completed' : 'Error'),
        startedAt: stamp(instance.startedAt),
        finishedAt: stamp(instance.finishedAt),
        containerID: instance.id
      }
    })
    const current = state.instances.at(-1)
    let stateView: ContainerState
    let last: Instance | undefined
    if (state.state === 'running' && current) {
      stateView = { running: { startedAt: stamp(current.startedAt) } }
      last = state.instances.at(-2)
    } else if (state.done && current && current.finishedAt !== undefined) {
      stateView = terminated(current)
      last = state.instances.at(-2)
    } else {
      stateView = { waiting: { ...state.waiting } }
      last = current
    }
    const status: ContainerStatus = {
      name: container.name,
      image: state.imageID ? pulledImageName(container.image ?? '') : (container.image ?? ''),
      imageID: state.imageID,
      ready: this.isReady(state, behaviour, now),
      started: state.state === 'running',
      restartCount: state.restartCount,
      state: stateView,
      lastState: last ? terminated(last) : {}
    }
    if (current) status.containerID = current.id
    return status
  }

  /** `stopped`: the pod was deleted and nothing runs any more; it ends Succeeded or Failed by the exit codes. */
  private podStatus(pod: Pod, runtime: PodRuntime, now: number, stopped?: 'stopped'): PodStatus {
    const restartPolicy = pod.spec.restartPolicy ?? 'Always'
    const statusOf = (container: Container, isInit: boolean): ContainerStatus | undefined => {
      const state = runtime.containers.get(isInit ? `init:${container.name}` : container.name)
      return (
        state && this.containerStatus(container, state, behaviourOf(container, restartPolicy, isInit), now)
      )
    }
    const initStatuses = (pod.spec.initContainers ?? [])
      .map(c => statusOf(c, true))
      .filter(s => s !== undefined)
    const statuses = pod.spec.containers.map(c => statusOf(c, false)).filter(s => s !== undefined)
    const states = pod.spec.containers.map(c => runtime.containers.get(c.name))
    const initStates = (pod.spec.initContainers ?? []).map(c => runtime.containers.get(`init:${c.name}`))
    const initFailed = initStates.some(s => s?.done && (s.instances.at(-1)?.exitCode ?? 0) !== 0)
    const initComplete = initStates.every(s => s?.done && s.instances.at(-1)?.exitCode === 0)
    let phase = 'Pending'
    if (initFailed) phase = 'Failed'
    else if (stopped) {
      const allZero = states.every(s => s && s.instances.length > 0 && s.instances.at(-1)?.exitCode === 0)
      phase = initComplete && allZero ? 'Succeeded' : 'Failed'
    } else if (initComplete && states.every(s => s && s.instances.length > 0)) {
      if (states.every(s => s?.done)) {
        phase = states.every(s => s?.instances.at(-1)?.exitCode === 0) ? 'Succeeded' : 'Failed'
      } else phase = 'Running'
    }
    const previous = pod.status?.conditions
    const condition = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
      const status = ok ? 'True' : 'False'
      const before = conditionOf(previous, type)
      const result: Condition = {
        type,
        status,
        lastProbeTime: null,
        lastTransitionTime:
          before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : timestamp()
      }
      if (!ok && reason) result.reason = reason
      if (!ok && message) result.message = message
      return result
    }
    const unready = statuses.filter(s => !s.ready).map(s => s.name)
    const incompleteInit = initStatuses.filter((_, i) => !(initStates[i]?.done ?? false)).map(s => s.name)
    const finished = phase === 'Succeeded' || phase === 'Failed'
    const readyReason = finished ? 'PodCompleted' : 'ContainersNotReady'
    const readyMessage = finished ? undefined : `containers with unready status: [${unready.join(' ')}]`
    const scheduled = conditionOf(previous, 'PodScheduled')
    const hostIP = this.nodes.get(runtime.node)?.ip ?? NODE_IP
    const status: PodStatus = {
      phase,
      conditions: [
        condition('PodReadyToStartContainers', !finished && runtime.sandboxCreated),
        condition(
          'Initialized',
          initComplete,
          'ContainersNotInitialized',
          `containers with incomplete status: [${incompleteInit.join(' ')}]`
        ),
        condition('Ready', unready.length === 0 && !finished, readyReason, readyMessage),
        condition('ContainersReady', unready.length === 0 && !finished, readyReason, readyMessage),
        scheduled?.status === 'True' ? scheduled : condition('PodScheduled', true)
      ],
      hostIP,
      hostIPs: [{ ip: hostIP }],
      podIP: runtime.podIP,
      podIPs: [{ ip: runtime.podIP }],
      startTime: runtime.startTime,
      containerStatuses: statuses,
      qosClass: pod.status?.qosClass ?? qosClass(pod.spec)
    }
    if (initStatuses.length > 0) status.initContainerStatuses = initStatuses
    return status
  }

  /** GET pods/<name>/log: the kubelet's validateContainerLogStatus, then the chosen instance's lines. */
  readLog(namespace: string, name: string, request: LogRequest): string {
    const object = this.context.store.get('pods', namespace, name)
    const pod = object && asPod(object)
    if (!pod) throw notFound(resourceInfo('pods'), name)
    const containers = pod.spec.containers
    const inits = pod.spec.initContainers ?? []
    let containerName = request.container
    if (!containerName) {
      if (containers.length === 1) containerName = containers[0]?.name
      else {
        const names = containers.map(c => c.name).join(' ')
        const initNames = inits.map(c => c.name).join(' ')
        throw badRequest(
          `a container name must be specified for pod ${name}, choose one of: [${names}]` +
            (initNames ? ` or one of the init containers: [${initNames}]` : '')
        )
      }
    }
    const isInit = !containers.some(c => c.name === containerName)
    if (isInit && !inits.some(c => c.name === containerName)) {
      throw badRequest(`container ${containerName ?? ''} is not valid for pod ${name}`)
    }
    // An unscheduled pod has no kubelet to ask: the API server answers with an empty body.
    if (!pod.spec.nodeName) return ''
    const state = this.pods
      .get(pod.metadata.uid ?? '')
      ?.containers.get(isInit ? `init:${containerName}` : (containerName ?? ''))
    const label = containerName ?? ''
    let instance: Instance | undefined
    if (!state || state.instances.length === 0) {
      if (request.previous)
        throw badRequest(`previous terminated container "${label}" in pod "${name}" not found`)
      const reason = state?.waiting.reason ?? 'ContainerCreating'
      const detail =
        reason === 'ErrImagePull'
          ? "image can't be pulled"
          : reason === 'ImagePullBackOff'
            ? 'trying and failing to pull image'
            : reason
      throw badRequest(`container "${label}" in pod "${name}" is waiting to start: ${detail}`)
    }
    const current = state.instances.at(-1)
    const currentRunsOrEnded = state.state === 'running' || state.done
    if (request.previous) {
      instance = currentRunsOrEnded ? state.instances.at(-2) : current
      if (!instance) throw badRequest(`previous terminated container "${label}" in pod "${name}" not found`)
    } else {
      instance = current
    }
    let lines = instance?.lines ?? []
    if (request.tailLines !== undefined && request.tailLines >= 0)
      lines = request.tailLines === 0 ? [] : lines.slice(-request.tailLines)
    return lines.map(line => `${line}\n`).join('')
  }
}
