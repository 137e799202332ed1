/** The evidence of a deploy, captured while helm waits and after; part of the report model. */

export interface WorkloadState {
  kind: string
  name: string
  desired: number
  ready: number
  /** e.g. `Progressing=False ProgressDeadlineExceeded: ...`, or a Job's Failed condition. */
  conditions: string[]
  /** A condition that will not heal: a Job's Failed/FailureTarget, a Deployment's ProgressDeadlineExceeded. */
  failure?: { reason: string; message: string }
  /** Helm hook Jobs carry their hook, e.g. `pre-upgrade`. */
  hook?: string
}

export interface ContainerDiagnosis {
  name: string
  image: string
  ready: boolean
  restartCount: number
  state: 'running' | 'waiting' | 'terminated' | 'unknown'
  reason?: string
  message?: string
  exitCode?: number
  /** When the current instance started (running) — the cluster's clock. */
  startedAt?: string
  lastTermination?: { exitCode: number; reason?: string; startedAt?: string; finishedAt?: string }
}

/** `new`: the revision being rolled out; `old`: an earlier one still running; never judged. */
export type PodRevision = 'new' | 'old'

export interface PodDiagnosis {
  name: string
  phase: string
  node?: string
  /** Owner workload, e.g. `Deployment/web` (through its ReplicaSet). */
  owner?: string
  revision: PodRevision
  /** Conditions that are not True, e.g. `PodScheduled=False Unschedulable: 0/1 nodes ...`. */
  conditions: string[]
  /** Whether the pod is Ready, and since when (the cluster's clock). */
  ready: boolean
  readySince?: string
  /** While not Ready: since when (its Ready condition's last transition, else its creation; the cluster's clock). */
  notReadySince?: string
  /** When the watcher last saw the pod (the runner's clock). */
  observedAt?: string
  containers: ContainerDiagnosis[]
  /** The scheduler's message while the pod cannot be scheduled. */
  unschedulable?: string
  /** Being deleted (deletionTimestamp set): listed as Terminating, never judged. */
  terminating: boolean
  /** Whether the pod was gone at the end (helm's rollback may have deleted it). */
  deleted: boolean
}

export interface EventRecord {
  /** Normal or Warning. */
  type: string
  reason: string
  /** `Pod/web-7d9f-abcde`. */
  object: string
  message: string
  /** Occurrences: `series.count` of events.k8s.io events, `count` of core/v1 ones. */
  count: number
  /** Who reported it: `kubelet`, `default-scheduler`, `cluster-autoscaler`, ... */
  source?: string
  firstSeen?: string
  lastSeen?: string
}

export interface LogTail {
  pod: string
  container: string
  previous: boolean
  lines: string[]
  /** True when lines were dropped to respect the caps. */
  truncated: boolean
  /** Older lines dropped to fit the byte budget. */
  droppedLines?: number
}

export type VerdictRule =
  | 'image-pull'
  | 'invalid-image'
  | 'crash-loop'
  | 'config-error'
  | 'unschedulable'
  | 'job-failed'
  | 'progress-deadline'
  | 'quota-exceeded'
  | 'claim-unbound'
  | 'unstable'

export interface Verdict {
  rule: VerdictRule
  /** One line: `container web in pod api-7d9f crash-looping (exit code 1, 2 restarts)`. */
  message: string
  /** Epoch ms when the verdict was reached. */
  at: number
  /** `wait`: it ended helm's wait (fail-fast); `verify`: after helm's wait, within min-ready. */
  phase: 'wait' | 'verify'
  /** The pod it is about, and its revision (always `new`: old pods never cause a verdict). */
  pod?: string
  revision?: PodRevision
}

/** What min-ready established after helm's wait. */
export interface Verification {
  /** `stable`: every new pod stayed Ready for min-ready; `unstable`: a verdict; `skipped`: not run. */
  result: 'stable' | 'unstable' | 'incomplete'
  pods: number
  minReadyMs: number
  /** How long the action kept watching after helm returned. */
  waitedMs: number
  /** One line for the summary, e.g. `all 3 pods Ready for 10 s`. */
  summary: string
}

/** An object of the release that is not a workload or pod (a Service, a ConfigMap, a custom resource). */
export interface ReleaseResource {
  apiVersion: string
  kind: string
  name: string
  namespace: string
  /** A custom resource's Ready condition: `True`, or `False Reason: message`. */
  ready?: string
}

export interface Diagnostics {
  workloads: WorkloadState[]
  /** The attempted revision's other objects, from its manifest; custom resources with their Ready condition. */
  resources?: ReleaseResource[]
  pods: PodDiagnosis[]
  /** De-duplicated; Warnings first, then by last seen. */
  events: EventRecord[]
  logs: LogTail[]
  verdict?: Verdict
  verification?: Verification
  /** Set when some reads failed: `partial: <why>`. */
  partial?: string
  /** How many observations the watcher made. */
  observations: number
}
