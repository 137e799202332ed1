import type { ContainerDiagnosis, EventRecord, PodDiagnosis, WorkloadState } from './diagnostics.js'

/** Typed views of the few fields we read from kubectl's JSON, and their conversion to the diagnostics model. Pure. */

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
  creationTimestamp?: string
  annotations?: Record<string, string>
  labels?: Record<string, string>
  ownerReferences?: OwnerRef[]
}

export interface Condition {
  type: string
  status: string
  reason?: string
  message?: string
}

export interface KubeItem {
  kind: string
  metadata: Meta
  spec?: {
    replicas?: number
    completions?: number
    nodeName?: string
    containers?: { name: string; image: string }[]
  }
  status?: {
    phase?: string
    conditions?: Condition[]
    replicas?: number
    readyReplicas?: number
    availableReplicas?: number
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
  terminated?: { exitCode: number; reason?: string; message?: string; finishedAt?: string }
}

export interface ContainerStatus {
  name: string
  image: string
  ready: boolean
  restartCount: number
  state?: ContainerStateView
  lastState?: ContainerStateView
}

export interface KubeEvent {
  metadata: Meta
  type?: string
  reason?: string
  message?: string
  count?: number
  firstTimestamp?: string | null
  lastTimestamp?: string | null
  eventTime?: string | null
  involvedObject: { kind?: string; name?: string; uid?: string; namespace?: string }
}

export const RELEASE_NAME_ANNOTATION = 'meta.helm.sh/release-name'
export const RELEASE_NAMESPACE_ANNOTATION = 'meta.helm.sh/release-namespace'
export const HOOK_ANNOTATION = 'helm.sh/hook'

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

export function toWorkloadState(item: KubeItem): WorkloadState {
  const status = item.status ?? {}
  const conditions = status.conditions ?? []
  const state: WorkloadState = {
    kind: item.kind,
    name: item.metadata.name,
    desired: 0,
    ready: 0,
    conditions: conditions.filter(c => c.status !== 'True' || c.type === 'Failed').map(conditionText)
  }
  const hook = item.metadata.annotations?.[HOOK_ANNOTATION]
  if (hook) state.hook = hook
  switch (item.kind) {
    case 'Job': {
      state.desired = item.spec?.completions ?? 1
      state.ready = status.succeeded ?? 0
      const failed = conditions.find(c => c.type === 'Failed' && c.status === 'True')
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
  const last = status.lastState?.terminated
  if (last)
    out.lastTermination = { exitCode: last.exitCode, reason: last.reason, finishedAt: last.finishedAt }
  return out
}

export function toPodDiagnosis(item: KubeItem, owner: string | undefined): PodDiagnosis {
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
  const pod: PodDiagnosis = {
    name: item.metadata.name,
    phase: status.phase ?? 'Unknown',
    conditions: conditions.filter(c => c.status !== 'True').map(conditionText),
    containers: [...statuses.map(toContainer), ...pending],
    deleted: false
  }
  if (item.spec?.nodeName) pod.node = item.spec.nodeName
  if (owner) pod.owner = owner
  const unschedulable = conditions.find(c => c.type === 'PodScheduled' && c.status === 'False')
  if (unschedulable?.message) pod.unschedulable = unschedulable.message
  return pod
}

export function toEventRecord(event: KubeEvent): EventRecord {
  const record: EventRecord = {
    type: event.type ?? 'Normal',
    reason: event.reason ?? '',
    object: `${event.involvedObject.kind ?? '?'}/${event.involvedObject.name ?? '?'}`,
    message: (event.message ?? '').trim(),
    count: event.count ?? 1
  }
  const first = event.firstTimestamp ?? event.eventTime ?? undefined
  const last = event.lastTimestamp ?? event.eventTime ?? first
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
