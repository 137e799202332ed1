/** job-controller: runs pods to completion, counts failures against backoffLimit, sets Complete / Failed. */
import { deepEqual, timestamp } from '../json.js'
import { guarded, type Controller, type SimContext } from './context.js'
import {
  asWorkload,
  conditionOf,
  isPodActive,
  isPodReady,
  omitZero,
  type Condition,
  type Pod,
  type Workload
} from './model.js'
import { allPods, createPod, CreateBackoff, deletePod, podsOwnedBy } from './pods.js'

const COMPONENT = 'job-controller'
/** Pod re-creation back-off after failures: 10 s doubling, capped at 6 minutes. */
const POD_BACKOFF_SECONDS = 10
const POD_BACKOFF_MAX_SECONDS = 360

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

export class JobController implements Controller {
  private readonly backoff: CreateBackoff
  /** Real time of the last pod failure per job: status timestamps only have whole seconds. */
  private readonly lastFailure = new Map<string, { failed: number; at: number }>()
  /** Real time each job was first seen, for activeDeadlineSeconds (startTime has whole seconds only). */
  private readonly started = new Map<string, number>()

  constructor(private readonly context: SimContext) {
    this.backoff = new CreateBackoff(context)
  }

  sync(now: number): void {
    const pods = allPods(this.context)
    for (const object of this.context.store.list('jobs')) {
      const job = asWorkload(object)
      if (!job || job.metadata.deletionTimestamp) continue
      guarded(`job ${job.metadata.name}`, () => this.syncJob(job, podsOwnedBy(pods, job), now))
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
    const completions = numberField(spec, 'completions', 1)
    const parallelism = numberField(spec, 'parallelism', 1)
    const backoffLimit = numberField(spec, 'backoffLimit', 6)
    const active = owned.filter(isPodActive)
    const succeeded = owned.filter(p => p.status?.phase === 'Succeeded').length
    const failedPods = owned.filter(p => p.status?.phase === 'Failed')
    const restarts =
      job.spec.template.spec.restartPolicy === 'OnFailure'
        ? active.reduce(
            (sum, p) => sum + (p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0),
            0
          )
        : 0
    const failed = failedPods.length
    const stamp = timestamp(new Date(now))
    const newStatus: Record<string, unknown> = {
      startTime: typeof status.startTime === 'string' ? status.startTime : stamp
    }
    let nextConditions = conditions
    const uid = job.metadata.uid ?? ''
    if (failed > 0) {
      const known = this.lastFailure.get(uid)
      if (!known || known.failed !== failed) this.lastFailure.set(uid, { failed, at: now })
    }
    if (!this.started.has(uid)) this.started.set(uid, now)
    const activeDeadline =
      typeof spec.activeDeadlineSeconds === 'number' ? spec.activeDeadlineSeconds : undefined
    const deadlineAt =
      activeDeadline === undefined
        ? undefined
        : (this.started.get(uid) ?? now) + this.context.ms(activeDeadline)
    const failure =
      failed + restarts > backoffLimit
        ? { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
        : deadlineAt !== undefined && now >= deadlineAt
          ? { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' }
          : undefined
    if (deadlineAt !== undefined && !failure) this.context.wakeAt(deadlineAt)
    if (failure) {
      for (const pod of active) {
        deletePod(this.context, job, pod, COMPONENT, `Deleted pod: ${pod.metadata.name}`)
      }
      nextConditions = [
        ...conditions,
        this.condition('FailureTarget', failure.reason, failure.message, stamp),
        this.condition('Failed', failure.reason, failure.message, stamp)
      ]
      this.context.events.record(job, { component: COMPONENT }, 'Warning', failure.reason, failure.message)
      this.write(job, {
        ...newStatus,
        ...omitZero({
          failed: failed + (failure.reason === 'DeadlineExceeded' ? active.length : 0),
          succeeded
        }),
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
        conditions: nextConditions
      })
      return
    }
    if (succeeded >= completions) {
      const message = 'Reached expected number of succeeded pods'
      nextConditions = [
        ...conditions,
        this.condition('SuccessCriteriaMet', 'CompletionsReached', message, stamp),
        this.condition('Complete', 'CompletionsReached', message, stamp)
      ]
      this.context.events.record(job, { component: COMPONENT }, 'Normal', 'Completed', 'Job completed')
      this.write(job, {
        ...newStatus,
        ...omitZero({ failed, succeeded }),
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
        completionTime: stamp,
        conditions: nextConditions
      })
      return
    }
    const wanted = Math.min(parallelism, completions - succeeded)
    let created = 0
    if (active.length < wanted && job.spec.suspend !== true && this.backoff.mayCreate(job, now)) {
      const lastFailure = this.lastFailure.get(uid)
      const delay =
        failed > 0 ? Math.min(POD_BACKOFF_SECONDS * 2 ** (failed - 1), POD_BACKOFF_MAX_SECONDS) : 0
      const readyAt =
        Math.max(
          lastFailure?.at ?? 0,
          failedPods.reduce((t, p) => Math.max(t, finishedAt(p)), 0)
        ) + this.context.ms(delay)
      if (failed > 0 && now < readyAt) {
        this.context.wakeAt(readyAt)
      } else {
        for (let i = active.length; i < wanted; i++) {
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
      }
    }
    this.write(job, {
      ...newStatus,
      ...omitZero({ active: active.length + created, failed, succeeded }),
      ready: active.filter(isPodReady).length,
      terminating: 0,
      uncountedTerminatedPods: {},
      ...(conditions.length > 0 ? { conditions } : {})
    })
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
