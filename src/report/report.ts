import type { RecoveryAction } from '../deploy.js'
import type { HistoryEntry, OutcomeStatus } from '../helm/outcome.js'
import type { Diagnostics } from '../kube/diagnostics.js'

export const REPORT_SCHEMA = 'helm-atomic-deploy/report@1'

/** report.json: what later workflow steps read. Documented in README ("JSON report"). */
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
  failureReason: string | null
  /** helm's own error when a fail-fast verdict is the failure reason. */
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
  }
  /** What the release watcher captured; absent when it did not run (uninstall, refused before helm ran). */
  diagnostics?: Diagnostics
}

export interface ReportFacts {
  release: string
  namespace: string
  environment: string
  kubeContext: string
  mode: string
  chart: string
  chartVersion: string
  helmVersion: string
  helmPath: string
  kubectlPath: string
  status: OutcomeStatus
  revision?: number
  previousRevision?: number
  rolledBack: boolean
  failureReason?: string
  helmError?: string
  detail?: string
  recoveries: RecoveryAction[]
  history: HistoryEntry[]
  startedAt: string
  finishedAt: string
  installMs: number
  helmMs?: number
  diagnostics?: Diagnostics
}

export function buildReport(facts: ReportFacts): DeployReport {
  return {
    schema: REPORT_SCHEMA,
    release: facts.release,
    namespace: facts.namespace,
    environment: facts.environment,
    kubeContext: facts.kubeContext,
    mode: facts.mode,
    chart: facts.chart,
    chartVersion: facts.chartVersion,
    helm: { version: facts.helmVersion, path: facts.helmPath },
    kubectl: { path: facts.kubectlPath },
    status: facts.status,
    revision: facts.revision ?? null,
    previousRevision: facts.previousRevision ?? null,
    rolledBack: facts.rolledBack,
    failureReason: facts.failureReason ?? null,
    helmError: facts.helmError ?? null,
    detail: facts.detail ?? null,
    recoveries: facts.recoveries,
    history: facts.history.slice(-5),
    timings: {
      startedAt: facts.startedAt,
      finishedAt: facts.finishedAt,
      durationMs: Date.parse(facts.finishedAt) - Date.parse(facts.startedAt),
      installMs: facts.installMs,
      helmMs: facts.helmMs ?? null
    },
    ...(facts.diagnostics ? { diagnostics: facts.diagnostics } : {})
  }
}
