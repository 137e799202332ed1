/**
 * disruption controller (kube-controller-manager, pkg/controller/disruption): the status of every
 * PodDisruptionBudget from the pods its selector matches and the scale of their controllers. Evictions are not
 * modelled (no `pods/eviction`), so `disruptedPods` stays empty.
 */
import { deepEqual, isObject, timestamp } from '../json.js'
import { qualifiedName, RESOURCES } from '../resources.js'
import type { KubeObject, OwnerReference } from '../types.js'
import { guarded, type Controller, type SimContext } from './context.js'
import {
  controllerOf,
  intOrPercent,
  isPodReady,
  matchesSelector,
  type Condition,
  type LabelSelector,
  type Pod
} from './model.js'
import { allPods } from './pods.js'

/** The disruption controller's recorder names no controller of its own. */
const SOURCE = { component: 'controllermanager' } as const
const CONDITION = 'DisruptionAllowed'

/** What getExpectedPodCount fails with; the controller then writes the fail-safe status. */
class ExpectedCountError extends Error {}

interface BudgetSpec {
  selector?: LabelSelector
  minAvailable?: number | string
  maxUnavailable?: number | string
}

interface Expectation {
  expectedPods: number
  desiredHealthy: number
  unmanaged: string[]
}

function isPercent(value: unknown): value is string {
  return typeof value === 'string'
}

/** The apiVersion's group: `apps/v1` → apps, `v1` → the core group. */
function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : ''
}

export class DisruptionController implements Controller {
  readonly inputs = [
    'poddisruptionbudgets',
    'pods',
    'deployments',
    'replicasets',
    'statefulsets',
    'replicationcontrollers'
  ] as const
  /** Per budget: its resourceVersion and its pods' at the last sync (the real controller syncs on their events). */
  private readonly lastSeen = new Map<string, string>()

  constructor(private readonly context: SimContext) {}

  sync(): void {
    const budgets = this.context.store.list('poddisruptionbudgets')
    const live = new Set(budgets.map(b => b.metadata.uid ?? ''))
    for (const uid of this.lastSeen.keys()) if (!live.has(uid)) this.lastSeen.delete(uid)
    for (const pdb of budgets) {
      if (pdb.metadata.deletionTimestamp) continue
      guarded(`poddisruptionbudget ${pdb.metadata.name}`, () => this.syncBudget(pdb))
    }
  }

