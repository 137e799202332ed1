/**
 * Undoing a deploy that helm called a success but that proved unstable within min-ready, or failed its tests, as
 * helm's atomic would have: an upgrade is rolled back to the revision live before it, an install is uninstalled.
 */
import type { FailureCause } from '../cause.js'
import { liveRevision, type HistoryEntry, type Outcome } from '../helm/outcome.js'
import { targetOf, type DeployContext, type DeployResult } from './context.js'
import { UNDO_TIMEOUT } from './recovery.js'

/** The undo takes contested fields as the deploy did (force-conflicts; Helm 4 only). */
function rollbackOptions(inputs: DeployContext['inputs']): { timeout: string; forceConflicts: boolean } {
  return { timeout: UNDO_TIMEOUT, forceConflicts: inputs.forceConflicts }
}

export async function undoUnstableDeploy(
  ctx: DeployContext,
  historyBefore: readonly HistoryEntry[],
  cause: FailureCause
): Promise<Pick<DeployResult, 'outcome' | 'history'>> {
  const { inputs, helm, log } = ctx
  const target = targetOf(inputs)
  const previous = liveRevision(historyBefore)
  const why = cause.source === 'min-ready' ? "is unstable after helm's wait" : 'failed helm test'
  const failed = async (detail: string): Promise<Pick<DeployResult, 'outcome' | 'history'>> => {
    const history = await helm.history(target)
    const live = liveRevision(history)
    const outcome: Outcome = {
      status: 'failed',
      rolledBack: false,
      previousRevision: previous,
      revision: live,
      cause,
      detail
    }
    return { outcome, history }
  }
  if (!inputs.atomic) {
    log.warning(`release ${inputs.release} ${why}: ${cause.message}; atomic is off, so it stays`)
    return failed('atomic is off, so nothing was rolled back')
  }
  if (previous === undefined && historyBefore.length > 0) {
    return failed('there was no earlier deployed revision to roll back to')
  }
  log.warning(`release ${inputs.release} ${why}: ${cause.message}; undoing the deploy`)
  if (previous === undefined) {
    const result = await helm.uninstall(target, { timeout: UNDO_TIMEOUT })
    if (!result.ok) return failed(`the uninstall failed: ${result.error ?? ''}`)
    return {
      outcome: {
        status: 'rolled-back',
        rolledBack: true,
        cause,
        detail: `the ${cause.source === 'min-ready' ? 'unstable' : 'failed'} install was uninstalled; no release is left`
      },
      history: []
    }
  }
  const result = await helm.rollback(target, previous, rollbackOptions(inputs))
  if (!result.ok) return failed(`the rollback to revision ${previous} failed: ${result.error ?? ''}`)
  const history = await helm.history(target)
  const revision = liveRevision(history)
  return {
    outcome: {
      status: 'rolled-back',
      rolledBack: true,
      previousRevision: previous,
      revision,
      cause,
      detail: `rolled back to revision ${previous} as revision ${revision ?? '?'}`
    },
    history
  }
}
