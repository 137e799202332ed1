/** daemonset-controller: one pod per node that matches, pinned there by node affinity, replaced when the template changes. */
import { deepEqual } from '../json.js'
import { guarded, type Controller, type SimContext } from './context.js'
import {
  asWorkload,
  isPodActive,
  isPodAvailable,
  isPodReady,
  isPodTerminal,
  omitZero,
  templateHash,
  type Pod,
  type Workload
} from './model.js'
import { allPods, createPod, CreateBackoff, deletePod, podsOwnedBy } from './pods.js'
import { matchesNodeAffinity, nodeInfo, type NodeInfo } from './scheduler.js'

const COMPONENT = 'daemonset-controller'
const REVISION_LABEL = 'controller-revision-hash'

/** The node a daemon pod is pinned to (its matchFields metadata.name term). */
function pinnedNode(pod: Pod): string | undefined {
  if (pod.spec.nodeName) return pod.spec.nodeName
  const affinity = pod.spec.affinity as
    | {
        nodeAffinity?: {
          requiredDuringSchedulingIgnoredDuringExecution?: {
            nodeSelectorTerms?: { matchFields?: { key?: string; values?: string[] }[] }[]
          }
        }
      }
    | undefined
  const terms = affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
  return terms?.[0]?.matchFields?.find(f => f.key === 'metadata.name')?.values?.[0]
}

export class DaemonSetController implements Controller {
  readonly inputs = ['daemonsets', 'pods', 'nodes'] as const
  private readonly backoff: CreateBackoff

  constructor(private readonly context: SimContext) {
    this.backoff = new CreateBackoff(context)
  }

  sync(now: number): void {
    const pods = allPods(this.context)
    const nodes = this.context.store.list('nodes').map(nodeInfo)
    for (const object of this.context.store.list('daemonsets')) {
      const set = asWorkload(object)
      if (!set || set.metadata.deletionTimestamp) continue
      guarded(`daemonset ${set.metadata.name}`, () => this.syncSet(set, podsOwnedBy(pods, set), nodes, now))
    }
  }

  /** Nodes the daemon should run on: its nodeSelector / affinity (nodeShouldRunDaemonPod, taints aside). */
  private nodesFor(set: Workload, nodes: NodeInfo[]): NodeInfo[] {
    const template = { ...set, spec: set.spec.template.spec } as unknown as Pod
    return nodes.filter(node => matchesNodeAffinity(template, node))
  }

  private syncSet(set: Workload, owned: Pod[], nodes: NodeInfo[], now: number): void {
    const hash = templateHash(set.spec.template)
    const wanted = this.nodesFor(set, nodes)
    let changed = false
    for (const node of wanted) {
      const here = owned.filter(p => pinnedNode(p) === node.name)
      // A failed daemon pod is deleted and replaced.
      for (const pod of here.filter(p => isPodTerminal(p) && !p.metadata.deletionTimestamp))
        deletePod(this.context, set, pod, COMPONENT, `Deleted pod: ${pod.metadata.name}`)
      const active = here.filter(isPodActive)
      const waiting = here.some(p => p.metadata.deletionTimestamp && !isPodTerminal(p))
      const [keep, ...extra] = [...active].sort(
        (a, b) =>
          Number(b.metadata.labels?.[REVISION_LABEL] === hash) -
          Number(a.metadata.labels?.[REVISION_LABEL] === hash)
      )
      for (const pod of extra) {
        deletePod(this.context, set, pod, COMPONENT, `Deleted pod: ${pod.metadata.name}`)
        changed = true
      }
      if (keep && keep.metadata.labels?.[REVISION_LABEL] !== hash) {
        // RollingUpdate with maxUnavailable 1: take the old pod down; the new one follows once it is gone.
        deletePod(this.context, set, keep, COMPONENT, `Deleted pod: ${keep.metadata.name}`)
        changed = true
      } else if (!keep && !waiting && this.backoff.mayCreate(set, now)) {
        this.createOn(set, node.name, hash)
        changed = true
      }
    }
    for (const pod of owned.filter(isPodActive)) {
      const node = pinnedNode(pod)
      if (node !== undefined && !wanted.some(n => n.name === node)) {
        deletePod(this.context, set, pod, COMPONENT, `Deleted pod: ${pod.metadata.name}`)
        changed = true
      }
    }
    this.writeStatus(set, hash, wanted, changed ? undefined : owned.filter(isPodActive), now)
  }

  private createOn(set: Workload, node: string, hash: string): void {
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
                  { matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }
                ]
              }
            }
          }
        }
      },
      COMPONENT,
      { created: pod => `Created pod: ${pod}`, failed: error => `Error creating: ${error}` }
    )
    if (result.error) this.backoff.failed(set, Date.now())
    else this.backoff.succeeded(set)
  }

  private writeStatus(
    set: Workload,
    hash: string,
    wanted: NodeInfo[],
    active: Pod[] | undefined,
    now: number
  ): void {
    const fresh = this.context.store.get('daemonsets', set.metadata.namespace, set.metadata.name)
    const current = fresh && asWorkload(fresh)
    if (!current) return
    const pods =
      active ?? podsOwnedBy(allPods(this.context, set.metadata.namespace), current).filter(isPodActive)
    const names = new Set(wanted.map(n => n.name))
    const scheduled = pods.filter(p => p.spec.nodeName !== undefined && names.has(p.spec.nodeName))
    const minReadyMs = this.context.ms(current.spec.minReadySeconds ?? 0)
    const available = scheduled.filter(p => isPodAvailable(p, minReadyMs, now)).length
    const status: Record<string, unknown> = {
      currentNumberScheduled: scheduled.length,
      desiredNumberScheduled: wanted.length,
      numberMisscheduled: 0,
      numberReady: scheduled.filter(isPodReady).length,
      observedGeneration: current.metadata.generation ?? 1,
      ...omitZero({
        updatedNumberScheduled: scheduled.filter(p => p.metadata.labels?.[REVISION_LABEL] === hash).length,
        numberAvailable: available,
        numberUnavailable: wanted.length - available
      })
    }
    if (deepEqual(status, current.status)) return
    this.context.store.updateStatus('daemonsets', { ...current, status })
  }
}
