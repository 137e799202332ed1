/** Why a run failed, as data: where the failure came from, which rule (for verdicts), and one sentence. Pure. */

export type CauseSource =
  /** Inputs failed validation; nothing ran. */
  | 'input'
  /** helm or kubectl could not be installed. */
  | 'install'
  /** The cluster could not be reached or read (kubeconfig, context, API server). */
  | 'cluster'
  /** The action refused to run helm: a fresh lock, the wrong mode for the release, a failed dependency build. */
  | 'refused'
  /** Another deploy of the same release holds it. */
  | 'concurrent'
  /** The workflow was cancelled. */
  | 'cancelled'
  /** helm's own error. */
  | 'helm'
  /** A fail-fast verdict ended helm's wait. */
  | 'fail-fast'
  /** The new revision failed after helm's wait, within min-ready. */
  | 'min-ready'
  /** helm test failed after a successful deploy (a test exited non-zero, never ran, or timed out). */
  | 'test'

export interface FailureCause {
  source: CauseSource
  /** The verdict rule, for fail-fast and min-ready (and a test pod's fail-fast). */
  rule?: string
  /** One line, e.g. `container web in pod shop-7d9f-x crash-looping (exit code 1, 2 restarts)`. */
  message: string
}

const PREFIX: Partial<Record<CauseSource, string>> = {
  'fail-fast': 'fail-fast: ',
  'min-ready': "unstable after helm's wait: ",
  test: 'helm test failed: ',
  input: 'invalid inputs: '
}

/** The `failure-reason` output and report field. */
export function failureReasonText(cause: FailureCause): string {
  return `${PREFIX[cause.source] ?? ''}${cause.message}`
}
