import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { deploy, recoverAbandonedRelease } from './deploy.js'
import { HelmClient } from './helm/client.js'
import { readInputs, type Inputs } from './inputs.js'
import { installTool, resolveHelmVersion, resolveKubectl } from './install/installer.js'
import { KubectlClient } from './kube/client.js'
import { DEFAULT_VERDICT_OPTIONS } from './kube/verdicts.js'
import { ReleaseWatcher } from './kube/watch.js'
import { annotateOutcome } from './report/annotations.js'
import { writeStickyComment } from './report/comment.js'
import { redactData } from './report/redact.js'
import { renderComment, renderSummary } from './report/render.js'
import { summaryWanted, writeSummary } from './report/summary.js'
import { buildReport, type DeployReport } from './report/report.js'

const STATE_PHASE = 'phase'
const STATE_FINISHED = 'finished'
const STATE_HELM_PATH = 'helm-path'

interface Session {
  inputs: Inputs
  tempDir: string
  /** Environment for helm and kubectl: KUBECONFIG from the kubeconfig input when given. */
  env: NodeJS.ProcessEnv
  cleanup(): Promise<void>
}

async function openSession(inputs: Inputs): Promise<Session> {
  const tempDir = process.env.RUNNER_TEMP || tmpdir()
  await mkdir(tempDir, { recursive: true })
  if (inputs.kubeconfig === '') return { inputs, tempDir, env: { ...process.env }, cleanup: async () => {} }
  const dir = await mkdtemp(join(tempDir, 'helm-atomic-deploy-kube-'))
  const kubeconfigPath = join(dir, 'config')
  await writeFile(kubeconfigPath, inputs.kubeconfig, { mode: 0o600 })
  return {
    inputs,
    tempDir,
    env: { ...process.env, KUBECONFIG: kubeconfigPath },
    cleanup: () => rm(dir, { recursive: true, force: true })
  }
}

async function writeReport(tempDir: string, report: DeployReport): Promise<string> {
  const dir = join(tempDir, 'helm-atomic-deploy')
  await mkdir(dir, { recursive: true })
  const suffix = report.namespace ? `.${report.namespace}` : ''
  const path = join(dir, `${report.release}${suffix}-${Date.now()}.json`)
  await writeFile(path, JSON.stringify(report, null, 2) + '\n', { mode: 0o600 })
  return path
}

function setDeployOutputs(report: DeployReport, reportPath: string): void {
  core.setOutput('status', report.status)
  core.setOutput('revision', report.revision ?? '')
  core.setOutput('previous-revision', report.previousRevision ?? '')
  core.setOutput('rolled-back', String(report.rolledBack))
  core.setOutput('failure-reason', report.failureReason ?? '')
  core.setOutput('report-path', reportPath)
}

