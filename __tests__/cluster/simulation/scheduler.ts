/**
 * default-scheduler: filters every node (unschedulable, not-ready taint, node affinity/selector, resources),
 * binds to the least allocated node that fits, or reports Unschedulable with the scheduler's FitError wording.
 *
 * Retries follow pkg/scheduler/internal/queue: an unschedulable pod waits in the unschedulable queue until a
 * cluster event that may help (an assigned pod deleted or finished, a node added or changed that it would fit,
 * a claim it uses added or changed, its own spec changed) moves it back, after its back-off (1 s doubling to
 * 10 s since its last attempt); otherwise the 30 s leftover flush retries it once it has waited 5 minutes.
 * Events are events.k8s.io/v1 (EventSeriesRecorder).
 */
import { deepEqual, isObject, timestamp } from '../json.js'
import type { KubeObject, StoreEvent } from '../types.js'
import { guarded, type Controller, type SimContext } from './context.js'
import { EventSeriesRecorder } from './events.js'
import { asPod, conditionOf, isPodTerminal, type Condition, type Pod } from './model.js'
import { parseQuantity } from './quantity.js'
import { podResources } from './resources.js'

export const NODE_CPU = '4'
export const NODE_MEMORY = '8Gi'
export const NODE_PODS = 110
export const SCHEDULER_NAME = 'default-scheduler'
/** podInitialBackoffDuration / podMaxBackoffDuration. */
const BACKOFF_INITIAL_SECONDS = 1
const BACKOFF_MAX_SECONDS = 10
/** podMaxInUnschedulablePodsDuration, and how often flushUnschedulablePodsLeftover runs. */
const UNSCHEDULABLE_MAX_SECONDS = 5 * 60
const FLUSH_PERIOD_SECONDS = 30

const NOT_HELPFUL = 'Preemption is not helpful for scheduling'
const NO_VICTIMS = 'No preemption victims found for incoming pod'

interface QueuedPod {
  attempts: number
  lastAttempt: number
  /** A cluster event moved it out of the unschedulable queue: attempted at this time (its back-off's end). */
  retryAt?: number
  generation?: number
}

export interface NodeInfo {
  name: string
  labels: Record<string, string>
  ready: boolean
  unschedulable: boolean
  cpu: number
  memory: number
  pods: number
}

/** The node's status.allocatable (the defaults when a field is missing). */
export function nodeInfo(node: KubeObject): NodeInfo {
  const status = isObject(node.status) ? node.status : {}
  const allocatable = isObject(status.allocatable) ? status.allocatable : {}
  const conditions = Array.isArray(status.conditions) ? status.conditions : []
  const ready = conditions.some(c => isObject(c) && c.type === 'Ready' && c.status === 'True')
  return {
    name: node.metadata.name,
    labels: node.metadata.labels ?? {},
    ready,
    unschedulable: isObject(node.spec) && node.spec.unschedulable === true,
    cpu: parseQuantity(allocatable.cpu ?? NODE_CPU) ?? 0,
    memory: parseQuantity(allocatable.memory ?? NODE_MEMORY) ?? 0,
    pods: parseQuantity(allocatable.pods ?? NODE_PODS) ?? 0
  }
}

interface NodeUse {
  cpu: number
  memory: number
  pods: number
}

/** NodeSelectorRequirement on labels (In, NotIn, Exists, DoesNotExist, Gt, Lt). */
function requirementHolds(
  value: string | undefined,
  requirement: { operator?: unknown; values?: unknown }
): boolean {
  const values = Array.isArray(requirement.values) ? requirement.values.map(String) : []
  switch (requirement.operator) {
    case 'In':
      return value !== undefined && values.includes(value)
    case 'NotIn':
      return value === undefined || !values.includes(value)
    case 'Exists':
      return value !== undefined
    case 'DoesNotExist':
      return value === undefined
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0])
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0])
    default:
      return false
  }
}

