/** Typed views of the fields we read from kubectl's JSON, and their conversion to the diagnostics model. Pure. */
import { createHash } from 'node:crypto'
import type {
  ContainerDiagnosis,
  EventRecord,
  PodDiagnosis,
  PodRevision,
  WorkloadState
} from './diagnostics.js'

export interface OwnerRef {
  kind: string
  name: string
  uid: string
  controller?: boolean
}

export interface Meta {
  name: string
  namespace?: string
  uid: string
  generation?: number
  creationTimestamp?: string
  deletionTimestamp?: string
  annotations?: Record<string, string>
  labels?: Record<string, string>
  ownerReferences?: OwnerRef[]
}

export interface Condition {
  type: string
  status: string
  reason?: string
  message?: string
  lastTransitionTime?: string
}

export interface KubeItem {
  kind: string
  metadata: Meta
  /** A digest of spec.template, kept in place of the template by readers that drop it (see templateDigest). */
  templateDigest?: string
  spec?: {
    replicas?: number
    completions?: number
    nodeName?: string
    containers?: { name: string; image: string }[]
    volumes?: { name: string; persistentVolumeClaim?: { claimName?: string } }[]
    /** A workload's or ReplicaSet's pod template. */
    template?: { metadata?: { labels?: Record<string, string> } & Record<string, unknown> } & Record<
      string,
      unknown
    >
  }
  status?: {
    phase?: string
    observedGeneration?: number
    conditions?: Condition[]
    replicas?: number
    readyReplicas?: number
    availableReplicas?: number
    updateRevision?: string
    succeeded?: number
    failed?: number
    desiredNumberScheduled?: number
    numberReady?: number
    containerStatuses?: ContainerStatus[]
    initContainerStatuses?: ContainerStatus[]
  }
}

interface ContainerStateView {
  running?: { startedAt?: string }
  waiting?: { reason?: string; message?: string }
  terminated?: {
    exitCode: number
    reason?: string
    message?: string
    startedAt?: string
    finishedAt?: string
  }
}

export interface ContainerStatus {
  name: string
  image: string
  ready: boolean
  restartCount: number
  state?: ContainerStateView
  lastState?: ContainerStateView
}

/** A core/v1 Event, as served for both core/v1 and events.k8s.io/v1 writers (`series` from the latter). */
export interface KubeEvent {
  metadata: Meta
  type?: string
  reason?: string
  message?: string
  count?: number
  firstTimestamp?: string | null
  lastTimestamp?: string | null
  eventTime?: string | null
  series?: { count?: number; lastObservedTime?: string | null } | null
  source?: { component?: string } | null
  reportingComponent?: string
  involvedObject: { kind?: string; name?: string; uid?: string; namespace?: string }
}

export const RELEASE_NAME_ANNOTATION = 'meta.helm.sh/release-name'
export const RELEASE_NAMESPACE_ANNOTATION = 'meta.helm.sh/release-namespace'
export const HOOK_ANNOTATION = 'helm.sh/hook'
const DEPLOYMENT_REVISION = 'deployment.kubernetes.io/revision'
const DAEMONSET_TEMPLATE_GENERATION = 'deprecated.daemonset.template.generation'

export function belongsToRelease(item: KubeItem, release: string, namespace: string): boolean {
  const a = item.metadata.annotations ?? {}
  return (
    a[RELEASE_NAME_ANNOTATION] === release && (a[RELEASE_NAMESPACE_ANNOTATION] ?? namespace) === namespace
  )
}

export function controllerOf(item: KubeItem): OwnerRef | undefined {
  return item.metadata.ownerReferences?.find(ref => ref.controller) ?? item.metadata.ownerReferences?.[0]
}

