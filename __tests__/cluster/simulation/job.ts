/**
 * job-controller: runs pods to completion, counts failures against backoffLimit, sets Complete / Failed.
 *
 * As pkg/controller/job/job_controller.go with JobPodReplacementPolicy and JobManagedBy on (1.35): a Job that
 * failed gets the interim `FailureTarget` condition first, its active pods are deleted, and `Failed` follows
 * only once no pod is terminating any more; success goes `SuccessCriteriaMet`, then `Complete`. Succeeded
 * and failed pods are counted once each (by uid), a pod being deleted counts as failed, and `terminating`
 * reports pods being deleted.
 */
import { deepEqual, timestamp } from '../json.js'
import { guarded, type Controller, type SimContext } from './context.js'
import {
  asWorkload,
  conditionOf,
  isPodReady,
  isPodTerminal,
  omitZero,
  type Condition,
  type Pod,
  type Workload
} from './model.js'
import { allPods, createPod, CreateBackoff, deletePod, podsOwnedBy } from './pods.js'

const COMPONENT = 'job-controller'
/** Pod re-creation back-off after failures (backoff_utils.go): 10 s doubling, capped at 10 minutes. */
export const POD_BACKOFF_SECONDS = 10
export const POD_BACKOFF_MAX_SECONDS = 600

/** The delay before the next pod after `failures` failures in a row (DefaultJobPodFailureBackOff doubling). */
export function podFailureBackoffSeconds(failures: number): number {
  if (failures <= 0) return 0
  return Math.min(POD_BACKOFF_SECONDS * 2 ** (failures - 1), POD_BACKOFF_MAX_SECONDS)
}

function finishedAt(pod: Pod): number {
  let latest = 0
  for (const status of pod.status?.containerStatuses ?? []) {
    const at = status.state.terminated?.finishedAt
    if (at) latest = Math.max(latest, Date.parse(at))
  }
  return latest
}

function numberField(spec: Record<string, unknown>, key: string, fallback: number): number {
  const value = spec[key]
  return typeof value === 'number' ? value : fallback
}

/** A pod being deleted (and not terminal): CountTerminatingPods. */
function isTerminating(pod: Pod): boolean {
  return pod.metadata.deletionTimestamp !== undefined && !isPodTerminal(pod)
}

interface Finish {
  type: 'FailureTarget' | 'Failed' | 'SuccessCriteriaMet' | 'Complete'
  reason: string
  message: string
}

/** Pods counted so far (the job-tracking finalizer's bookkeeping): each uid once. */
interface Counted {
  succeeded: Set<string>
  failed: Set<string>
}

export class JobController implements Controller {
  readonly inputs = ['jobs', 'pods'] as const
  private readonly backoff: CreateBackoff
  /** Real time of the last pod failure per job: status timestamps only have whole seconds. */
  private readonly lastFailure = new Map<string, { failed: number; at: number }>()
  /** Real time each job was first seen, for activeDeadlineSeconds (startTime has whole seconds only). */
  private readonly started = new Map<string, number>()
  private readonly counted = new Map<string, Counted>()

  constructor(private readonly context: SimContext) {
    this.backoff = new CreateBackoff(context)
  }

  sync(now: number): void {
    const pods = allPods(this.context)
    const seen = new Set<string>()
    for (const object of this.context.store.list('jobs')) {
      const job = asWorkload(object)
      if (!job || job.metadata.deletionTimestamp) continue
      seen.add(job.metadata.uid ?? '')
      guarded(`job ${job.metadata.name}`, () => this.syncJob(job, podsOwnedBy(pods, job), now))
    }
    for (const uid of this.counted.keys()) {
      if (seen.has(uid)) continue
      this.counted.delete(uid)
      this.lastFailure.delete(uid)
      this.started.delete(uid)
    }
  }

