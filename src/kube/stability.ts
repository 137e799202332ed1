/**
 * min-ready: after helm's wait, every pod of the new revision must stay Ready, with no container crash or
 * restart, for min-ready since it last started — Kubernetes' minReadySeconds, checked by the action, because a
 * container without a readiness probe is Ready the moment it runs and may crash a second later (helm 4's
 * watcher, and helm 3's poll, then report success). Pure.
 */
import type { PodDiagnosis, Verdict, WorkloadState } from './diagnostics.js'

/**
 * What the watcher saw of each pod's readiness on our own clock, in every phase, so that "Ready since" can be
 * placed between two observations even when the cluster's clock differs from ours.
 */
export interface ReadinessTracker {
  pods: Map<string, PodReadiness>
}

interface PodReadiness {
  /** Restarts of all containers: a new instance starts a new readiness window. */
  instance: number
  lastNotReadyAt?: number
  firstReadyAt?: number
  /** The readiness estimate of the instance before the last restart (epoch ms, our clock). */
  previousReadySince?: number
  /** The same, on the cluster's clock, to compare with the cluster's termination time. */
  readySinceCluster?: number
  previousReadySinceCluster?: number
}

export function newReadinessTracker(): ReadinessTracker {
  return { pods: new Map() }
}

function restarts(pod: PodDiagnosis): number {
  return pod.containers.reduce((n, c) => n + c.restartCount, 0)
}

/** When the pod's current instance became Ready, on the cluster's clock (second precision); NaN when unknown. */
function clusterReadySince(pod: PodDiagnosis): number {
  const times = [pod.readySince, ...pod.containers.map(c => c.startedAt)]
    .map(t => (t === undefined ? NaN : Date.parse(t)))
    .filter(t => !Number.isNaN(t))
  return times.length === 0 ? NaN : Math.max(...times)
}

/** Records one observation (any phase). */
export function trackReadiness(tracker: ReadinessTracker, at: number, pods: readonly PodDiagnosis[]): void {
  for (const pod of pods) {
    const instance = restarts(pod)
    const known = tracker.pods.get(pod.name)
    const entry: PodReadiness = known ?? { instance }
    if (known && known.instance !== instance) {
      entry.previousReadySince = readySince(entry, NaN, at)
      entry.previousReadySinceCluster = entry.readySinceCluster
      entry.instance = instance
      entry.firstReadyAt = undefined
      entry.readySinceCluster = undefined
    }
    if (pod.ready) {
      entry.firstReadyAt ??= at
      const cluster = clusterReadySince(pod)
      if (!Number.isNaN(cluster)) entry.readySinceCluster = cluster
    } else {
      entry.lastNotReadyAt = at
      entry.firstReadyAt = undefined
    }
    tracker.pods.set(pod.name, entry)
  }
}

/**
 * Our best estimate of when the current instance became Ready, on our clock: the cluster's own time, but never
 * before we last saw it not Ready, and never after we first saw it Ready.
 */
function readySince(entry: PodReadiness, cluster: number, at: number): number {
  const upper = entry.firstReadyAt ?? at
  const lower = entry.lastNotReadyAt ?? Number.NEGATIVE_INFINITY
  const estimate = Number.isNaN(cluster) ? upper : Math.min(cluster, upper)
  return Math.max(lower, estimate)
}

export interface StabilityInput {
  at: number
  /** The new revision's pods that are not terminating (Job pods excluded: a Job's own conditions judge it). */
  pods: readonly PodDiagnosis[]
  workloads: readonly WorkloadState[]
}

/** Established at the first observation after helm's wait. */
export interface StabilityMemory {
  startedAt: number
  restarts: Map<string, number>
  readySeen: Set<string>
}

export function newStabilityMemory(startedAt: number): StabilityMemory {
  return { startedAt, restarts: new Map(), readySeen: new Set() }
}

export type StabilityState =
  | { state: 'stable'; pods: number }
  | { state: 'unstable'; verdict: Verdict }
  | { state: 'pending'; settled: number; pods: number; waitMs: number }

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(1)} s`
}

function unstable(at: number, message: string, pod?: string): StabilityState {
  return {
    state: 'unstable',
    verdict: {
      rule: 'unstable',
      message,
      at,
      phase: 'verify',
      ...(pod ? { pod, revision: 'new' as const } : {})
    }
  }
}

export function evaluateStability(
  input: StabilityInput,
  memory: StabilityMemory,
  tracker: ReadinessTracker,
  minReadyMs: number
): StabilityState {
  for (const job of input.workloads) {
    if (job.kind === 'Job' && job.failure) {
      return unstable(
        input.at,
        `Job ${job.name} failed after helm's wait (${job.failure.reason}: ${job.failure.message})`
      )
    }
  }
  let settled = 0
  let waitMs = 0
  for (const pod of input.pods) {
    for (const c of pod.containers) {
      const key = `${pod.name}/${c.name}`
      const baseline = memory.restarts.get(key)
      if (baseline === undefined) memory.restarts.set(key, c.restartCount)
      const crashedNow =
        c.reason === 'CrashLoopBackOff' || (c.state === 'terminated' && (c.exitCode ?? 0) !== 0)
      if (crashedNow || (baseline !== undefined && c.restartCount > baseline)) {
        return unstable(input.at, crashMessage(pod, c, tracker), pod.name)
      }
    }
    const entry = tracker.pods.get(pod.name)
    if (pod.ready) memory.readySeen.add(pod.name)
    else if (memory.readySeen.has(pod.name)) {
      const why = pod.conditions.find(c => c.startsWith('Ready=')) ?? 'Ready=False'
      return unstable(input.at, `pod ${pod.name} stopped being Ready after helm's wait (${why})`, pod.name)
    }
    if (!pod.ready || !entry) {
      waitMs = Math.max(waitMs, 1000)
      continue
    }
    const age = input.at - readySince(entry, clusterReadySince(pod), input.at)
    if (age >= minReadyMs) settled++
    else waitMs = Math.max(waitMs, minReadyMs - age)
  }
  if (settled === input.pods.length) return { state: 'stable', pods: settled }
  return { state: 'pending', settled, pods: input.pods.length, waitMs }
}

function crashMessage(
  pod: PodDiagnosis,
  c: PodDiagnosis['containers'][number],
  tracker: ReadinessTracker
): string {
  const last = c.lastTermination
  const code = c.state === 'terminated' ? c.exitCode : last?.exitCode
  const reason = (c.state === 'terminated' ? c.reason : last?.reason) ?? ''
  const exit =
    code === undefined
      ? 'crashed'
      : `exited with code ${code}${reason && reason !== 'Error' ? ` (${reason})` : ''}`
  const entry = tracker.pods.get(pod.name)
  const finished = Date.parse(last?.finishedAt ?? '')
  const readyAt = entry?.previousReadySinceCluster ?? entry?.readySinceCluster
  const after =
    readyAt !== undefined && !Number.isNaN(finished) && finished >= readyAt
      ? `, ${seconds(finished - readyAt)} after it became Ready`
      : ''
  const count = c.restartCount > 0 ? ` (${c.restartCount} restart${c.restartCount === 1 ? '' : 's'})` : ''
  return `container ${c.name} in pod ${pod.name} ${exit}${after}${count}`
}