/** The NodeAffinity filter: spec.nodeSelector and required node affinity (matchExpressions, matchFields). */
export function matchesNodeAffinity(pod: Pod, node: NodeInfo): boolean {
  const selector = isObject(pod.spec.nodeSelector) ? pod.spec.nodeSelector : {}
  for (const [key, value] of Object.entries(selector)) if (node.labels[key] !== value) return false
  const affinity = isObject(pod.spec.affinity) ? pod.spec.affinity : {}
  const nodeAffinity = isObject(affinity.nodeAffinity) ? affinity.nodeAffinity : {}
  const required = isObject(nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution)
    ? nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
    : undefined
  if (!required) return true
  const terms = Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms.filter(isObject) : []
  return terms.some(term => {
    const expressions = Array.isArray(term.matchExpressions) ? term.matchExpressions.filter(isObject) : []
    const fields = Array.isArray(term.matchFields) ? term.matchFields.filter(isObject) : []
    if (expressions.length === 0 && fields.length === 0) return false
    return (
      expressions.every(e => requirementHolds(node.labels[String(e.key)], e)) &&
      fields.every(f => f.key === 'metadata.name' && requirementHolds(node.name, f))
    )
  })
}

/**
 * The first failing filter's reasons for one node, and whether preemption could help there (only resource
 * shortage can). Empty when the pod fits.
 */
