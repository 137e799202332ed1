/**
 * One deploy: chart sources and dependencies (before the cluster, sources.ts), pre-flight (history, stale-lock
 * recovery, mode checks), helm with the release watcher, then min-ready verification, helm test when asked, and,
 * when the new revision proves unstable or fails its tests, the undo atomic promises.
 */
import type { FailureCause } from '../cause.js'
import { buildDeployArgs } from '../helm/args.js'
import { classifyOutcome, liveRevision, type HistoryEntry, type Outcome } from '../helm/outcome.js'
import { waitStateAfter } from '../helm/output.js'
import type { ProcessResult } from '../exec/process.js'
import type { Diagnostics, ReleaseResource, Verification } from '../kube/diagnostics.js'
import {
  DeployRefusedError,
  targetOf,
  type DeployContext,
  type DeployResult,
  type RecoveryAction
} from './context.js'
import { deployChanges } from './changes.js'
import { recoverPendingLock } from './recovery.js'
import { prepareBeforeCluster, type PreparedSources } from './sources.js'
import { testDeployed } from './test.js'
import { undoUnstableDeploy } from './undo.js'
import { parseManifest } from '../plan/changes.js'
import { releaseResources } from '../kube/resources.js'
import { writeValuesFiles } from './values.js'

/** helm's description of a rollback's revision (a copy of an older one). */
const ROLLBACK = /^Rollback to \d+$/

/** A refusal before helm runs (fresh lock, wrong mode, cancelled) is a failed outcome, not an exception. */
export async function runDeploy(ctx: DeployContext): Promise<DeployResult> {
  const prepared = await prepareBeforeCluster(ctx)
  if ('outcome' in prepared) return prepared
  const recoveries: RecoveryAction[] = []
  try {
    return await deployOrRefuse(ctx, recoveries, prepared)
  } catch (error) {
    if (!(error instanceof DeployRefusedError)) throw error
    ctx.log.info(error.message)
    const history = await ctx.helm.history(targetOf(ctx.inputs)).catch((): HistoryEntry[] => [])
    const live = liveRevision(history)
    return {
      outcome: {
        status: 'failed',
        rolledBack: false,
        previousRevision: live,
        revision: live,
        cause: { source: error.source, message: error.message },
        detail: 'refused before the deploy ran; nothing was changed'
      },
      recoveries,
      history
    }
  }
}

async function preflight(ctx: DeployContext, recoveries: RecoveryAction[]): Promise<HistoryEntry[]> {
  const { inputs, helm } = ctx
  const target = targetOf(inputs)
  let history = await helm.history(target)
  const recovery = await recoverPendingLock(ctx, history, Date.now())
  if (recovery) {
    recoveries.push(recovery)
    history = await helm.history(target)
  }
  const newest = history[history.length - 1]
  if (inputs.mode === 'upgrade' && liveRevision(history) === undefined) {
    throw new DeployRefusedError(
      `release ${inputs.release} has no deployed revision${newest ? ` (latest is ${newest.revision}, ${newest.status})` : ''}; mode upgrade only upgrades an existing release (use mode upgrade-install to create it)`
    )
  }
  if (inputs.mode === 'install' && newest) {
    throw new DeployRefusedError(
      `release ${inputs.release} already exists (revision ${newest.revision}, ${newest.status}); mode install only creates a new release (use mode upgrade-install to upgrade it)`
    )
  }
  return history
}

async function deployOrRefuse(
  ctx: DeployContext,
  recoveries: RecoveryAction[],
  prepared: PreparedSources
): Promise<DeployResult> {
  const { inputs, log } = ctx
  const historyBefore = await log.group('Pre-flight', () => preflight(ctx, recoveries))
  if (inputs.mode === 'uninstall') return uninstall(ctx, historyBefore, recoveries)
  const valuesFiles = await writeValuesFiles(inputs, ctx.workDir)
  if (ctx.isCancelled?.())
    throw new DeployRefusedError('the workflow was cancelled before helm started', 'cancelled')
  const applied = await log.group(`helm ${inputs.mode} ${inputs.release}`, () =>
    applyWatched(ctx, valuesFiles, prepared, historyBefore[historyBefore.length - 1]?.revision ?? 0)
  )
  const judged = await judge(ctx, historyBefore, applied, recoveries)
  const result = inputs.test ? await testDeployed(ctx, historyBefore, judged) : judged
  const { status } = result.outcome
  if (status !== 'rolled-back' && status !== 'failed') return result
  const changes = await attemptedChanges(ctx, historyBefore, result.history)
  return changes ? { ...result, changes } : result
}

interface Applied {
  result: ProcessResult
  startedAt: number
  diagnostics?: Diagnostics
  verification?: Verification
}

