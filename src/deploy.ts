import { existsSync, readFileSync, statSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { Inputs } from './inputs.js'
import {
  buildDeployArgs,
  buildDependencyBuildArgs,
  buildHistoryArgs,
  buildRollbackArgs,
  buildUninstallArgs,
  type HelmMajor,
  type ReleaseTarget
} from './helm/args.js'
import type { HelmClient } from './helm/client.js'
import {
  classifyOutcome,
  liveRevision,
  parseHistory,
  pendingLockDecision,
  type HistoryEntry,
  type Outcome
} from './helm/outcome.js'
import type { ProcessResult, RunningProcess } from './exec/process.js'
import { waitStateAfter } from './helm/output.js'
import type { Diagnostics } from './kube/diagnostics.js'

/** What the action did to the release besides the deploy itself, for logs and the report. */
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
  historyBefore: HistoryEntry[]
  historyAfter: HistoryEntry[]
  /** helm's own stderr of the main command, redacted; empty when helm never ran. */
  helmStderr: string
  startedAt: string
  durationMs: number
  helmDurationMs?: number
  diagnostics?: Diagnostics
  /** helm's own root error when fail-fast's verdict replaced it as the failure reason. */
  helmError?: string
}

/** Runs beside the main helm command (the release watcher); stopped once helm exits. */
export interface HelmCompanion {
  stop(): Promise<Diagnostics>
}

export interface DeployContext {
  inputs: Inputs
  helm: HelmClient
  major: HelmMajor
  tempDir: string
  log: (line: string) => void
  /** Started with the main helm command: the release watcher. `isHelmWaiting` turns true once helm's wait began. */
  startCompanion?: (child: RunningProcess, isHelmWaiting: () => boolean) => HelmCompanion
  /** True once the workflow was cancelled: helm is then not started at all. */
  isCancelled?: () => boolean
}

/** Enough to read and repair a release (the post step has no deploy to run). */
export type ReleaseContext = Pick<DeployContext, 'inputs' | 'helm' | 'major' | 'log'>

/** Margin past the timeout before a pending lock is taken as abandoned: its helm must be gone. */
export const PENDING_MARGIN_MS = 60_000
const HISTORY_MAX = 20
/** How long recovering a stale lock may take. */
const RECOVERY_TIMEOUT = '2m0s'

export class DeployRefusedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'DeployRefusedError'
  }
}

function target(inputs: Inputs): ReleaseTarget {
  return { release: inputs.release, namespace: inputs.namespace, kubeContext: inputs.kubeContext }
}

export async function readHistory(helm: HelmClient, inputs: Inputs): Promise<HistoryEntry[]> {
  const result = await helm.run(buildHistoryArgs(target(inputs), { max: HISTORY_MAX }), { quiet: true })
  if (result.exitCode !== 0) {
    if (/release: not found/.test(result.stderr)) return []
    throw new Error(`cannot read the history of release ${inputs.release}: ${result.stderr.trim()}`)
  }
  return parseHistory(result.stdout)
}

/** A local chart directory whose Chart.yaml declares dependencies gets `helm dependency build` first. */
function chartNeedsDependencyBuild(chart: string): boolean {
  try {
    if (!statSync(chart).isDirectory() || !existsSync(join(chart, 'Chart.yaml'))) return false
    const meta = parseYaml(readFileSync(join(chart, 'Chart.yaml'), 'utf8')) as {
      dependencies?: unknown[]
    } | null
    return Array.isArray(meta?.dependencies) && meta.dependencies.length > 0
  } catch {
    return false
  }
}

async function recoverPendingLock(
  ctx: ReleaseContext,
  history: HistoryEntry[],
  now: number,
  recoverPending: boolean
): Promise<RecoveryAction | undefined> {
  const { inputs, helm, major } = ctx
  const decision = pendingLockDecision(history, {
    release: inputs.release,
    now,
    timeoutMs: inputs.timeoutMs,
    marginMs: PENDING_MARGIN_MS,
    recoverPending
  })
  if (decision.kind === 'none') return undefined
  if (decision.kind === 'refuse') throw new DeployRefusedError(decision.message)
  const stuck = history[history.length - 1] as HistoryEntry
  const args =
    decision.action === 'uninstall'
      ? buildUninstallArgs(target(inputs), { major, timeout: RECOVERY_TIMEOUT })
      : buildRollbackArgs(inputs.release, decision.toRevision, {
          major,
          wait: true,
          timeout: RECOVERY_TIMEOUT,
          namespace: inputs.namespace,
          kubeContext: inputs.kubeContext,
          replaceObjects: true
        })
  const what =
    decision.action === 'uninstall'
      ? `uninstalled release ${inputs.release} (revision ${stuck.revision} was stuck in ${stuck.status})`
      : `rolled release ${inputs.release} back to revision ${decision.toRevision} (revision ${stuck.revision} was stuck in ${stuck.status})`
  ctx.log(
    `Recovering a stale lock on release ${inputs.release}: revision ${stuck.revision} is ${stuck.status}`
  )
  const result = await helm.run(args)
  const action: RecoveryAction = {
    kind: decision.action,
    fromStatus: stuck.status,
    fromRevision: stuck.revision,
    toRevision: decision.action === 'rollback' ? decision.toRevision : undefined,
    ok: result.exitCode === 0,
    message:
      result.exitCode === 0 ? what : `could not recover release ${inputs.release}: ${result.stderr.trim()}`
  }
  ctx.log(action.message)
  if (!action.ok) throw new DeployRefusedError(action.message)
  return action
}

