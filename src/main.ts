/** The main and post steps: small named steps, a report for every outcome, and the one failure at the end. */
import * as core from '@actions/core'
import type { DeployResult } from './deploy/context.js'
import { recoverAbandonedRelease } from './deploy/recovery.js'
import { testWatcher, watcherCompanion } from './deploy/watcher.js'
import { HelmClient } from './helm/client.js'
import { readInputs } from './inputs/index.js'
import { coreLog, redactStdout } from './log.js'
import {
  abandonDeployment,
  deploymentSettings,
  startDeployment,
  type GitHubDeployment
} from './report/deployments.js'
import { buildReport } from './report/model.js'
import { publishReport } from './report/publish.js'
import { openSession, type Session } from './session.js'
import { MODES } from './modes.js'
import { forwardCancellation } from './signals.js'
import { failedBefore, factsOf, installAndConnect, STATE, step, StepError, type Run } from './steps.js'

/** Install, connect, deploy; any failure on the way is a failed result with its cause. */
async function deployRelease(run: Run): Promise<DeployResult> {
  try {
    const { helm, kubectl } = await installAndConnect(run)
    const { inputs, log, facts } = run
    const ctx = {
      inputs,
      helm,
      workDir: run.session.workDir,
      log,
      startCompanion: watcherCompanion(inputs, kubectl, facts.namespace, log),
      watchTests: testWatcher(inputs, kubectl, facts.namespace, log),
      isCancelled: () => run.cancellation.cancelled()
    }
    return await step('cluster', () => MODES[inputs.mode](ctx, facts.namespace))
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
  let deployment: GitHubDeployment | undefined
  try {
    if (!read.inputs) result = failedBefore('input', read.errors.join('; '))
    else {
      if (read.inputs.githubDeployment && read.inputs.mode !== 'plan') {
        deployment = await startDeployment(deploymentSettings(read.inputs, read.redactor, log))
        if (deployment.id !== undefined) core.saveState(STATE.deploymentId, String(deployment.id))
      }
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
      deployment,
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
 * own cleanup), repair a release left pending, so the next run is not locked out, and end the run's GitHub
 * deployment, which would otherwise stay in_progress.
 */
export async function runPost(): Promise<void> {
  if (core.getState(STATE.finished) === 'true') return
  const helmPath = core.getState(STATE.helmPath)
  const deploymentId = Number(core.getState(STATE.deploymentId))
  if (!helmPath && !deploymentId) return
  const read = readInputs()
  redactStdout(read.redactor)
  const log = coreLog(read.redactor)
  if (read.inputs && deploymentId)
    await abandonDeployment(deploymentSettings(read.inputs, read.redactor, log), deploymentId)
  if (!helmPath || !read.inputs || read.inputs.mode === 'uninstall' || read.inputs.mode === 'plan') return
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
