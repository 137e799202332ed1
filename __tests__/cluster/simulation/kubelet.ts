/**
 * The kubelet of the one node: pulls images, starts containers, runs them as their SIM_* environment says,
 * restarts them with the kubelet's back-off, reports pod status, records container events and keeps logs.
 */
import { badRequest, notFound } from '../errors.js'
import { deepEqual, isObject, timestamp } from '../json.js'
import { resourceInfo } from '../resources.js'
import type { KubeObject, LogRequest } from '../types.js'
import { guarded, type Controller, type SimContext } from './context.js'
import type { EventSource } from './events.js'
import { fullReference, isUnreachableRegistry, parseImageReference, pullError } from './images.js'
import {
  asPod,
  conditionOf,
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
/** Simulated seconds an image pull takes. */
export const PULL_SECONDS = 1
/** How long ErrImagePull shows before the kubelet's next sync turns it into ImagePullBackOff. */
const ERR_IMAGE_PULL_SECONDS = 2
/** The pod worker's retry period for configuration and mount errors. */
const RESYNC_SECONDS = 10
const BACKOFF_INITIAL_SECONDS = 10
const BACKOFF_MAX_SECONDS = 300

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
  log: string[]
}

export function behaviourOf(container: Container, restartPolicy: string, isInit: boolean): Behaviour {
  const env = new Map<string, string>()
  for (const variable of container.env ?? []) {
    if (typeof variable.value === 'string') env.set(variable.name, variable.value)
  }
  const number = (name: string): number | undefined => {
    const text = env.get(name)
    if (text === undefined || text.trim() === '') return undefined
    const value = Number(text)
    return Number.isFinite(value) ? value : undefined
  }
  const neverReady = env.get('SIM_NEVER_READY')
  // Run-to-completion pods (Jobs, init containers) finish by default; serving pods run until stopped.
  const exitCode = number('SIM_EXIT_CODE') ?? (isInit || restartPolicy !== 'Always' ? 0 : undefined)
  return {
    exitCode: exitCode === undefined ? undefined : Math.trunc(exitCode),
    runSeconds: Math.max(0, number('SIM_RUN_SECONDS') ?? 1),
    readyAfterSeconds: Math.max(0, number('SIM_READY_AFTER_SECONDS') ?? 0),
    neverReady: neverReady !== undefined && neverReady !== '' && neverReady !== '0' && neverReady !== 'false',
    livenessFailAfterSeconds: number('SIM_LIVENESS_FAIL_AFTER_SECONDS'),
    exitReason: env.get('SIM_EXIT_REASON') || undefined,
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

/** The kubelet's container restart back-off entry (flowcontrol.Backoff): 10 s doubling to 300 s. */
export interface BackoffEntry {
  seconds: number
  lastUpdate: number
}

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
  /** No further restarts: finished for good (restartPolicy, or an init container that succeeded). */
  done: boolean
  /** The image is on hand for the current start attempt. */
  imageReady: boolean
  imageID: string
  pullStartedAt?: number
  pullFailures: number
  pullBackoffUntil?: number
  errImagePullUntil?: number
  crashBackoff?: BackoffEntry
  /** A start attempt failed (config/invalid image); the next noisy retry. */
  retryAt?: number
  readyAt?: number
  exitAt?: number
  /** Next failing liveness probe, and how many failed in a row. */
  nextLivenessAt?: number
  livenessFailures: number
  nextProbeEventAt?: number
  backoffEventFor?: string
}

interface PodRuntime {
  uid: string
  startTime: string
  podIP: string
  containers: Map<string, ContainerRuntime>
  nextMountEventAt?: number
}

const KUBELET_COMPONENT = 'kubelet'

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
    imageReady: false,
    imageID: '',
    pullFailures: 0,
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

export class Kubelet implements Controller {
  private readonly pods = new Map<string, PodRuntime>()
  private readonly presentImages = new Set<string>()
  private readonly deleted: Pod[] = []
  private nextIp = 2
  private hostIP = NODE_IP
  private readonly source: EventSource

  constructor(private readonly context: SimContext) {
    this.source = { component: KUBELET_COMPONENT, host: context.nodeName }
  }

  /** Called from the store listener; the events are written at the next pass, not inside the listener. */
  podDeleted(object: KubeObject): void {
    const pod = asPod(object)
    if (pod?.metadata.uid && this.pods.has(pod.metadata.uid)) this.deleted.push(pod)
  }

  sync(now: number): void {
    this.hostIP = this.nodeIP()
    for (const pod of this.deleted.splice(0)) guarded(`kill ${pod.metadata.name}`, () => this.killPod(pod))
    const live = new Set<string>()
    for (const pod of this.context.pods()) {
      if (!pod.metadata.uid || pod.spec.nodeName !== this.context.nodeName) continue
      if (pod.metadata.deletionTimestamp) continue
      live.add(pod.metadata.uid)
      guarded(`sync pod ${pod.metadata.name}`, () => this.syncPod(pod, now))
    }
    for (const uid of this.pods.keys()) if (!live.has(uid)) this.pods.delete(uid)
  }

  private killPod(pod: Pod): void {
    const runtime = pod.metadata.uid ? this.pods.get(pod.metadata.uid) : undefined
    if (!runtime) return
    for (const container of pod.spec.containers) {
      if (runtime.containers.get(container.name)?.state !== 'running') continue
      this.context.events.record(
        pod,
        this.source,
        'Normal',
        'Killing',
        `Stopping container ${container.name}`,
        {
          fieldPath: containerFieldPath(container, false)
        }
      )
    }
    this.pods.delete(pod.metadata.uid ?? '')
  }

  private runtimeOf(pod: Pod): PodRuntime {
    const uid = pod.metadata.uid ?? ''
    let runtime = this.pods.get(uid)
    if (!runtime) {
      runtime = {
        uid,
        startTime: pod.status?.startTime ?? timestamp(),
        podIP: pod.status?.podIP ?? `10.244.0.${this.nextIp}`,
        containers: new Map()
      }
      this.nextIp = this.nextIp >= 254 ? 2 : this.nextIp + 1
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

  private syncPod(pod: Pod, now: number): void {
    const runtime = this.runtimeOf(pod)
    const phase = pod.status?.phase
    if (phase !== 'Succeeded' && phase !== 'Failed') {
      if (this.volumesReady(pod, runtime, now)) {
        const restartPolicy = pod.spec.restartPolicy ?? 'Always'
        let initDone = true
        for (const container of pod.spec.initContainers ?? []) {
          const state = runtime.containers.get(`init:${container.name}`)
          if (!state) continue
          this.stepContainer(pod, container, state, restartPolicy, now)
          if (!state.done || state.instances.at(-1)?.exitCode !== 0) {
            initDone = false
            break
          }
        }
        if (initDone) {
          for (const container of pod.spec.containers) {
            const state = runtime.containers.get(container.name)
            if (state) this.stepContainer(pod, container, state, restartPolicy, now)
          }
        }
      }
    }
    const status = this.podStatus(pod, runtime, now)
    if (!deepEqual(status, pod.status)) this.context.store.updateStatus('pods', { ...pod, status })
  }

  /** ConfigMap and Secret volumes must exist before anything starts (FailedMount otherwise). */
  private volumesReady(pod: Pod, runtime: PodRuntime, now: number): boolean {
    const namespace = pod.metadata.namespace
    for (const volume of pod.spec.volumes ?? []) {
      const references: { kind: 'configmap' | 'secret'; name: string }[] = []
      if (volume.configMap?.name && !volume.configMap.optional)
        references.push({ kind: 'configmap', name: volume.configMap.name })
      if (volume.secret?.secretName && !volume.secret.optional)
        references.push({ kind: 'secret', name: volume.secret.secretName })
      for (const source of volume.projected?.sources ?? []) {
        if (source.configMap?.name && !source.configMap.optional)
          references.push({ kind: 'configmap', name: source.configMap.name })
        if (source.secret?.name && !source.secret.optional)
          references.push({ kind: 'secret', name: source.secret.name })
      }
      for (const reference of references) {
        const resource = reference.kind === 'configmap' ? 'configmaps' : 'secrets'
        if (this.context.store.get(resource, namespace, reference.name)) continue
        if (runtime.nextMountEventAt === undefined || now >= runtime.nextMountEventAt) {
          this.context.events.record(
            pod,
            this.source,
            'Warning',
            'FailedMount',
            `MountVolume.SetUp failed for volume "${volume.name}" : ${reference.kind} "${reference.name}" not found`
          )
          runtime.nextMountEventAt = now + this.context.ms(RESYNC_SECONDS)
        }
        this.context.wakeAt(runtime.nextMountEventAt)
        return false
      }
    }
    return true
  }

  private record(
    pod: Pod,
    container: Container,
    state: ContainerRuntime,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string
  ): void {
    this.context.events.record(pod, this.source, type, reason, message, {
      fieldPath: containerFieldPath(container, state.isInit)
    })
  }

  /** Advances one container's state machine to `now`; loops because one step can enable the next. */
  private stepContainer(
    pod: Pod,
    container: Container,
    state: ContainerRuntime,
    restartPolicy: string,
    now: number
  ): void {
    const behaviour = behaviourOf(container, restartPolicy, state.isInit)
    for (let guard = 0; guard < 4; guard++) {
      if (state.done) return
      if (state.state === 'running') {
        if (state.exitAt !== undefined && now >= state.exitAt) {
          this.terminate(state, behaviour.exitCode ?? 0, state.exitAt, behaviour.exitReason)
          continue
        }
        if (state.exitAt !== undefined) this.context.wakeAt(state.exitAt)
        if (this.liveness(pod, container, state, now)) continue
        this.probe(pod, container, state, behaviour, now)
        return
      }
      if (state.state === 'exited') {
        const last = state.instances.at(-1)
        const exitCode = last?.exitCode ?? 0
        const restart = state.isInit
          ? exitCode !== 0 && restartPolicy !== 'Never'
          : restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && exitCode !== 0)
        if (!restart) {
          state.done = true
          return
        }
        const finishedAt = last?.finishedAt ?? now
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
              container,
              state,
              'Warning',
              'BackOff',
              `Back-off restarting failed container ${container.name} in pod ${pod.metadata.name}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`
            )
          }
          this.context.wakeAt(finishedAt + this.context.ms(seconds))
          return
        }
        state.crashBackoff = nextBackoff(state.crashBackoff, now)
        state.state = 'waiting'
        state.imageReady = false
        state.restartCount += 1
        continue
      }
      // waiting: get the image, check the configuration, start.
      if (
        state.waiting.reason === 'CreateContainerConfigError' &&
        state.retryAt !== undefined &&
        now >= state.retryAt
      ) {
        // The kubelet's next attempt goes through the image step again ("already present on machine").
        state.imageReady = false
      }
      if (!state.imageReady && !this.ensureImage(pod, container, state, now)) return
      const configError = this.configError(pod, container)
      if (configError) {
        state.waiting = { reason: 'CreateContainerConfigError', message: configError }
        if (state.retryAt === undefined || now >= state.retryAt) {
          this.record(pod, container, state, 'Warning', 'Failed', `Error: ${configError}`)
          state.retryAt = now + this.context.ms(RESYNC_SECONDS)
        }
        this.context.wakeAt(state.retryAt)
        return
      }
      this.start(pod, container, state, behaviour, now)
      return
    }
  }

  /** true when the image is there; otherwise sets the waiting reason and the wake-up. */
  private ensureImage(pod: Pod, container: Container, state: ContainerRuntime, now: number): boolean {
    const image = container.image ?? ''
    const reference = parseImageReference(image)
    if (!reference) {
      const message = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`
      state.waiting = { reason: 'InvalidImageName', message }
      if (state.retryAt === undefined || now >= state.retryAt) {
        this.record(pod, container, state, 'Warning', 'InspectFailed', message)
        this.record(pod, container, state, 'Warning', 'Failed', 'Error: InvalidImageName')
        state.retryAt = now + this.context.ms(RESYNC_SECONDS)
      }
      this.context.wakeAt(state.retryAt)
      return false
    }
    const full = fullReference(reference)
    const policy = container.imagePullPolicy ?? 'IfNotPresent'
    const present = this.presentImages.has(full)
    if (policy === 'Never' && !present) {
      const message = `Container image "${image}" is not present with pull policy of Never`
      state.waiting = { reason: 'ErrImageNeverPull', message }
      if (state.retryAt === undefined || now >= state.retryAt) {
        this.record(pod, container, state, 'Warning', 'ErrImageNeverPull', message)
        state.retryAt = now + this.context.ms(RESYNC_SECONDS)
      }
      this.context.wakeAt(state.retryAt)
      return false
    }
    if (present && policy !== 'Always' && state.pullStartedAt === undefined) {
      this.record(
        pod,
        container,
        state,
        'Normal',
        'Pulled',
        `Container image "${image}" already present on machine`
      )
      this.imageReady(state, reference.domain, reference.path, full)
      return true
    }
    if (state.pullBackoffUntil !== undefined && now < state.pullBackoffUntil) {
      if (state.errImagePullUntil !== undefined && now < state.errImagePullUntil) {
        this.context.wakeAt(state.errImagePullUntil)
      } else if (state.waiting.reason !== 'ImagePullBackOff') {
        state.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` }
        this.record(pod, container, state, 'Normal', 'BackOff', `Back-off pulling image "${image}"`)
        this.record(pod, container, state, 'Warning', 'Failed', 'Error: ImagePullBackOff')
      }
      this.context.wakeAt(state.pullBackoffUntil)
      return false
    }
    if (state.pullStartedAt === undefined) {
      state.pullStartedAt = now
      this.record(pod, container, state, 'Normal', 'Pulling', `Pulling image "${image}"`)
    }
    const pulledAt = state.pullStartedAt + this.context.ms(PULL_SECONDS)
    if (now < pulledAt) {
      this.context.wakeAt(pulledAt)
      return false
    }
    state.pullStartedAt = undefined
    if (isUnreachableRegistry(reference)) {
      const error = pullError(reference)
      state.pullFailures += 1
      const backoff = Math.min(BACKOFF_INITIAL_SECONDS * 2 ** (state.pullFailures - 1), BACKOFF_MAX_SECONDS)
      state.pullBackoffUntil = now + this.context.ms(backoff)
      state.errImagePullUntil = now + this.context.ms(Math.min(ERR_IMAGE_PULL_SECONDS, backoff))
      state.waiting = { reason: 'ErrImagePull', message: error }
      this.record(pod, container, state, 'Warning', 'Failed', `Failed to pull image "${image}": ${error}`)
      this.record(pod, container, state, 'Warning', 'Failed', 'Error: ErrImagePull')
      this.context.wakeAt(state.errImagePullUntil)
      return false
    }
    this.presentImages.add(full)
    state.pullFailures = 0
    state.pullBackoffUntil = undefined
    state.errImagePullUntil = undefined
    const size = 10_000_000 + (parseInt(imageDigest(full).slice(0, 6), 16) % 80_000_000)
    const took = goDuration(PULL_SECONDS)
    this.record(
      pod,
      container,
      state,
      'Normal',
      'Pulled',
      `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${size} bytes.`
    )
    this.imageReady(state, reference.domain, reference.path, full)
    return true
  }

  private imageReady(state: ContainerRuntime, domain: string, path: string, full: string): void {
    state.imageReady = true
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
    state.retryAt = undefined
    state.readyAt = now + this.context.ms(behaviour.readyAfterSeconds)
    state.exitAt = behaviour.exitCode === undefined ? undefined : now + this.context.ms(behaviour.runSeconds)
    state.nextProbeEventAt = undefined
    state.livenessFailures = 0
    state.nextLivenessAt =
      behaviour.livenessFailAfterSeconds === undefined || state.isInit
        ? undefined
        : now + this.context.ms(Math.max(0, behaviour.livenessFailAfterSeconds))
    if (state.nextLivenessAt !== undefined) this.context.wakeAt(state.nextLivenessAt)
    this.record(pod, container, state, 'Normal', 'Created', `Created container: ${container.name}`)
    this.record(pod, container, state, 'Normal', 'Started', `Started container ${container.name}`)
    if (state.exitAt !== undefined) this.context.wakeAt(state.exitAt)
    if (!behaviour.neverReady && behaviour.readyAfterSeconds > 0) this.context.wakeAt(state.readyAt)
    if (behaviour.neverReady) this.probe(pod, container, state, behaviour, now)
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
   * A failing liveness probe: Unhealthy every periodSeconds, and after failureThreshold failures the kubelet
   * kills the container (exit 137) to restart it. Returns true when it killed.
   */
  private liveness(pod: Pod, container: Container, state: ContainerRuntime, now: number): boolean {
    if (state.nextLivenessAt === undefined) return false
    if (now < state.nextLivenessAt) {
      this.context.wakeAt(state.nextLivenessAt)
      return false
    }
    const probe = container.livenessProbe
    this.record(
      pod,
      container,
      state,
      'Warning',
      'Unhealthy',
      `Liveness probe failed: ${this.probeFailure(pod, probe)}`
    )
    state.livenessFailures += 1
    if (state.livenessFailures >= (probe?.failureThreshold ?? 3)) {
      this.record(
        pod,
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
    container: Container,
    state: ContainerRuntime,
    behaviour: Behaviour,
    now: number
  ): void {
    if (state.isInit) return
    if (!behaviour.neverReady) {
      if (state.readyAt !== undefined && now < state.readyAt) this.context.wakeAt(state.readyAt)
      return
    }
    if (state.nextProbeEventAt === undefined || now >= state.nextProbeEventAt) {
      this.record(
        pod,
        container,
        state,
        'Warning',
        'Unhealthy',
        `Readiness probe failed: ${this.probeFailure(pod, container.readinessProbe)}`
      )
      const period = container.readinessProbe?.periodSeconds ?? 10
      state.nextProbeEventAt = now + this.context.ms(period)
    }
    this.context.wakeAt(state.nextProbeEventAt)
  }

  private probeFailure(pod: Pod, probe: Probe | undefined): string {
    const ip = this.pods.get(pod.metadata.uid ?? '')?.podIP ?? ''
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
    } else if (state.done && current) {
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

  private podStatus(pod: Pod, runtime: PodRuntime, now: number): PodStatus {
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
    else if (initComplete && states.every(s => s && s.instances.length > 0)) {
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
    const hostIP = this.hostIP
    const status: PodStatus = {
      phase,
      conditions: [
        condition('PodReadyToStartContainers', !finished),
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

  /** The node's InternalIP as registered (whoever registered it), for status.hostIP. */
  private nodeIP(): string {
    const node = this.context.store.get('nodes', undefined, this.context.nodeName)
    const addresses =
      isObject(node?.status) && Array.isArray(node.status.addresses) ? node.status.addresses : []
    for (const address of addresses) {
      if (isObject(address) && address.type === 'InternalIP' && typeof address.address === 'string')
        return address.address
    }
    return NODE_IP
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