/** Repairs a release our own killed helm left pending (post step): its holder is known to be gone. */
export async function recoverAbandonedRelease(ctx: ReleaseContext): Promise<RecoveryAction | undefined> {
  const history = await readHistory(ctx.helm, ctx.inputs)
  return recoverPendingLock(ctx, history, Number.POSITIVE_INFINITY, true)
}

/**
 * Pre-flight (history, stale-lock recovery, mode checks), then the helm command, then the outcome read from the
 * release store. A refusal before helm runs (fresh lock, wrong mode, cancelled) is a failed outcome.
 */
export async function deploy(ctx: DeployContext): Promise<DeployResult> {
  const started = Date.now()
  const recoveries: RecoveryAction[] = []
  try {
    return await deployOrRefuse(ctx, started, recoveries)
  } catch (error) {
    if (!(error instanceof DeployRefusedError)) throw error
    ctx.log(error.message)
    const history = await readHistory(ctx.helm, ctx.inputs).catch(() => [])
    return {
      outcome: {
        status: 'failed',
        rolledBack: false,
        previousRevision: liveRevision(history),
        revision: liveRevision(history),
        failureReason: error.message,
        detail: 'refused before the deploy ran'
      },
      recoveries,
      historyBefore: history,
      historyAfter: history,
      helmStderr: '',
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started
    }
  }
}

async function deployOrRefuse(
  ctx: DeployContext,
  started: number,
  recoveries: RecoveryAction[]
): Promise<DeployResult> {
  const { inputs, helm, major } = ctx
  const startedAt = new Date(started).toISOString()
  let historyBefore = await readHistory(helm, inputs)
  const recovery = await recoverPendingLock(ctx, historyBefore, Date.now(), inputs.recoverPending)
  if (recovery) {
    recoveries.push(recovery)
    historyBefore = await readHistory(helm, inputs)
  }

  const newest = historyBefore[historyBefore.length - 1]
  if (inputs.mode === 'upgrade' && liveRevision(historyBefore) === undefined) {
    throw new DeployRefusedError(
      `release ${inputs.release} has no deployed revision${newest ? ` (latest is ${newest.revision}, ${newest.status})` : ''}; mode upgrade only upgrades an existing release (use mode upgrade-install to create it)`
    )
  }
  if (inputs.mode === 'install' && newest) {
    throw new DeployRefusedError(
      `release ${inputs.release} already exists (revision ${newest.revision}, ${newest.status}); mode install only creates a new release (use mode upgrade-install to upgrade it)`
    )
  }

  let helmResult: ProcessResult
  let diagnostics: Diagnostics | undefined
  let workDir: string | undefined
  try {
    if (inputs.mode === 'uninstall') {
      if (historyBefore.length === 0) {
        ctx.log(`release ${inputs.release} does not exist: nothing to uninstall`)
        return {
          outcome: { status: 'uninstalled', rolledBack: false },
          recoveries,
          historyBefore,
          historyAfter: [],
          helmStderr: '',
          startedAt,
          durationMs: Date.now() - started
        }
      }
      helmResult = await helm.run(
        buildUninstallArgs(target(inputs), { major, timeout: inputs.timeout, extraArgs: inputs.extraArgs })
      )
    } else {
      if (chartNeedsDependencyBuild(inputs.chart)) {
        const built = await helm.run(buildDependencyBuildArgs(inputs.chart))
        if (built.exitCode !== 0) {
          throw new DeployRefusedError(`helm dependency build ${inputs.chart} failed: ${built.stderr.trim()}`)
        }
      }
      let valuesFile: string | undefined
      if (inputs.values.trim() !== '') {
        workDir = await mkdtemp(join(ctx.tempDir, 'helm-atomic-deploy-'))
        valuesFile = join(workDir, 'values.yaml')
        await writeFile(valuesFile, inputs.values, { mode: 0o600 })
      }
      if (ctx.isCancelled?.())
        throw new DeployRefusedError('the workflow was cancelled before helm started; nothing was changed')
      let waiting = false
      const child = helm.start(buildDeployArgs(inputs, { major, valuesFile }), {
        // --debug is how we learn that helm created every object and waits: only then may fail-fast signal it.
        debugOutput: inputs.failFast && ctx.startCompanion !== undefined,
        onLine: (_stream, line) => {
          waiting = waitStateAfter(line) ?? waiting
        }
      })
      const companion = ctx.startCompanion?.(child, () => waiting)
      helmResult = await child.done
      diagnostics = await companion?.stop()
    }
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true })
  }

  const historyAfter = await readHistory(helm, inputs)
  let outcome = classifyOutcome({
    mode: inputs.mode,
    exitCode: helmResult.exitCode,
    stderr: helmResult.stderr,
    historyBefore,
    historyAfter,
    atomic: inputs.atomic
  })
  let helmError: string | undefined
  if (diagnostics?.verdict && outcome.status !== 'deployed') {
    helmError = outcome.failureReason
    outcome = { ...outcome, failureReason: `fail-fast: ${diagnostics.verdict.message}` }
  }
  return {
    outcome,
    diagnostics,
    helmError,
    recoveries,
    historyBefore,
    historyAfter,
    helmStderr: helmResult.stderr,
    startedAt,
    durationMs: Date.now() - started,
    helmDurationMs: helmResult.durationMs
  }
}
