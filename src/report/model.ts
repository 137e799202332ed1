/**
 * The one report model: report.json as later workflow steps read it (schema in README, "JSON report"), and what
 * the summary, the PR comment, the annotation and the outputs are rendered from. Built in one place.
 */
import { failureReasonText, type FailureCause } from '../cause.js'
import type { DeployResult, RecoveryAction } from '../deploy/context.js'
import type { TestResults } from '../deploy/test-results.js'
import type { HistoryEntry, OutcomeStatus } from '../helm/outcome.js'
import type { Diagnostics } from '../kube/diagnostics.js'
import type { Plan } from '../plan/changes.js'

export const REPORT_SCHEMA = 'helm-atomic-deploy/report@1'

export interface DeployReport {
  schema: typeof REPORT_SCHEMA
  release: string
  namespace: string
  environment: string
  kubeContext: string
  mode: string
  chart: string
  chartVersion: string
  helm: { version: string; path: string }
  kubectl: { path: string }
  status: OutcomeStatus
  /** Live revision after the run; null when there is none. */
  revision: number | null
  previousRevision: number | null
  rolledBack: boolean
  /** The `failure-reason` output: the cause as one line. */
  failureReason: string | null
  cause: FailureCause | null
  /** helm's own error when a verdict is the cause. */
  helmError: string | null
  /** What happened to the release store, in a sentence. */
  detail: string | null
  recoveries: RecoveryAction[]
  /** The release's last revisions after the run, newest last. */
  history: HistoryEntry[]
  timings: {
    startedAt: string
    finishedAt: string
    durationMs: number
    installMs: number
    helmMs: number | null
    /** When helm's install or upgrade started; absent when it did not run. */
    helmStartedAt?: string
  }
  /** What the release watcher captured; absent when it did not run. */
  diagnostics?: Diagnostics
  /** The commit this run planned or deployed (a pull request's head, else GITHUB_SHA); empty when unknown. */
  commit: string
  /** mode plan: what a deploy would change. */
  plan?: Plan
  /** A failed upgrade: the images and values it changed against the revision live before. */
  changes?: string[]
  /** helm test's results, per test; absent when the tests did not run (`test` off, or the deploy failed). */
  tests?: TestResults
}

/** What the run knows besides the deploy's result. */
export interface RunFacts {
  release: string
  namespace: string
  environment: string
  kubeContext: string
  mode: string
  chart: string
  chartVersion: string
  helm: { version: string; path: string }
  kubectl: { path: string }
  startedAt: number
  finishedAt: number
  installMs: number
  commit: string
}

export function buildReport(facts: RunFacts, result: DeployResult): DeployReport {
  const { outcome } = result
  return {
    schema: REPORT_SCHEMA,
    release: facts.release,
    namespace: facts.namespace,
    environment: facts.environment,
    kubeContext: facts.kubeContext,
    mode: facts.mode,
    chart: facts.chart,
    chartVersion: facts.chartVersion,
    helm: facts.helm,
    kubectl: facts.kubectl,
    status: outcome.status,
    revision: outcome.revision ?? null,
    previousRevision: outcome.previousRevision ?? null,
    rolledBack: outcome.rolledBack,
    failureReason: outcome.cause ? failureReasonText(outcome.cause) : null,
    cause: outcome.cause ?? null,
    helmError: result.helmError ?? null,
    detail: outcome.detail ?? null,
    recoveries: result.recoveries,
    history: result.history.slice(-5),
    timings: {
      startedAt: new Date(facts.startedAt).toISOString(),
      finishedAt: new Date(facts.finishedAt).toISOString(),
      durationMs: facts.finishedAt - facts.startedAt,
      installMs: facts.installMs,
      helmMs: result.helmMs ?? null,
      ...(result.helmStartedAt === undefined
        ? {}
        : { helmStartedAt: new Date(result.helmStartedAt).toISOString() })
    },
    ...(result.diagnostics ? { diagnostics: result.diagnostics } : {}),
    commit: facts.commit,
    ...(result.plan ? { plan: result.plan } : {}),
    ...(result.changes?.length ? { changes: result.changes } : {}),
    ...(result.tests ? { tests: result.tests } : {})
  }
}

export function isFailure(status: OutcomeStatus): boolean {
  return status === 'rolled-back' || status === 'failed'
}