  private syncJob(job: Workload, owned: Pod[], now: number): void {
    const status = job.status ?? {}
    const conditions = (status.conditions ?? []) as Condition[]
    const finished = ['Complete', 'Failed'].some(type => conditionOf(conditions, type)?.status === 'True')
    if (finished) {
      this.expire(job, now)
      return
    }
    const spec = job.spec as Record<string, unknown>
    const uid = job.metadata.uid ?? ''
    const completions = numberField(spec, 'completions', 1)
    const parallelism = numberField(spec, 'parallelism', 1)
    const backoffLimit = numberField(spec, 'backoffLimit', 6)
    // With a podFailurePolicy only Failed pods are replaced; otherwise a pod being deleted counts as failed.
    const onlyFailed = spec.podFailurePolicy !== undefined || spec.podReplacementPolicy === 'Failed'
    const isFailed = (pod: Pod): boolean =>
      pod.status?.phase === 'Failed' ||
      (!onlyFailed && pod.metadata.deletionTimestamp !== undefined && pod.status?.phase !== 'Succeeded')
    let counted = this.counted.get(uid)
    if (!counted) {
      counted = { succeeded: new Set(), failed: new Set() }
      this.counted.set(uid, counted)
    }
    const baseFailed = typeof status.failed === 'number' ? status.failed : 0
    const baseSucceeded = typeof status.succeeded === 'number' ? status.succeeded : 0
    // A restarted simulation (or a status written by someone else) keeps the counts it finds.
    if (counted.failed.size === 0 && baseFailed > 0)
      for (let i = 0; i < baseFailed; i++) counted.failed.add(`counted-${i}`)
    if (counted.succeeded.size === 0 && baseSucceeded > 0)
      for (let i = 0; i < baseSucceeded; i++) counted.succeeded.add(`counted-${i}`)
    for (const pod of owned) {
      const podUid = pod.metadata.uid ?? pod.metadata.name
      if (pod.status?.phase === 'Succeeded' && !counted.failed.has(podUid)) counted.succeeded.add(podUid)
      else if (isFailed(pod)) counted.failed.add(podUid)
    }
    let active = owned.filter(p => !isPodTerminal(p) && !p.metadata.deletionTimestamp)
    let terminating = owned.filter(isTerminating).length
    const stamp = timestamp(new Date(now))
    if (!this.started.has(uid)) this.started.set(uid, now)
    const failedCount = (): number => counted.failed.size
    const failed = failedCount()
    if (failed > 0) {
      const known = this.lastFailure.get(uid)
      if (!known || known.failed !== failed) this.lastFailure.set(uid, { failed, at: now })
    }
    const activeDeadline =
      typeof spec.activeDeadlineSeconds === 'number' ? spec.activeDeadlineSeconds : undefined
    const deadlineAt =
      activeDeadline === undefined
        ? undefined
        : (this.started.get(uid) ?? now) + this.context.ms(activeDeadline)

    let finish: Finish | undefined
    const target = conditionOf(conditions, 'FailureTarget')
    const criteriaMet = conditionOf(conditions, 'SuccessCriteriaMet')
    if (criteriaMet?.status === 'True') {
      finish = { type: 'Complete', reason: criteriaMet.reason ?? '', message: criteriaMet.message ?? '' }
    } else if (target?.status === 'True') {
      finish = { type: 'Failed', reason: target.reason ?? '', message: target.message ?? '' }
    } else if (failed > backoffLimit || this.pastBackoffLimitOnFailure(job, owned, backoffLimit)) {
      finish = {
        type: 'FailureTarget',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit'
      }
    } else if (deadlineAt !== undefined && now >= deadlineAt) {
      finish = {
        type: 'FailureTarget',
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline'
      }
    } else if (deadlineAt !== undefined) this.context.wakeAt(deadlineAt)

    let created = 0
    if (finish && finish.type !== 'Complete') {
      // A failed Job: its active pods are deleted, and every pod that had not finished counts as failed.
      for (const pod of active) {
        deletePod(this.context, job, pod, COMPONENT, `Deleted pod: ${pod.metadata.name}`)
        counted.failed.add(pod.metadata.uid ?? pod.metadata.name)
      }
      terminating += active.filter(p => p.spec.nodeName).length
      active = []
    } else if (!finish) {
      const succeeded = counted.succeeded.size
      if (succeeded >= completions && active.length === 0) {
        finish = {
          type: 'SuccessCriteriaMet',
          reason: 'CompletionsReached',
          message: 'Reached expected number of succeeded pods'
        }
      } else {
        created = this.manage(job, active.length, Math.min(parallelism, completions - succeeded), now)
      }
    }
    let nextConditions = conditions
    if (finish?.type === 'FailureTarget' || finish?.type === 'SuccessCriteriaMet') {
      nextConditions = [...conditions, this.condition(finish.type, finish.reason, finish.message, stamp)]
      finish = { ...finish, type: finish.type === 'FailureTarget' ? 'Failed' : 'Complete' }
    }
    const next: Record<string, unknown> = {
      startTime: typeof status.startTime === 'string' ? status.startTime : stamp,
      ...omitZero({
        active: active.length + created,
        failed: failedCount(),
        succeeded: counted.succeeded.size
      }),
      ready: active.filter(isPodReady).length,
      terminating,
      uncountedTerminatedPods: {}
    }
    // enactJobFinished: the terminal condition waits until no pod is terminating.
    if (finish && terminating === 0) {
      nextConditions = [...nextConditions, this.condition(finish.type, finish.reason, finish.message, stamp)]
      if (finish.type === 'Complete') next.completionTime = stamp
      this.write(job, { ...next, conditions: nextConditions })
      if (finish.type === 'Complete')
        this.context.events.record(job, { component: COMPONENT }, 'Normal', 'Completed', 'Job completed')
      else this.context.events.record(job, { component: COMPONENT }, 'Warning', finish.reason, finish.message)
      return
    }
    this.write(job, { ...next, ...(nextConditions.length > 0 ? { conditions: nextConditions } : {}) })
  }