function runUrl(): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = process.env
  return GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID
    ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`
    : undefined
}

/** Summary, sticky PR comment and annotations; each catches its own errors, so the outcome stands. */
async function publishReport(inputs: Inputs, report: DeployReport): Promise<void> {
  const input = { report, secrets: inputs.secrets, runUrl: runUrl(), now: Date.now() }
  if (summaryWanted(inputs.summary, report.status)) await writeSummary(renderSummary(input))
  if (inputs.comment !== 'never' && inputs.githubToken !== '') {
    const comment = await writeStickyComment({
      token: inputs.githubToken,
      when: inputs.comment,
      status: report.status,
      identity: {
        release: inputs.release,
        namespace: report.namespace,
        environment: inputs.environment,
        kubeContext: inputs.kubeContext
      },
      render: options => renderComment(input, options),
      log: { info: line => core.info(line), warning: line => core.warning(line) }
    })
    if (comment.url) core.setOutput('comment-url', comment.url)
  }
  annotateOutcome(report, report.diagnostics, inputs.secrets)
}

/** The main step: inputs → install → deploy → report, failing once at the end. */
async function runMain(): Promise<void> {
  core.saveState(STATE_PHASE, 'main')
  let session: Session | undefined
  let helm: HelmClient | undefined
  let cancelledBy: string | undefined
  // Forward the workflow's cancellation to helm at once, so it cancels its wait and runs its own atomic cleanup.
  const onSignal = (signal: NodeJS.Signals): void => {
    const first = cancelledBy === undefined
    cancelledBy ??= signal
    const sent = helm?.signalAll('SIGINT') ?? 0
    if (first)
      core.warning(
        `received ${signal}: ${sent ? 'asked helm to cancel and clean up' : 'stopping before helm starts'}`
      )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const inputs = readInputs()
    session = await openSession(inputs)
    const started = Date.now()
    const startedAt = new Date(started).toISOString()

    const helmVersion = await resolveHelmVersion(inputs.helmVersion, inputs.helmMirror)
    const helmTool = await installTool({
      tool: 'helm',
      version: helmVersion,
      mirror: inputs.helmMirror,
      expectedSha256: inputs.helmSha256 || undefined,
      tempDir: session.tempDir
    })
    core.setOutput('helm-version', helmTool.version)
    core.setOutput('helm-path', helmTool.path)
    core.saveState(STATE_HELM_PATH, helmTool.path)
    const kubectl = await resolveKubectl(inputs.kubectlVersion, version =>
      installTool({
        tool: 'kubectl',
        version,
        mirror: inputs.kubectlMirror,
        tempDir: session?.tempDir ?? tmpdir()
      })
    )
    core.setOutput('kubectl-path', kubectl.path)
    const installMs = Date.now() - started

    helm = new HelmClient({ path: helmTool.path, env: session.env, secrets: inputs.secrets })
    const { version, major } = await helm.version()
    core.info(`helm ${version} (major ${major}), ${inputs.mode} of release ${inputs.release}`)

    const kubectlClient = new KubectlClient({
      path: kubectl.path,
      env: session.env,
      kubeContext: inputs.kubeContext
    })
    const namespace = inputs.namespace || (await kubectlClient.contextNamespace().catch(() => 'default'))
    const result = await deploy({
      inputs,
      helm,
      major,
      tempDir: session.tempDir,
      log: line => core.info(line),
      isCancelled: () => cancelledBy !== undefined,
      startCompanion: (child, isHelmWaiting) => {
        const watcher = new ReleaseWatcher({
          kubectl: kubectlClient,
          release: inputs.release,
          namespace,
          logLines: inputs.logLines,
          failFast: inputs.failFast,
          verdictOptions: { ...DEFAULT_VERDICT_OPTIONS, restarts: inputs.failFastRestarts },
          isHelmWaiting,
          onVerdict: verdict => {
            const then = inputs.atomic ? 'roll back' : 'leave the failed release for inspection'
            core.warning(`fail-fast: ${verdict.message}; ending helm's wait so that it can ${then}`)
            child.signal('SIGINT')
          },
          log: line => core.debug(line)
        })
        watcher.start()
        return { stop: () => watcher.stop() }
      }
    })
    const { outcome } = result
    // Redacted once, here: everything below (outputs, report.json, summary, comment, annotations) reads this.
    const report = redactData(
      buildReport({
        release: inputs.release,
        namespace,
        environment: inputs.environment,
        kubeContext: inputs.kubeContext,
        mode: inputs.mode,
        chart: inputs.chart,
        chartVersion: inputs.chartVersion,
        helmVersion: version,
        helmPath: helmTool.path,
        kubectlPath: kubectl.path,
        status: outcome.status,
        revision: outcome.revision,
        previousRevision: outcome.previousRevision,
        rolledBack: outcome.rolledBack,
        failureReason: outcome.failureReason,
        helmError: result.helmError,
        detail: outcome.detail,
        recoveries: result.recoveries,
        history: result.historyAfter,
        startedAt,
        finishedAt: new Date().toISOString(),
        installMs,
        helmMs: result.helmDurationMs,
        diagnostics: result.diagnostics
      }),
      inputs.secrets
    )
    const reportPath = await writeReport(session.tempDir, report)
    setDeployOutputs(report, reportPath)
    core.saveState(STATE_FINISHED, 'true')
    await publishReport(inputs, report)
    core.info(
      `status: ${report.status}; revision ${report.previousRevision ?? 'none'} → ${report.revision ?? 'none'}` +
        (report.detail ? `; ${report.detail}` : '')
    )
    // The failure's one error annotation (titled with release and environment) was written with the report.
    if (report.status !== 'deployed' && report.status !== 'uninstalled')
      process.exitCode = core.ExitCode.Failure
  } catch (error) {
    // Not marked finished: if helm had started, the post step checks that the release is not left pending.
    core.setFailed(error instanceof Error ? error.message : String(error))
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await session?.cleanup()
  }
}

/**
 * The post step runs even when the job was cancelled. If the main step did not finish (helm was killed during its
 * own cleanup), repair a release left pending, so the next run is not locked out.
 */
async function runPost(): Promise<void> {
  if (core.getState(STATE_FINISHED) === 'true') return
  const helmPath = core.getState(STATE_HELM_PATH)
  if (!helmPath) return
  let session: Session | undefined
  try {
    const inputs = readInputs()
    if (inputs.mode === 'uninstall') return
    session = await openSession(inputs)
    const helm = new HelmClient({ path: helmPath, env: session.env, secrets: inputs.secrets })
    const { major } = await helm.version()
    const action = await recoverAbandonedRelease({ inputs, helm, major, log: line => core.info(line) })
    if (action) core.warning(`the main step did not finish; ${action.message}`)
    else
      core.info(`the main step did not finish; release ${inputs.release} is not pending, nothing to repair`)
  } catch (error) {
    core.warning(
      `post step could not repair the release: ${error instanceof Error ? error.message : String(error)}`
    )
  } finally {
    await session?.cleanup()
  }
}

export async function run(): Promise<void> {
  if (core.getState(STATE_PHASE) === 'main') await runPost()
  else await runMain()
}