/** helm's install or upgrade with the watcher beside it; after a successful wait, min-ready's verification. */
async function applyWatched(
  ctx: DeployContext,
  valuesFiles: string[],
  prepared: PreparedSources,
  newestBefore: number
): Promise<Applied> {
  const { inputs, helm } = ctx
  let waiting = false
  const args = buildDeployArgs(
    { ...inputs, ...targetOf(inputs) },
    { major: helm.major, generatedValuesFiles: valuesFiles, chartRef: prepared.chartRef }
  )
  const startedAt = Date.now()
  const child = helm.startDeploy(args, {
    // --debug is how we learn that helm created every object and waits: only then may fail-fast signal it.
    debugOutput: inputs.failFast && ctx.startCompanion !== undefined,
    onLine: (_stream, line) => {
      waiting = waitStateAfter(line) ?? waiting
    }
  })
  const companion = ctx.startCompanion?.(child, () => waiting && !child.exited)
  const result = await child.done
  const verify = result.exitCode === 0 && inputs.minReadyMs > 0 && companion !== undefined
  const verification = verify ? await companion.verify(inputs.minReadyMs) : undefined
  const resources = companion ? await attemptedResources(ctx, newestBefore) : []
  return { result, startedAt, diagnostics: await companion?.stop(resources), verification }
}

/**
 * The attempted revision's objects besides workloads, from its manifest; none when it cannot be read. helm numbers
 * revisions in sequence, so the attempt is the one after the newest before it (a rollback's copy comes later).
 */
async function attemptedResources(ctx: DeployContext, newestBefore: number): Promise<ReleaseResource[]> {
  try {
    const manifest = await ctx.helm.getManifest(targetOf(ctx.inputs), newestBefore + 1)
    return releaseResources(parseManifest(manifest, ctx.inputs.namespace || 'default'))
  } catch (error) {
    // An install that was undone has no manifest left to read.
    ctx.log.debug(
      `the release's resources could not be read: ${error instanceof Error ? error.message : String(error)}`
    )
    return []
  }
}

/** The outcome from the release store, the verdict that caused it, and the undo an unstable revision needs. */
async function judge(
  ctx: DeployContext,
  historyBefore: HistoryEntry[],
  { result, startedAt, diagnostics, verification }: Applied,
  recoveries: RecoveryAction[]
): Promise<DeployResult> {
  const { inputs } = ctx
  const history = await ctx.helm.history(targetOf(inputs))
  const outcome = classifyOutcome({
    ...inputs,
    exitCode: result.exitCode,
    stderr: result.stderr,
    historyBefore,
    historyAfter: history
  })
  const done = {
    recoveries,
    history,
    helmMs: result.durationMs,
    helmStartedAt: startedAt
  }
  // The other deploy's pods are not this run's evidence.
  if (outcome.cause?.source === 'concurrent') return { ...done, outcome }
  const verdict = diagnostics?.verdict
  if (verification?.result === 'unstable' && verdict) {
    const cause: FailureCause = { source: 'min-ready', rule: verdict.rule, message: verdict.message }
    return { ...done, ...(await undoUnstableDeploy(ctx, historyBefore, cause)), diagnostics }
  }
  if (verdict?.phase !== 'wait' || outcome.status === 'deployed') return { ...done, outcome, diagnostics }
  const cause: FailureCause = { source: 'fail-fast', rule: verdict.rule, message: verdict.message }
  return { ...done, outcome: { ...outcome, cause }, diagnostics, helmError: outcome.cause?.message }
}

/**
 * What the attempted revision (the first after the run began that is not a rollback's copy) changed against the
 * one live before. Reads the two revisions' values and manifests; a read that fails leaves the list out.
 */
async function attemptedChanges(
  ctx: DeployContext,
  before: HistoryEntry[],
  after: HistoryEntry[]
): Promise<string[] | undefined> {
  const live = liveRevision(before)
  const newestBefore = before[before.length - 1]?.revision ?? 0
  const attempted = after.find(h => h.revision > newestBefore && !ROLLBACK.test(h.description))
  if (live === undefined || !attempted) return undefined
  const target = targetOf(ctx.inputs)
  try {
    const read = async (revision: number) => ({
      values: await ctx.helm.getValues(target, revision),
      manifest: await ctx.helm.getManifest(target, revision)
    })
    return deployChanges(
      await read(live),
      await read(attempted.revision),
      ctx.inputs.setSecret.map(s => s.key)
    )
  } catch (error) {
    ctx.log.debug(
      `what the upgrade changed could not be read: ${error instanceof Error ? error.message : String(error)}`
    )
    return undefined
  }
}

async function uninstall(
  ctx: DeployContext,
  historyBefore: HistoryEntry[],
  recoveries: RecoveryAction[]
): Promise<DeployResult> {
  const { inputs, helm, log } = ctx
  if (historyBefore.length === 0) {
    log.info(`release ${inputs.release} does not exist: nothing to uninstall`)
    return { outcome: { status: 'uninstalled', rolledBack: false }, recoveries, history: [] }
  }
  const result = await helm.uninstall(targetOf(inputs), {
    timeout: inputs.timeout,
    extraArgs: inputs.extraArgs
  })
  const outcome: Outcome = result.ok
    ? { status: 'uninstalled', rolledBack: false, previousRevision: liveRevision(historyBefore) }
    : {
        status: 'failed',
        rolledBack: false,
        previousRevision: liveRevision(historyBefore),
        revision: liveRevision(historyBefore),
        cause: { source: 'helm', message: result.error ?? 'helm uninstall failed' },
        detail: 'helm uninstall failed'
      }
  const history = result.ok ? [] : await helm.history(targetOf(inputs)).catch(() => historyBefore)
  return { outcome, recoveries, history, helmMs: result.durationMs }
}
