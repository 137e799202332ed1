/** The evidence of a deploy, captured while helm waits; consumed by report.json and the rendered reports. */

export interface WorkloadState {
  kind: string
  name: string
  desired: number
  ready: number
  /** e.g. `Progressing=False ProgressDeadlineExceeded: ...`, or a Job's Failed condition. */
  conditions: string[]
  /** A condition that will not heal: a Job's Failed, a Deployment's ProgressDeadlineExceeded. */
  failure?: { reason: string; message: string }
  /** Helm hook Jobs carry their hook, e.g. `pre-upgrade`. */
  hook?: string
}

export interface ContainerDiagnosis {
  name: string
  image: string
  ready: boolean
  restartCount: number
  /** `running`, `waiting`, `terminated`. */
  state: 'running' | 'waiting' | 'terminated' | 'unknown'
  reason?: string
  message?: string
  exitCode?: number
  lastTermination?: { exitCode: number; reason?: string; finishedAt?: string }
}

export interface PodDiagnosis {
  name: string
  phase: string
  node?: string
  /** Owner workload, e.g. `Deployment/web` (through its ReplicaSet). */
  owner?: string
  /** Conditions that are not True, e.g. `PodScheduled=False Unschedulable: 0/1 nodes ...`. */
  conditions: string[]
  containers: ContainerDiagnosis[]
  /** The scheduler's message while the pod cannot be scheduled. */
  unschedulable?: string
  /** Whether the pod still existed at the end (helm's rollback may have deleted it). */
  deleted: boolean
}

export interface EventRecord {
  /** Normal or Warning. */
  type: string
  reason: string
  /** `Pod/web-7d9f-abcde`. */
  object: string
  message: string
  count: number
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
}

export interface FailFastVerdict {
  rule:
    | 'image-pull'
    | 'invalid-image'
    | 'crash-loop'
    | 'config-error'
    | 'unschedulable'
    | 'job-failed'
    | 'progress-deadline'
  /** One line: `container web in pod api-7d9f crash-looping (exit code 1, 2 restarts)`. */
  message: string
  /** Epoch ms when the verdict was reached. */
  at: number
}

export interface Diagnostics {
  workloads: WorkloadState[]
  pods: PodDiagnosis[]
  /** De-duplicated; Warnings first, then by last seen. */
  events: EventRecord[]
  logs: LogTail[]
  verdict?: FailFastVerdict
  /** Set when some reads failed: `partial: <why>`. */
  partial?: string
  /** How many observations the watcher made. */
  observations: number
}
