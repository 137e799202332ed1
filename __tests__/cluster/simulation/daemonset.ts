/** daemonset-controller: one pod on the one node, replaced when the template changes. */
import { deepEqual } from '../json.js'
import { guarded, type Controller, type SimContext } from './context.js'
import {
  asWorkload,
  isPodActive,
  isPodAvailable,
  isPodReady,
  omitZero,
  templateHash,
  type Pod,
  type Workload
} from './model.js'
import { allPods, createPod, CreateBackoff, deletePod, podsOwnedBy } from './pods.js'

const COMPONENT = 'daemonset-controller'
const REVISION_LABEL = 'controller-revision-hash'

export class DaemonSetController implements Controller {
  private readonly backoff: CreateBackoff

  constructor(private readonly context: SimContext) {
    this.backoff = new CreateBackoff(context)
  }

  sync(now: number): void {
    const pods = allPods(this.context)
    for (const object of this.context.store.list('daemonsets')) {
      const set = asWorkload(object)
      if (!set || set.metadata.deletionTimestamp) continue
      guarded(`daemonset ${set.metadata.name}`, () => this.syncSet(set, podsOwnedBy(pods, set), now))
    }
  }

  private syncSet(set: Workload, owned: Pod[], now: number): void {
    const hash = templateHash(set.spec.template)
    const active = owned.filter(isPodActive)
    const [keep, ...extra] = [...active].sort(
      (a, b) =>
        Number(b.metadata.labels?.[REVISION_LABEL] === hash) -
        Number(a.metadata.labels?.[REVISION_LABEL] === hash)
    )
    const changed = extra.length > 0 || !keep || keep.metadata.labels?.[REVISION_LABEL] !== hash
    for (const pod of extra) deletePod(this.context, set, pod, COMPONENT, `Deleted pod: ${pod.metadata.name}`)
    if (keep && keep.metadata.labels?.[REVISION_LABEL] !== hash) {
      // RollingUpdate with maxUnavailable 1 on one node: take the old pod down, the next pass creates the new one.
      deletePod(this.context, set, keep, COMPONENT, `Deleted pod: ${keep.metadata.name}`)
    } else if (!keep && this.backoff.mayCreate(set, now)) {
      const result = createPod(
        this.context,
        set,
        set.spec.template,
        {
          labels: { [REVISION_LABEL]: hash, 'pod-template-generation': String(set.metadata.generation ?? 1) },
          spec: {
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: {
                  nodeSelectorTerms: [
                    {
                      matchFields: [{ key: 'metadata.name', operator: 'In', values: [this.context.nodeName] }]
                    }
                  ]
                }
              }
            }
          }
        },
        COMPONENT,
        { created: pod => `Created pod: ${pod}`, failed: error => `Error creating: ${error}` }
      )
      if (result.error) this.backoff.failed(set, now)
      else this.backoff.succeeded(set)
    }
    this.writeStatus(set, hash, changed ? undefined : active, now)
  }

  private writeStatus(set: Workload, hash: string, active: Pod[] | undefined, now: number): void {
    const fresh = this.context.store.get('daemonsets', set.metadata.namespace, set.metadata.name)
    const current = fresh && asWorkload(fresh)
    if (!current) return
    const pods =
      active ?? podsOwnedBy(allPods(this.context, set.metadata.namespace), current).filter(isPodActive)
    const scheduled = pods.filter(p => p.spec.nodeName === this.context.nodeName)
    const minReadyMs = this.context.ms(current.spec.minReadySeconds ?? 0)
    const available = scheduled.filter(p => isPodAvailable(p, minReadyMs, now)).length
    const status: Record<string, unknown> = {
      currentNumberScheduled: scheduled.length,
      desiredNumberScheduled: 1,
      numberMisscheduled: 0,
      numberReady: scheduled.filter(isPodReady).length,
      observedGeneration: current.metadata.generation ?? 1,
      ...omitZero({
        updatedNumberScheduled: scheduled.filter(p => p.metadata.labels?.[REVISION_LABEL] === hash).length,
        numberAvailable: available,
        numberUnavailable: 1 - available
      })
    }
    if (deepEqual(status, current.status)) return
    this.context.store.updateStatus('daemonsets', { ...current, status })
  }
}
