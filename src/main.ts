/** The main and post steps: small named steps, a report for every outcome, and the one failure at the end. */
import * as core from '@actions/core'
import type { CauseSource } from './cause.js'
import type { DeployResult } from './deploy/context.js'
import { recoverAbandonedRelease } from './deploy/recovery.js'
import { runDeploy } from './deploy/run.js'
import { watcherCompanion } from './deploy/watcher.js'
import { HelmClient } from './helm/client.js'
import { INPUT_DEFAULTS, readInputs, type InputName, type Inputs } from './inputs/index.js'
import { installTools } from './install/tools.js'
import { KubectlClient } from './kube/client.js'
import { coreLog, redactStdout, type Log } from './log.js'
import { buildReport, type RunFacts } from './report/model.js'
import { publishReport } from './report/publish.js'
import type { Redactor } from './report/redact.js'
import { openSession, type Session } from './session.js'
import { forwardCancellation, type Cancellation } from './signals.js'

const STATE = { phase: 'phase', finished: 'finished', helmPath: 'helm-path' } as const

interface Run {
  inputs: Inputs
  facts: RunFacts
  redactor: Redactor
  log: Log
  session: Session
  cancellation: Cancellation
}

/** An error thrown by one step, tagged with where it came from. */
class StepError extends Error {
  constructor(
    readonly source: CauseSource,
    error: unknown
  ) {
    super(error instanceof Error ? error.message : String(error))
  }
}

async function step<T>(source: CauseSource, action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (error) {
    throw error instanceof StepError ? error : new StepError(source, error)
  }
}

function failedBefore(source: CauseSource, message: string): DeployResult {
  return {
    outcome: { status: 'failed', rolledBack: false, cause: { source, message } },
    recoveries: [],
    history: []
  }
}

function factsOf(raw: Readonly<Record<string, string>>, startedAt: number): RunFacts {
  const value = (name: InputName): string => (raw[name] ?? '').trim() || INPUT_DEFAULTS[name]
  return {
    release: value('release'),
    namespace: value('namespace'),
    environment: value('environment'),
    kubeContext: value('kube-context'),
    mode: value('mode'),
    chart: value('chart'),
    chartVersion: value('chart-version'),
    helm: { version: '', path: '' },
    kubectl: { path: '' },
    startedAt,
    finishedAt: startedAt,
    installMs: 0
  }
}

async function installAndConnect(run: Run): Promise<{ helm: HelmClient; kubectl: KubectlClient }> {
  const { inputs, facts, log, session } = run
  const tools = await step('install', () =>
    log.group('Install helm and kubectl', () => installTools(inputs, session.tempDir))
  )
  Object.assign(facts, { helm: tools.helm, kubectl: tools.kubectl, installMs: tools.durationMs })
  core.setOutput('helm-version', tools.helm.version)
  core.setOutput('helm-path', tools.helm.path)
  core.setOutput('kubectl-path', tools.kubectl.path)
  core.saveState(STATE.helmPath, tools.helm.path)
  const helm = await step('install', () =>
    HelmClient.open({ path: tools.helm.path, env: session.env, redactor: run.redactor, log })
  )
  run.cancellation.attach(helm)
  log.info(`helm ${helm.version} (major ${helm.major}), ${inputs.mode} of release ${inputs.release}`)
  const kubectl = new KubectlClient({
    path: tools.kubectl.path,
    env: session.env,
    kubeContext: inputs.kubeContext
  })
  facts.namespace = inputs.namespace || (await kubectl.contextNamespace().catch(() => 'default'))
  return { helm, kubectl }
}

/** Install, connect, deploy; any failure on the way is a failed result with its cause. */
async function deployRelease(run: Run): Promise<DeployResult> {
  try {
    const { helm, kubectl } = await installAndConnect(run)
    const { inputs, log, facts } = run
    return await step('cluster', () =>
      runDeploy({
        inputs,
        helm,
        workDir: run.session.workDir,
        log,
        startCompanion: watcherCompanion(inputs, kubectl, facts.namespace, log),
        isCancelled: () => run.cancellation.cancelled()
      })
    )
  } catch (error) {
    // Not marked finished: if helm had started, the post step checks that the release is not left pending.
    const source = error instanceof StepError ? error.source : 'cluster'
    return failedBefore(source, error instanceof Error ? error.message : String(error))
  }
}

/** The main step: inputs → install → deploy → report; then the one failure, after everything is written. */
export async function runMain(): Promise<void> {
  core.saveState(STATE.phase, 'main')
  const startedAt = Date.now()
  const read = readInputs()
  redactStdout(read.redactor)
  const log = coreLog(read.redactor)
  const cancellation = forwardCancellation(log)
  const facts = factsOf(read.raw, startedAt)
  let result: DeployResult
  let session: Session | undefined
  try {
    if (!read.inputs) result = failedBefore('input', read.errors.join('; '))
    else {
      session = await openSession(read.inputs.kubeconfig)
      result = await deployRelease({
        inputs: read.inputs,
        facts,
        redactor: read.redactor,
        log,
        session,
        cancellation
      })
    }
  } finally {
    cancellation.dispose()
    await session?.cleanup()
  }
  if (!read.inputs) for (const problem of read.errors) log.info(problem)
  facts.finishedAt = Date.now()
  const annotation = await log.group('Report', () =>
    publishReport(buildReport(facts, result), {
      redactor: read.redactor,
      log,
      tempDir: process.env.RUNNER_TEMP || session?.tempDir || '',
      summary: read.inputs?.summary ?? 'always',
      comment: read.inputs?.comment ?? 'never',
      githubToken: read.inputs?.githubToken ?? '',
      identity: {
        release: facts.release,
        namespace: facts.namespace,
        environment: facts.environment,
        kubeContext: facts.kubeContext
      }
    })
  )
  core.saveState(STATE.finished, 'true')
  if (annotation.level === 'notice') core.notice(annotation.message, { title: annotation.title })
  else {
    // The one failure: an error annotation titled with release and environment, and exit code 1.
    core.error(annotation.message, { title: annotation.title })
    process.exitCode = core.ExitCode.Failure
  }
}

/**
 * The post step runs even when the job was cancelled. If the main step did not finish (helm was killed during its
 * own cleanup), repair a release left pending, so the next run is not locked out.
 */
export async function runPost(): Promise<void> {
  if (core.getState(STATE.finished) === 'true') return
  const helmPath = core.getState(STATE.helmPath)
  if (!helmPath) return
  const read = readInputs()
  redactStdout(read.redactor)
  const log = coreLog(read.redactor)
  if (!read.inputs || read.inputs.mode === 'uninstall') return
  const inputs = read.inputs
  const session = await openSession(inputs.kubeconfig)
  try {
    const helm = await HelmClient.open({ path: helmPath, env: session.env, redactor: read.redactor, log })
    const action = await recoverAbandonedRelease({ inputs, helm, log })
    if (action) log.warning(`the main step did not finish; ${action.message}`)
    else log.info(`the main step did not finish; release ${inputs.release} is not pending, nothing to repair`)
  } catch (error) {
    log.warning(
      `post step could not repair the release: ${error instanceof Error ? error.message : String(error)}`
    )
  } finally {
    await session.cleanup()
  }
}

export function isPostStep(): boolean {
  return core.getState(STATE.phase) === 'main'
}
