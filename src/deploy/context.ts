/** What a deploy needs and what it yields; shared by the deploy steps. */
import type { FailureCause } from '../cause.js'
import type { RunningProcess } from '../exec/process.js'
import type { ReleaseTarget } from '../helm/args.js'
import type { HelmClient } from '../helm/client.js'
import type { HistoryEntry, Outcome } from '../helm/outcome.js'
import type { Inputs } from '../inputs/index.js'
import type { Diagnostics, ReleaseResource, Verification } from '../kube/diagnostics.js'
import type { Log } from '../log.js'
import type { Plan } from '../plan/changes.js'
import type { TestResults } from './test-results.js'

/** What the action did to the release besides the deploy itself (stale-lock recovery). */
export interface RecoveryAction {
  kind: 'rollback' | 'uninstall'
  fromStatus: string
  fromRevision: number
  toRevision?: number
  ok: boolean
  message: string
}

export interface DeployResult {
  outcome: Outcome
  recoveries: RecoveryAction[]
  /** The release's revisions after the run, oldest first. */
  history: HistoryEntry[]
  helmMs?: number
  /** When helm's install or upgrade started (epoch ms), for the report's timeline. */
  helmStartedAt?: number
  diagnostics?: Diagnostics
  /** helm's own error when a verdict is the failure's cause. */
  helmError?: string
  /** mode plan: what a deploy would change. */
  plan?: Plan
  /** A failed upgrade: what it changed against the revision live before, a line each. */
  changes?: string[]
  /** What helm test established, when `test` is on and the deploy succeeded. */
  tests?: TestResults
}

/** The release watcher as the deploy drives it: started with helm, verifying after its wait, stopped last. */
export interface Companion {
  verify(minReadyMs: number): Promise<Verification>
  /** The final collection; `resources` (the attempted revision's other objects) are listed in it. */
  stop(resources?: readonly ReleaseResource[]): Promise<Diagnostics>
}

/** The watcher of helm test's pods: made (its baseline read) before helm test starts, then told which helm to stop. */
export interface TestWatch {
  follow(child: RunningProcess): void
  stop(): Promise<Diagnostics>
}

export interface DeployContext {
  inputs: Inputs
  helm: HelmClient
  /** Where this run's own files go (values files); removed by the caller. */
  workDir: string
  log: Log
  /** Started with the main helm command. `isHelmWaiting` turns true once helm's wait began. */
  startCompanion?: (child: RunningProcess, isHelmWaiting: () => boolean) => Companion
  /** Made before helm test starts; follows the test pods and ends helm test on a fail-fast verdict. */
  watchTests?: () => Promise<TestWatch>
  /** True once the workflow was cancelled: helm is then not started at all. */
  isCancelled?: () => boolean
}

/** Enough to read and repair a release (the post step has no deploy to run). */
export type ReleaseContext = Pick<DeployContext, 'inputs' | 'helm' | 'log'>

export function targetOf(inputs: Inputs): ReleaseTarget {
  return { release: inputs.release, namespace: inputs.namespace, kubeContext: inputs.kubeContext }
}

/** A refusal before helm ran: nothing changed. */
export class DeployRefusedError extends Error {
  constructor(
    message: string,
    readonly source: FailureCause['source'] = 'refused'
  ) {
    super(message)
    this.name = 'DeployRefusedError'
  }
}
