/** Stale pending locks: a release left pending-* by a helm that is gone is recovered before the deploy. */
import { pendingLockDecision, type HistoryEntry } from '../helm/outcome.js'
import { DeployRefusedError, targetOf, type RecoveryAction, type ReleaseContext } from './context.js'

/** Margin past the timeout before a pending lock is taken as abandoned: its helm must be gone. */
export const PENDING_MARGIN_MS = 60_000
/** How long undoing a release (recovery, or an unstable deploy) may wait for the old revision. */
export const UNDO_TIMEOUT = '2m0s'

export async function recoverPendingLock(
  ctx: ReleaseContext,
  history: readonly HistoryEntry[],
  now: number
): Promise<RecoveryAction | undefined> {
  const { inputs, helm, log } = ctx
  const decision = pendingLockDecision(history, {
    release: inputs.release,
    now,
    timeoutMs: inputs.timeoutMs,
    marginMs: PENDING_MARGIN_MS,
    recoverPending: inputs.recoverPending
  })
  if (decision.kind === 'none') return undefined
  if (decision.kind === 'refuse') throw new DeployRefusedError(decision.message)
  const stuck = history[history.length - 1] as HistoryEntry
  log.info(
    `Recovering a stale lock on release ${inputs.release}: revision ${stuck.revision} is ${stuck.status}`
  )
  const target = targetOf(inputs)
  const result =
    decision.action === 'uninstall'
      ? await helm.uninstall(target, { timeout: UNDO_TIMEOUT })
      : // A revision whose apply never finished: helm 3's patch from it would be empty, so replace objects.
        await helm.rollback(target, decision.toRevision, { timeout: UNDO_TIMEOUT, replaceObjects: true })
  const what =
    decision.action === 'uninstall'
      ? `uninstalled release ${inputs.release} (revision ${stuck.revision} was stuck in ${stuck.status})`
      : `rolled release ${inputs.release} back to revision ${decision.toRevision} (revision ${stuck.revision} was stuck in ${stuck.status})`
  const action: RecoveryAction = {
    kind: decision.action,
    fromStatus: stuck.status,
    fromRevision: stuck.revision,
    toRevision: decision.action === 'rollback' ? decision.toRevision : undefined,
    ok: result.ok,
    message: result.ok ? what : `could not recover release ${inputs.release}: ${result.error ?? ''}`
  }
  log.info(action.message)
  if (!action.ok) throw new DeployRefusedError(action.message)
  return action
}

/** Repairs a release our own killed helm left pending (post step): its holder is known to be gone. */
export async function recoverAbandonedRelease(ctx: ReleaseContext): Promise<RecoveryAction | undefined> {
  const history = await ctx.helm.history(targetOf(ctx.inputs))
  return recoverPendingLock(
    { ...ctx, inputs: { ...ctx.inputs, recoverPending: true } },
    history,
    Number.POSITIVE_INFINITY
  )
}