export function filterNode(
  pod: Pod,
  node: NodeInfo,
  used: NodeUse
): { reasons: string[]; resolvable: boolean } {
  if (node.unschedulable) return { reasons: ['node(s) were unschedulable'], resolvable: false }
  if (!node.ready)
    return { reasons: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'], resolvable: false }
  if (!matchesNodeAffinity(pod, node))
    return { reasons: ["node(s) didn't match Pod's node affinity/selector"], resolvable: false }
  const requests = podResources(pod.spec)
  const reasons: string[] = []
  if (used.pods + 1 > node.pods) reasons.push('Too many pods')
  // Compare in milli-units, the API's resolution, so 0.1 + 0.2 fits in 300m.
  if (Math.round((used.cpu + requests.requestsCpu) * 1000) > Math.round(node.cpu * 1000))
    reasons.push('Insufficient cpu')
  if (used.memory + requests.requestsMemory > node.memory) reasons.push('Insufficient memory')
  return { reasons, resolvable: true }
}

/** FitError.Error(): `0/N nodes are available: <histogram>. preemption: 0/N nodes are available: <histogram>.` */
export function fitErrorMessage(
  nodeCount: number,
  failures: { reasons: string[]; resolvable: boolean }[],
  preFilterMessage?: string
): string {
  const histogram = (counts: Map<string, number>): string =>
    [...counts.entries()]
      .map(([reason, count]) => `${count} ${reason}`)
      .sort()
      .join(', ')
  const reasons = new Map<string, number>()
  const preemption = new Map<string, number>()
  for (const failure of failures) {
    for (const reason of failure.reasons) reasons.set(reason, (reasons.get(reason) ?? 0) + 1)
    const outcome = failure.resolvable ? NO_VICTIMS : NOT_HELPFUL
    preemption.set(outcome, (preemption.get(outcome) ?? 0) + 1)
  }
  if (preFilterMessage !== undefined) preemption.set(NOT_HELPFUL, nodeCount)
  const head = `0/${nodeCount} nodes are available: ${preFilterMessage ?? histogram(reasons)}.`
  return nodeCount === 0
    ? `${head} preemption: 0/0 nodes are available: .`
    : `${head} preemption: 0/${nodeCount} nodes are available: ${histogram(preemption)}.`
}

export class Scheduler implements Controller {
  readonly inputs = ['pods', 'nodes', 'persistentvolumeclaims'] as const
  private readonly queue = new Map<string, QueuedPod>()
  /** Cluster events seen by the store listener since the last pass (the queue's MoveAllToActiveOrBackoffQueue). */
  private readonly clusterEvents: { kind: 'pod' | 'node' | 'claim'; object: KubeObject }[] = []
  private readonly started = Date.now()
  readonly events: EventSeriesRecorder

  constructor(private readonly context: SimContext) {
    this.events = new EventSeriesRecorder(
      context.store,
      seconds => context.ms(seconds),
      this.started,
      SCHEDULER_NAME,
      `${SCHEDULER_NAME}-${context.nodeName}`
    )
  }

  /** From the store listener: remembers events that may make unschedulable pods schedulable. */
  observe(event: StoreEvent): void {
    const { resource, type, object } = event
    if (resource === 'nodes' && type !== 'DELETED') this.clusterEvents.push({ kind: 'node', object })
    else if (resource === 'persistentvolumeclaims' && type !== 'DELETED')
      this.clusterEvents.push({ kind: 'claim', object })
    else if (resource === 'pods') {
      const pod = asPod(object)
      if (!pod?.spec.nodeName) return
      // An assigned pod that is gone or finished frees its node's resources.
      if (type === 'DELETED' || isPodTerminal(pod)) this.clusterEvents.push({ kind: 'pod', object })
    }
  }

  sync(now: number): void {
    const next = this.events.tick(now)
    if (next !== undefined) this.context.wakeAt(next)
    const pods = this.context.pods()
    const waiting = pods
      .filter(pod => !pod.spec.nodeName && !isPodTerminal(pod) && !pod.metadata.deletionTimestamp)
      .filter(pod => (pod.spec.schedulerName ?? SCHEDULER_NAME) === SCHEDULER_NAME)
      .sort(
        (a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
          a.metadata.name.localeCompare(b.metadata.name)
      )
    const events = this.clusterEvents.splice(0)
    const live = new Set(waiting.map(pod => pod.metadata.uid ?? pod.metadata.name))
    for (const uid of this.queue.keys()) if (!live.has(uid)) this.queue.delete(uid)
    if (waiting.length === 0) return
    const nodes = this.context.store.list('nodes').map(nodeInfo)
    const use = new Map<string, NodeUse>(nodes.map(n => [n.name, { cpu: 0, memory: 0, pods: 0 }]))
    for (const pod of pods) {
      // Pods being deleted still hold their node until they are gone.
      const used = pod.spec.nodeName ? use.get(pod.spec.nodeName) : undefined
      if (!used || isPodTerminal(pod)) continue
      const resources = podResources(pod.spec)
      used.cpu += resources.requestsCpu
      used.memory += resources.requestsMemory
      used.pods += 1
    }
    for (const pod of waiting) {
      const uid = pod.metadata.uid ?? pod.metadata.name
      const queued = this.queue.get(uid)
      if (queued) {
        this.requeue(pod, queued, events, nodes, use)
        if (!this.due(queued, now)) continue
      }
      guarded(`schedule ${pod.metadata.name}`, () => this.schedule(pod, uid, nodes, use, now))
    }
  }

  /** QueueingHints: whether one of the events may make this pod schedulable; if so it leaves the unschedulable queue. */
  private requeue(
    pod: Pod,
    queued: QueuedPod,
    events: { kind: 'pod' | 'node' | 'claim'; object: KubeObject }[],
    nodes: NodeInfo[],
    use: Map<string, NodeUse>
  ): void {
    if (queued.retryAt !== undefined) return
    const claims = new Set(
      (pod.spec.volumes ?? []).map(v => v.persistentVolumeClaim?.claimName).filter(Boolean)
    )
    const helps =
      pod.metadata.generation !== queued.generation ||
      events.some(event => {
        if (event.kind === 'pod') return true
        if (event.kind === 'claim')
          return (
            event.object.metadata.namespace === pod.metadata.namespace &&
            claims.has(event.object.metadata.name)
          )
        const node = nodes.find(n => n.name === event.object.metadata.name)
        const used = node && use.get(node.name)
        return node !== undefined && used !== undefined && filterNode(pod, node, used).reasons.length === 0
      })
    if (!helps) return
    const backoff = Math.min(
      BACKOFF_INITIAL_SECONDS * 2 ** Math.max(0, queued.attempts - 1),
      BACKOFF_MAX_SECONDS
    )
    queued.retryAt = queued.lastAttempt + this.context.ms(backoff)
  }

  /** Back in the active queue (after a helpful event and the back-off), or flushed after 5 minutes. */
  private due(queued: QueuedPod, now: number): boolean {
    if (queued.retryAt !== undefined) {
      if (now >= queued.retryAt) return true
      this.context.wakeAt(queued.retryAt)
      return false
    }
    const period = this.context.ms(FLUSH_PERIOD_SECONDS)
    const waited = queued.lastAttempt + this.context.ms(UNSCHEDULABLE_MAX_SECONDS)
    // The first leftover flush strictly after the pod has waited its 5 minutes.
    const flush = this.started + (Math.floor((waited - this.started) / period) + 1) * period
    if (now >= flush) return true
    this.context.wakeAt(flush)
    return false
  }

  private schedule(pod: Pod, uid: string, nodes: NodeInfo[], use: Map<string, NodeUse>, now: number): void {
    const claimProblem = this.claimProblem(pod)
    const failures: { reasons: string[]; resolvable: boolean }[] = []
    let best: { node: NodeInfo; score: number } | undefined
    if (claimProblem === undefined) {
      const requests = podResources(pod.spec)
      for (const node of nodes) {
        const used = use.get(node.name) ?? { cpu: 0, memory: 0, pods: 0 }
        const failure = filterNode(pod, node, used)
        if (failure.reasons.length > 0) {
          failures.push(failure)
          continue
        }
        // NodeResourcesFit LeastAllocated: the most room left, cpu and memory weighted alike.
        const free = (total: number, taken: number): number => (total > 0 ? (total - taken) / total : 0)
        const score =
          (free(node.cpu, used.cpu + requests.requestsCpu) +
            free(node.memory, used.memory + requests.requestsMemory)) /
          2
        if (!best || score > best.score) best = { node, score }
      }
    }
    if (!best) {
      const message = fitErrorMessage(nodes.length, failures, claimProblem)
      this.markUnschedulable(pod, message, now)
      const queued = this.queue.get(uid)
      const next: QueuedPod = {
        attempts: (queued?.attempts ?? 0) + 1,
        lastAttempt: now,
        generation: pod.metadata.generation
      }
      this.queue.set(uid, next)
      // Asks for a pass at its leftover flush (nothing else may wake the simulation until then).
      this.due(next, now)
      return
    }
    this.bind(pod, best.node.name, now)
    this.queue.delete(uid)
    const used = use.get(best.node.name)
    if (used) {
      const resources = podResources(pod.spec)
      used.cpu += resources.requestsCpu
      used.memory += resources.requestsMemory
      used.pods += 1
    }
  }

  /** Why the pod's volumes cannot be placed (VolumeBinding PreFilter): a claim that is missing or not bound. */
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

  /** handleSchedulingFailure: the event (about the pod as the queue held it), then the PodScheduled condition. */
  private markUnschedulable(pod: Pod, message: string, now: number): void {
    this.events.record(pod, 'Warning', 'FailedScheduling', 'Scheduling', message, now)
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
    if (!deepEqual(status, pod.status)) this.context.store.updateStatus('pods', { ...pod, status })
  }

  private bind(pod: Pod, nodeName: string, now: number): void {
    const { store } = this.context
    const bound = store.update('pods', { ...pod, spec: { ...pod.spec, nodeName } })
    const conditions: Condition[] = [
      { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp() }
    ]
    store.updateStatus('pods', { ...bound, status: { ...pod.status, phase: 'Pending', conditions } })
    this.events.record(
      pod,
      'Normal',
      'Scheduled',
      'Binding',
      `Successfully assigned ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name} to ${nodeName}`,
      now
    )
  }
}