  private syncBudget(pdb: KubeObject): void {
    const spec = (isObject(pdb.spec) ? pdb.spec : {}) as BudgetSpec
    // policy/v1: an empty selector selects every pod of the namespace, a missing one none.
    const pods = spec.selector
      ? allPods(this.context, pdb.metadata.namespace).filter(p =>
          matchesSelector(p.metadata.labels, spec.selector)
        )
      : []
    const fingerprint = [pdb.metadata.resourceVersion, ...pods.map(p => p.metadata.resourceVersion)].join()
    const uid = pdb.metadata.uid ?? ''
    // Events come from syncs, and the real controller syncs when the budget or one of its pods changes.
    const fresh = this.lastSeen.get(uid) !== fingerprint
    this.lastSeen.set(uid, fingerprint)
    if (fresh && pods.length === 0) this.record(pdb, 'Normal', 'NoPods', 'No matching pods found')
    let expectation: Expectation
    try {
      expectation = this.expectation(spec, pods)
    } catch (error) {
      if (!(error instanceof ExpectedCountError)) throw error
      if (fresh) {
        this.record(
          pdb,
          'Warning',
          'CalculateExpectedPodCountFailed',
          `Failed to calculate the number of expected pods: ${error.message}`
        )
      }
      this.failSafe(pdb, error.message)
      return
    }
    if (fresh && expectation.unmanaged.length > 0) {
      this.record(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${selectorText(spec.selector)}) were found to be unmanaged. ` +
          'As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. ' +
          'To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.'
      )
    }
    this.writeStatus(pdb, pods, expectation)
  }

  /** getExpectedPodCount: an integer minAvailable counts the selected pods; the rest the controllers' scale. */
  private expectation(spec: BudgetSpec, pods: readonly Pod[]): Expectation {
    if (spec.maxUnavailable !== undefined) {
      const { expectedPods, unmanaged } = this.expectedScale(pods)
      const maxUnavailable = intOrPercent(spec.maxUnavailable, expectedPods, true, 0)
      return { expectedPods, desiredHealthy: Math.max(0, expectedPods - maxUnavailable), unmanaged }
    }
    if (spec.minAvailable !== undefined && !isPercent(spec.minAvailable)) {
      return { expectedPods: pods.length, desiredHealthy: spec.minAvailable, unmanaged: [] }
    }
    if (spec.minAvailable !== undefined) {
      const { expectedPods, unmanaged } = this.expectedScale(pods)
      return {
        expectedPods,
        desiredHealthy: intOrPercent(spec.minAvailable, expectedPods, true, 0),
        unmanaged
      }
    }
    return { expectedPods: 0, desiredHealthy: 0, unmanaged: [] }
  }

  /** getExpectedScale: the sum of spec.replicas over the distinct controllers of the pods. */
  private expectedScale(pods: readonly Pod[]): { expectedPods: number; unmanaged: string[] } {
    const scales = new Map<string, number>()
    const unmanaged: string[] = []
    for (const pod of pods) {
      const ref = controllerOf(pod)
      if (!ref) {
        unmanaged.push(pod.metadata.name)
        continue
      }
      if (scales.has(ref.uid)) continue
      const found = this.controllerScale(ref, pod.metadata.namespace ?? '')
      if (!found) throw new ExpectedCountError(`found no controllers for pod "${pod.metadata.name}"`)
      scales.set(found.uid, found.replicas)
    }
    let expectedPods = 0
    for (const replicas of scales.values()) expectedPods += replicas
    return { expectedPods, unmanaged }
  }

  /**
   * The finders in the real order: ReplicationController, the Deployment of a ReplicaSet, a ReplicaSet no
   * Deployment controls, StatefulSet, then any kind with a scale subresource.
   */
  private controllerScale(
    ref: OwnerReference,
    namespace: string
  ): { uid: string; replicas: number } | undefined {
    const group = groupOf(ref.apiVersion)
    const owned = (
      resource: 'replicationcontrollers' | 'replicasets' | 'statefulsets' | 'deployments',
      name: string,
      uid: string
    ) => {
      const object = this.context.store.get(resource, namespace, name)
      return object && object.metadata.uid === uid ? object : undefined
    }
    if (ref.kind === 'ReplicaSet' && group === 'apps') {
      const rs = owned('replicasets', ref.name, ref.uid)
      if (!rs) return undefined
      const parent = controllerOf(rs)
      if (!parent) return { uid: ref.uid, replicas: replicasOf(rs) }
      if (parent.kind !== 'Deployment' || groupOf(parent.apiVersion) !== 'apps') return undefined
      const deployment = owned('deployments', parent.name, parent.uid)
      return deployment && { uid: parent.uid, replicas: replicasOf(deployment) }
    }
    const direct =
      ref.kind === 'ReplicationController' && group === ''
        ? owned('replicationcontrollers', ref.name, ref.uid)
        : ref.kind === 'StatefulSet' && group === 'apps'
          ? owned('statefulsets', ref.name, ref.uid)
          : undefined
    if (direct) return { uid: ref.uid, replicas: replicasOf(direct) }
    return this.scaleController(ref, group)
  }

  /** getScaleController for the other kinds: none here has a scale subresource the finders did not cover. */
  private scaleController(ref: OwnerReference, group: string): undefined {
    const builtIn = RESOURCES.find(r => r.kind === ref.kind && r.group === group)
    const crd = this.context.store
      .list('customresourcedefinitions')
      .find(
        c =>
          isObject(c.spec) &&
          c.spec.group === group &&
          isObject(c.spec.names) &&
          c.spec.names.kind === ref.kind
      )
    if (!builtIn && !crd) {
      throw new ExpectedCountError(`no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`)
    }
    // Deployments, ReplicaSets, StatefulSets and ReplicationControllers not found: NotFound, so no controller.
    if (builtIn?.scalable) return undefined
    const resource = builtIn ? qualifiedName(builtIn) : crd?.metadata.name
    throw new ExpectedCountError(`${resource ?? ref.kind} does not implement the scale subresource`)
  }

  private writeStatus(pdb: KubeObject, pods: readonly Pod[], expectation: Expectation): void {
    // countHealthyPods: Ready and not being deleted.
    const currentHealthy = pods.filter(p => !p.metadata.deletionTimestamp && isPodReady(p)).length
    const { expectedPods, desiredHealthy } = expectation
    const allowed = currentHealthy - desiredHealthy
    const disruptionsAllowed = expectedPods <= 0 || allowed <= 0 ? 0 : allowed
    const generation = pdb.metadata.generation ?? 1
    const status = {
      observedGeneration: generation,
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy,
      expectedPods,
      conditions: withCondition(
        pdb,
        disruptionsAllowed > 0
          ? { status: 'True', reason: 'SufficientPods' }
          : { status: 'False', reason: 'InsufficientPods' },
        generation
      )
    }
    if (deepEqual(status, pdb.status)) return
    this.context.store.updateStatus('poddisruptionbudgets', { ...pdb, status })
  }

  /** failSafe: at least no disruption allowed, and why; the counts and observedGeneration stay as they were. */
  private failSafe(pdb: KubeObject, message: string): void {
    const previous = isObject(pdb.status) ? pdb.status : {}
    const observed = typeof previous.observedGeneration === 'number' ? previous.observedGeneration : 0
    const status = {
      // An unwritten status reads as zeros: the counts are not omitempty.
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
      ...previous,
      disruptionsAllowed: 0,
      conditions: withCondition(pdb, { status: 'False', reason: 'SyncFailed', message }, observed)
    }
    if (deepEqual(status, pdb.status)) return
    this.context.store.updateStatus('poddisruptionbudgets', { ...pdb, status })
  }

  private record(pdb: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.context.events.record(pdb, SOURCE, type, reason, message)
  }
}

function replicasOf(object: KubeObject): number {
  const replicas = isObject(object.spec) ? object.spec.replicas : undefined
  return typeof replicas === 'number' ? replicas : 1
}

/** apimeta.SetStatusCondition on DisruptionAllowed: the transition time moves only when the status does. */
function withCondition(
  pdb: KubeObject,
  next: { status: 'True' | 'False'; reason: string; message?: string },
  observedGeneration: number
): Condition[] {
  const previous =
    isObject(pdb.status) && Array.isArray(pdb.status.conditions) ? (pdb.status.conditions as Condition[]) : []
  const before = previous.find(c => c.type === CONDITION)
  const condition = {
    type: CONDITION,
    status: next.status,
    ...(observedGeneration ? { observedGeneration } : {}),
    lastTransitionTime:
      before && before.status === next.status && before.lastTransitionTime
        ? before.lastTransitionTime
        : timestamp(),
    reason: next.reason,
    message: next.message ?? ''
  }
  return [...previous.filter(c => c.type !== CONDITION), condition]
}

/** How the real event prints the selector: the generated String() of a *metav1.LabelSelector. */
function selectorText(selector: LabelSelector | undefined): string {
  if (!selector) return '<nil>'
  const labels = Object.keys(selector.matchLabels ?? {})
    .sort()
    .map(key => `${key}: ${selector.matchLabels?.[key] ?? ''},`)
    .join('')
  const expressions = (selector.matchExpressions ?? [])
    .map(
      e =>
        `LabelSelectorRequirement{Key:${e.key},Operator:${e.operator},Values:[${(e.values ?? []).join(' ')}],},`
    )
    .join('')
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${expressions}},}`
}
