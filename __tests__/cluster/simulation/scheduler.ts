/** default-scheduler for the one node: resource fit, claims bound, then bind (spec.nodeName) or report Unschedulable. */
import { deepEqual, isObject, timestamp } from '../json.js'
import { guarded, type Controller, type SimContext } from './context.js'
import { conditionOf, isPodTerminal, type Condition, type Pod } from './model.js'
import { podResources } from './resources.js'
import { parseQuantity } from './quantity.js'

export const NODE_CPU = '4'
export const NODE_MEMORY = '8Gi'
export const NODE_PODS = 110
/** Seconds between attempts at an unschedulable pod when nothing in the cluster changed. */
const RETRY_SECONDS = 10

const SCHEDULER = { component: 'default-scheduler' } as const

export class Scheduler implements Controller {
  private readonly nextAttempt = new Map<string, number>()
  /** Set when something that can make a pod schedulable happened (a pod went away, a claim changed). */
  private clusterChanged = false

  constructor(private readonly context: SimContext) {}

  noteClusterChange(): void {
    this.clusterChanged = true
  }

  sync(now: number): void {
    const { nodeName } = this.context
    const pods = this.context.pods().filter(pod => !pod.metadata.deletionTimestamp)
    const waiting = pods
      .filter(pod => !pod.spec.nodeName && !isPodTerminal(pod))
      .sort(
        (a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
          a.metadata.name.localeCompare(b.metadata.name)
      )
    const retryAll = this.clusterChanged
    this.clusterChanged = false
    if (waiting.length === 0) {
      this.nextAttempt.clear()
      return
    }
    let cpuUsed = 0
    let memoryUsed = 0
    let podCount = 0
    for (const pod of pods) {
      if (pod.spec.nodeName !== nodeName || isPodTerminal(pod)) continue
      const resources = podResources(pod.spec)
      cpuUsed += resources.requestsCpu
      memoryUsed += resources.requestsMemory
      podCount += 1
    }
    const allocatable = this.allocatable()
    const cpuTotal = parseQuantity(allocatable.cpu ?? NODE_CPU) ?? 0
    const memoryTotal = parseQuantity(allocatable.memory ?? NODE_MEMORY) ?? 0
    for (const pod of waiting) {
      const uid = pod.metadata.uid ?? pod.metadata.name
      const due = this.nextAttempt.get(uid)
      if (due !== undefined && due > now && !retryAll) {
        this.context.wakeAt(due)
        continue
      }
      guarded(`schedule ${pod.metadata.name}`, () => {
        const resources = podResources(pod.spec)
        const reasons: string[] = []
        const claimProblem = this.claimProblem(pod)
        if (claimProblem === undefined) {
          // Compare in milli-units, the API's resolution, so 0.1 + 0.2 fits in 300m.
          if (Math.round((cpuUsed + resources.requestsCpu) * 1000) > Math.round(cpuTotal * 1000)) {
            reasons.push('1 Insufficient cpu')
          }
          if (memoryUsed + resources.requestsMemory > memoryTotal) reasons.push('1 Insufficient memory')
          if (podCount + 1 > NODE_PODS) reasons.push('1 Too many pods')
        }
        if (claimProblem !== undefined || reasons.length > 0) {
          const message =
            claimProblem !== undefined
              ? `0/1 nodes are available: ${claimProblem}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.`
              : `0/1 nodes are available: ${reasons.sort().join(', ')}. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.`
          this.markUnschedulable(pod, message)
          const next = now + this.context.ms(RETRY_SECONDS)
          this.nextAttempt.set(uid, next)
          this.context.wakeAt(next)
          return
        }
        this.bind(pod)
        this.nextAttempt.delete(uid)
        cpuUsed += resources.requestsCpu
        memoryUsed += resources.requestsMemory
        podCount += 1
      })
    }
  }

  /** The node's status.allocatable as registered; the defaults when the node object is missing. */
  private allocatable(): Record<string, unknown> {
    const node = this.context.store.get('nodes', undefined, this.context.nodeName)
    return isObject(node?.status) && isObject(node.status.allocatable) ? node.status.allocatable : {}
  }

  /** Why the pod's volumes cannot be placed: a claim that is missing or not bound. */
  private claimProblem(pod: Pod): string | undefined {
    const namespace = pod.metadata.namespace
    for (const volume of pod.spec.volumes ?? []) {
      const claimName = volume.persistentVolumeClaim?.claimName
      if (!claimName) continue
      const claim = this.context.store.get('persistentvolumeclaims', namespace, claimName)
      if (!claim) return `persistentvolumeclaim "${claimName}" not found`
      const phase = (claim.status as { phase?: string } | undefined)?.phase
      if (phase !== 'Bound') return 'pod has unbound immediate PersistentVolumeClaims'
    }
    return undefined
  }

  private markUnschedulable(pod: Pod, message: string): void {
    const { store, events } = this.context
    const previous = conditionOf(pod.status?.conditions, 'PodScheduled')
    const condition: Condition = {
      type: 'PodScheduled',
      status: 'False',
      lastProbeTime: null,
      lastTransitionTime:
        previous?.status === 'False' && previous.lastTransitionTime
          ? previous.lastTransitionTime
          : timestamp(),
      reason: 'Unschedulable',
      message
    }
    const status = { ...pod.status, phase: 'Pending', conditions: [condition] }
    if (!deepEqual(status, pod.status)) store.updateStatus('pods', { ...pod, status })
    events.record(pod, SCHEDULER, 'Warning', 'FailedScheduling', message)
  }

  private bind(pod: Pod): void {
    const { store, events, nodeName } = this.context
    const bound = store.update('pods', { ...pod, spec: { ...pod.spec, nodeName } })
    const conditions: Condition[] = [
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp() }
    ]
    store.updateStatus('pods', { ...bound, status: { ...pod.status, phase: 'Pending', conditions } })
    events.record(
      bound,
      SCHEDULER,
      'Normal',
      'Scheduled',
      `Successfully assigned ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name} to ${nodeName}`
    )
  }
}