  /** OnFailure pods restart in place: their restarts count against backoffLimit (`restarts >= backoffLimit`). */
  private pastBackoffLimitOnFailure(job: Workload, pods: Pod[], backoffLimit: number): boolean {
    if (job.spec.template.spec.restartPolicy !== 'OnFailure') return false
    let restarts = 0
    for (const pod of pods) {
      const phase = pod.status?.phase
      if (phase !== 'Running' && phase !== 'Pending') continue
      for (const status of [
        ...(pod.status?.initContainerStatuses ?? []),
        ...(pod.status?.containerStatuses ?? [])
      ])
        restarts += status.restartCount
    }
    return backoffLimit === 0 ? restarts > 0 : restarts >= backoffLimit
  }

  /** Creates pods up to `wanted`, after the failure back-off; returns how many it created. */
  private manage(job: Workload, active: number, wanted: number, now: number): number {
    if (active >= wanted || job.spec.suspend === true || !this.backoff.mayCreate(job, now)) return 0
    const uid = job.metadata.uid ?? ''
    const counted = this.counted.get(uid)
    const failed = counted?.failed.size ?? 0
    if (failed > 0) {
      const lastFailure = this.lastFailure.get(uid)
      const lastFinish = podsOwnedBy(allPods(this.context, job.metadata.namespace), job)
        .filter(p => p.status?.phase === 'Failed')
        .reduce((t, p) => Math.max(t, finishedAt(p)), 0)
      const readyAt =
        Math.max(lastFailure?.at ?? 0, lastFinish) + this.context.ms(podFailureBackoffSeconds(failed))
      if (now < readyAt) {
        this.context.wakeAt(readyAt)
        return 0
      }
    }
    let created = 0
    for (let i = active; i < wanted; i++) {
      const result = createPod(this.context, job, job.spec.template, {}, COMPONENT, {
        created: pod => `Created pod: ${pod}`,
        failed: error => `Error creating: ${error}`
      })
      if (result.error) {
        this.backoff.failed(job, now)
        break
      }
      this.backoff.succeeded(job)
      created += 1
    }
    return created
  }

  private condition(type: string, reason: string, message: string, stamp: string): Condition {
    return { type, status: 'True', lastProbeTime: stamp, lastTransitionTime: stamp, reason, message }
  }

  private write(job: Workload, status: Record<string, unknown>): void {
    if (deepEqual(status, job.status)) return
    this.context.store.updateStatus('jobs', { ...job, status })
  }

  /** ttlSecondsAfterFinished: the TTL controller deletes finished jobs (and, by cascade, their pods). */
  private expire(job: Workload, now: number): void {
    const ttl = job.spec.ttlSecondsAfterFinished
    if (typeof ttl !== 'number') return
    const conditions = (job.status?.conditions ?? []) as Condition[]
    const done = conditions.find(c => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')
    const since = Date.parse(done?.lastTransitionTime ?? '')
    if (!Number.isFinite(since)) return
    const due = since + this.context.ms(ttl)
    if (now < due) {
      this.context.wakeAt(due)
      return
    }
    guarded(`expire job ${job.metadata.name}`, () => {
      this.context.store.delete('jobs', job.metadata.namespace, job.metadata.name, 'Background')
    })
  }
}
