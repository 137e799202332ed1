/** replicaset-controller: keeps spec.replicas pods of the template, reports counts, surfaces refused creates. */
import { deepEqual, timestamp } from '../json.js'
import { guarded, type Controller, type SimContext } from './context.js'
import {
  asWorkload,
  conditionOf,
  isPodActive,
  isPodAvailable,
  isPodReady,
  matchesSelector,
  omitZero,
  type Condition,
  type Pod,
  type Workload
} from './model.js'
import { allPods, createPod, CreateBackoff, deletePod, podsOwnedBy } from './pods.js'

const COMPONENT = 'replicaset-controller'

/** Which pods go first when scaling down: unscheduled, then pending, then not ready, then the newest. */
function deletionRank(pod: Pod): number {
  if (!pod.spec.nodeName) return 0
  if (pod.status?.phase === 'Pending') return 1
  if (!isPodReady(pod)) return 2
  return 3
}

export class ReplicaSetController implements Controller {
  readonly inputs = ['replicasets', 'pods'] as const
  private readonly backoff: CreateBackoff

  constructor(private readonly context: SimContext) {
    this.backoff = new CreateBackoff(context)
  }

  sync(now: number): void {
    const pods = allPods(this.context)
    for (const object of this.context.store.list('replicasets')) {
      const rs = asWorkload(object)
      if (!rs || rs.metadata.deletionTimestamp) continue
      guarded(`replicaset ${rs.metadata.name}`, () => this.syncReplicaSet(rs, podsOwnedBy(pods, rs), now))
    }
  }

  private syncReplicaSet(rs: Workload, owned: Pod[], now: number): void {
    const desired = rs.spec.replicas ?? 1
    const active = owned.filter(isPodActive)
    let failure: string | undefined
    let changed = false
    if (active.length < desired && this.backoff.mayCreate(rs, now)) {
      for (let i = active.length; i < desired; i++) {
        const result = createPod(this.context, rs, rs.spec.template, {}, COMPONENT, {
          created: pod => `Created pod: ${pod}`,
          failed: error => `Error creating: ${error}`
        })
        if (result.error) {
          failure = result.error.message
          this.backoff.failed(rs, now)
          break
        }
        changed = true
        this.backoff.succeeded(rs)
      }
    } else if (active.length > desired) {
      const victims = [...active]
        .sort(
          (a, b) =>
            deletionRank(a) - deletionRank(b) ||
            (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
            b.metadata.name.localeCompare(a.metadata.name)
        )
        .slice(0, active.length - desired)
      for (const pod of victims) {
        deletePod(this.context, rs, pod, COMPONENT, `Deleted pod: ${pod.metadata.name}`)
      }
      changed = true
    }
    this.writeStatus(rs, failure, changed ? undefined : active, now)
  }

  /** `active`: the pods seen at the start of the sync, when it changed none (saves re-listing every pod). */
  private writeStatus(
    rs: Workload,
    failure: string | undefined,
    active: Pod[] | undefined,
    now: number
  ): void {
    // Listed at the start of this controller's pass, after the deployment controller's writes: still current.
    const current = rs
    const pods =
      active ?? podsOwnedBy(allPods(this.context, rs.metadata.namespace), current).filter(isPodActive)
    const minReadyMs = this.context.ms(current.spec.minReadySeconds ?? 0)
    const previous = (current.status?.conditions ?? []) as Condition[]
    let conditions = previous.filter(c => c.type !== 'ReplicaFailure')
    const before = conditionOf(previous, 'ReplicaFailure')
    if (failure !== undefined || (before && this.backoff.hasFailed(current))) {
      conditions = [
        ...conditions,
        {
          type: 'ReplicaFailure',
          status: 'True',
          lastTransitionTime: before?.lastTransitionTime ?? timestamp(),
          reason: 'FailedCreate',
          message: failure ?? before?.message ?? ''
        }
      ]
    }
    const status: Record<string, unknown> = {
      replicas: pods.length,
      ...omitZero({
        fullyLabeledReplicas: pods.filter(p =>
          matchesSelector(p.metadata.labels, { matchLabels: current.spec.template.metadata?.labels ?? {} })
        ).length,
        readyReplicas: pods.filter(isPodReady).length,
        availableReplicas: pods.filter(p => isPodAvailable(p, minReadyMs, now)).length
      }),
      observedGeneration: current.metadata.generation ?? 1
    }
    if (conditions.length > 0) status.conditions = conditions
    for (const pod of pods) {
      // Wake when a ready pod becomes available after minReadySeconds.
      const since = conditionOf(pod.status?.conditions, 'Ready')
      if (minReadyMs > 0 && since?.status === 'True' && since.lastTransitionTime) {
        const at = Date.parse(since.lastTransitionTime) + minReadyMs
        if (at > now) this.context.wakeAt(at)
      }
    }
    if (deepEqual(status, current.status)) return
    this.context.store.updateStatus('replicasets', { ...current, status })
  }
}