function conditionText(c: Condition): string {
  return `${c.type}=${c.status}${c.reason ? ` ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}`
}

/** The controller has seen the object's latest spec (until then its status and revision markers are stale). */
function observed(item: KubeItem): boolean {
  return (item.status?.observedGeneration ?? 0) >= (item.metadata.generation ?? 0)
}

/** JSON with object keys sorted at every level, so equal data gives equal text whoever wrote it. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/**
 * A pod template's identity, as the deployment controller compares them (EqualIgnoreHash): its content without
 * the pod-template-hash label the ReplicaSet adds.
 */
export function templateDigest(template: NonNullable<KubeItem['spec']>['template']): string | undefined {
  if (!template) return undefined
  const labels = { ...(template.metadata?.labels ?? {}) }
  delete labels['pod-template-hash']
  const canonical = canonicalJson({ ...template, metadata: { ...template.metadata, labels } })
  return createHash('sha256').update(canonical).digest('hex')
}

/**
 * Whether a pod belongs to the revision being rolled out. A Deployment's pods are new when their ReplicaSet's
 * template is the Deployment's template (what helm just applied, with no controller lag); a StatefulSet's when
 * their controller-revision-hash is its updateRevision, once the controller has seen the latest spec; a
 * DaemonSet's when their template generation is its own. Bare pods and Job pods are new.
 */
export function podRevision(pod: KubeItem, byUid: ReadonlyMap<string, KubeItem>): PodRevision {
  const owner = controllerOf(pod)
  const parent = owner ? byUid.get(owner.uid) : undefined
  if (!parent) return 'new'
  const labels = pod.metadata.labels ?? {}
  switch (parent.kind) {
    case 'ReplicaSet':
      return replicaSetRevision(parent, byUid)
    case 'StatefulSet': {
      const update = parent.status?.updateRevision
      if (!update) return observed(parent) ? 'new' : 'old'
      return observed(parent) && labels['controller-revision-hash'] === update ? 'new' : 'old'
    }
    case 'DaemonSet': {
      const generation =
        parent.metadata.annotations?.[DAEMONSET_TEMPLATE_GENERATION] ??
        String(parent.metadata.generation ?? '')
      // The API server sets the template generation with the spec change itself: no controller lag to wait for.
      const own = labels['pod-template-generation']
      if (own === undefined) return observed(parent) ? 'new' : 'old'
      return own === generation ? 'new' : 'old'
    }
    default:
      return 'new'
  }
}

/** A ReplicaSet is the new revision's when its template is its Deployment's (or it has no Deployment). */
export function replicaSetRevision(rs: KubeItem, byUid: ReadonlyMap<string, KubeItem>): PodRevision {
  const rsOwner = controllerOf(rs)
  const deployment = rsOwner ? byUid.get(rsOwner.uid) : undefined
  if (!deployment || deployment.kind !== 'Deployment') return 'new'
  const digest = (item: KubeItem): string | undefined =>
    item.templateDigest ?? templateDigest(item.spec?.template)
  const wanted = digest(deployment)
  if (wanted !== undefined) return digest(rs) === wanted ? 'new' : 'old'
  // Without templates (a reader that kept none), the revision numbers, once the controller caught up.
  const own = rs.metadata.annotations?.[DEPLOYMENT_REVISION]
  const current = deployment.metadata.annotations?.[DEPLOYMENT_REVISION]
  return observed(deployment) && current !== undefined && own === current ? 'new' : 'old'
}

/** The claims a pod mounts. */
export function claimsOf(pod: KubeItem): string[] {
  return (pod.spec?.volumes ?? []).flatMap(v =>
    v.persistentVolumeClaim?.claimName ? [v.persistentVolumeClaim.claimName] : []
  )
}

export function toWorkloadState(item: KubeItem): WorkloadState {
  const status = item.status ?? {}
  const conditions = status.conditions ?? []
  const state: WorkloadState = {
    kind: item.kind,
    name: item.metadata.name,
    desired: 0,
    ready: 0,
    conditions: conditions
      .filter(c => c.status !== 'True' || c.type === 'Failed' || c.type === 'FailureTarget')
      .map(conditionText)
  }
  const hook = item.metadata.annotations?.[HOOK_ANNOTATION]
  if (hook) state.hook = hook
  switch (item.kind) {
    case 'Job': {
      state.desired = item.spec?.completions ?? 1
      state.ready = status.succeeded ?? 0
      // FailureTarget comes first and is final; Failed follows once the Job's pods are gone.
      const failed =
        conditions.find(c => c.type === 'Failed' && c.status === 'True') ??
        conditions.find(c => c.type === 'FailureTarget' && c.status === 'True')
      if (failed) state.failure = { reason: failed.reason ?? 'Failed', message: failed.message ?? '' }
      break
    }
    case 'DaemonSet':
      state.desired = status.desiredNumberScheduled ?? 0
      state.ready = status.numberReady ?? 0
      break
    default: {
      state.desired = item.spec?.replicas ?? 1
      state.ready = status.readyReplicas ?? 0
      const stalled = conditions.find(
        c => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded'
      )
      if (stalled) state.failure = { reason: 'ProgressDeadlineExceeded', message: stalled.message ?? '' }
    }
  }
  return state
}

function toContainer(status: ContainerStatus): ContainerDiagnosis {
  const state = status.state ?? {}
  const out: ContainerDiagnosis = {
    name: status.name,
    image: status.image,
    ready: status.ready,
    restartCount: status.restartCount,
    state: state.running ? 'running' : state.waiting ? 'waiting' : state.terminated ? 'terminated' : 'unknown'
  }
  const reason = state.waiting?.reason ?? state.terminated?.reason
  const message = state.waiting?.message ?? state.terminated?.message
  if (reason) out.reason = reason
  if (message) out.message = message
  if (state.terminated) out.exitCode = state.terminated.exitCode
  if (state.running?.startedAt) out.startedAt = state.running.startedAt
  const last = status.lastState?.terminated
  if (last) {
    out.lastTermination = {
      exitCode: last.exitCode,
      reason: last.reason,
      startedAt: last.startedAt,
      finishedAt: last.finishedAt
    }
  }
  return out
}

export function toPodDiagnosis(
  item: KubeItem,
  owner: string | undefined,
  revision: PodRevision
): PodDiagnosis {
  const status = item.status ?? {}
  const conditions = status.conditions ?? []
  const statuses = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]
  const known = new Set(statuses.map(s => s.name))
  // Containers the kubelet has not reported yet (Pending, unschedulable) still belong in the report.
  const pending = (item.spec?.containers ?? [])
    .filter(c => !known.has(c.name))
    .map((c): ContainerDiagnosis => ({
      name: c.name,
      image: c.image,
      ready: false,
      restartCount: 0,
      state: 'unknown'
    }))
  const ready = conditions.find(c => c.type === 'Ready')
  const pod: PodDiagnosis = {
    name: item.metadata.name,
    phase: status.phase ?? 'Unknown',
    revision,
    conditions: conditions.filter(c => c.status !== 'True').map(conditionText),
    ready: ready?.status === 'True',
    containers: [...statuses.map(toContainer), ...pending],
    terminating: item.metadata.deletionTimestamp !== undefined,
    deleted: false
  }
  if (pod.ready && ready?.lastTransitionTime) pod.readySince = ready.lastTransitionTime
  const notReadySince = ready?.lastTransitionTime ?? item.metadata.creationTimestamp
  if (!pod.ready && notReadySince) pod.notReadySince = notReadySince
  if (item.spec?.nodeName) pod.node = item.spec.nodeName
  if (owner) pod.owner = owner
  const unschedulable = conditions.find(c => c.type === 'PodScheduled' && c.status === 'False')
  if (unschedulable?.message) pod.unschedulable = unschedulable.message
  return pod
}

/** Either shape: core/v1 (`count`, `lastTimestamp`) or events.k8s.io/v1 seen through core/v1 (`series`, `eventTime`). */
export function toEventRecord(event: KubeEvent): EventRecord {
  const record: EventRecord = {
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    object: `${event.involvedObject.kind ?? '?'}/${event.involvedObject.name ?? '?'}`,
    message: (event.message ?? '').trim(),
    count: event.series?.count ?? (event.count || 1)
  }
  const source = event.reportingComponent || event.source?.component
  if (source) record.source = source
  const first = event.firstTimestamp || event.eventTime || undefined
  const last = event.series?.lastObservedTime || event.lastTimestamp || event.eventTime || first
  if (first) record.firstSeen = first
  if (last) record.lastSeen = last
  return record
}

/** Warnings first, then the most recent first; ties by object and reason, for a stable order. */
export function sortEvents(events: EventRecord[]): EventRecord[] {
  return [...events].sort(
    (a, b) =>
      Number(b.type === 'Warning') - Number(a.type === 'Warning') ||
      (b.lastSeen ?? '').localeCompare(a.lastSeen ?? '') ||
      a.object.localeCompare(b.object) ||
      a.reason.localeCompare(b.reason)
  )
}
