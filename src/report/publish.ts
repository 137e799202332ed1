/**
 * The edge where the report leaves the process: report.json, the outputs, the job summary, the sticky PR
 * comment and the one annotation. Each output passes the redactor here; each catches its own errors, so the
 * outcome stands.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as core from '@actions/core'
import type { CommentWhen, SummaryWhen } from '../inputs/index.js'
import type { Log } from '../log.js'
import { outcomeAnnotation, type Annotation } from './annotations.js'
import { writeStickyComment, type CommentIdentity } from './comment.js'
import { hasChanges } from '../plan/changes.js'
import { finishDeployment, type GitHubDeployment } from './deployments.js'
import type { DeployReport } from './model.js'
import type { Redactor } from './redact.js'
import { renderComment, renderSummary } from './render.js'
import { summaryWanted } from './summary.js'

export interface PublishOptions {
  redactor: Redactor
  log: Log
  tempDir: string
  summary: SummaryWhen
  comment: CommentWhen
  githubToken: string
  identity: CommentIdentity
  /** The run's GitHub deployment (github-deployment), given its final status here. */
  deployment?: GitHubDeployment
}

function runUrl(): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = process.env
  return GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID
    ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`
    : undefined
}

async function writeReportFile(dir: string, report: DeployReport): Promise<string> {
  const folder = join(dir, 'helm-atomic-deploy')
  await mkdir(folder, { recursive: true })
  const suffix = report.namespace ? `.${report.namespace}` : ''
  const path = join(folder, `${report.release || 'release'}${suffix}-${Date.now()}.json`)
  // The report was redacted as data, string by string: a text pass could break the JSON.
  await writeFile(path, JSON.stringify(report, null, 2) + '\n', { mode: 0o600 })
  return path
}

/** plan-path: the counts and, per resource, action, kind, name, namespace and the (redacted) diff. */
async function writePlanFile(dir: string, report: DeployReport): Promise<string> {
  const plan = report.plan
  if (!plan) return ''
  const folder = join(dir, 'helm-atomic-deploy')
  await mkdir(folder, { recursive: true })
  const path = join(
    folder,
    `${report.release}${report.namespace ? `.${report.namespace}` : ''}-plan-${Date.now()}.json`
  )
  const file = {
    schema: 'helm-atomic-deploy/plan@1',
    release: report.release,
    namespace: report.namespace,
    commit: report.commit,
    ...plan
  }
  await writeFile(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 })
  return path
}

/** The step's outputs from the (redacted) report; mode plan adds has-changes and the plan file. */
async function outputsOf(
  report: DeployReport,
  reportPath: string,
  options: PublishOptions
): Promise<Record<string, string>> {
  const outputs: Record<string, string> = {
    status: report.status,
    revision: report.revision === null ? '' : String(report.revision),
    'previous-revision': report.previousRevision === null ? '' : String(report.previousRevision),
    'rolled-back': String(report.rolledBack),
    'failure-reason': report.failureReason ?? '',
    'report-path': reportPath,
    tests: report.tests?.result ?? ''
  }
  if (report.plan) {
    outputs['has-changes'] = String(hasChanges(report.plan))
    outputs['plan-path'] = await writePlanFile(options.tempDir, report).catch((error: unknown) => {
      options.log.warning(`plan file not written: ${error instanceof Error ? error.message : String(error)}`)
      return ''
    })
  }
  return outputs
}

/** Writes everything but the annotation, which it returns (redacted): the caller writes it, or fails with it. */
export async function publishReport(unredacted: DeployReport, options: PublishOptions): Promise<Annotation> {
  const { redactor, log } = options
  const report = redactor.data(unredacted)
  const workspace = process.env.GITHUB_WORKSPACE
  const input = { report, runUrl: runUrl(), now: Date.now(), ...(workspace ? { workspace } : {}) }
  let reportPath = ''
  try {
    reportPath = await writeReportFile(options.tempDir, report)
  } catch (error) {
    log.warning(`report.json not written: ${error instanceof Error ? error.message : String(error)}`)
  }
  const outputs = await outputsOf(report, reportPath, options)
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, redactor.text(value))

  if (summaryWanted(options.summary, report.status)) {
    try {
      await core.summary.addRaw(redactor.text(renderSummary(input))).write()
    } catch (error) {
      log.warning(`job summary not written: ${error instanceof Error ? error.message : String(error)}`)
    } finally {
      // The buffer is module state; a failed write must not leak into a later one.
      core.summary.emptyBuffer()
    }
  }
  if (options.comment !== 'never' && options.githubToken !== '') {
    const comment = await writeStickyComment({
      token: options.githubToken,
      when: options.comment,
      status: report.status,
      hasChanges: report.plan ? hasChanges(report.plan) : undefined,
      identity: options.identity,
      render: rendering => redactor.text(renderComment(input, rendering)),
      log
    })
    if (comment.url) core.setOutput('comment-url', comment.url)
  }
  if (options.deployment) {
    await finishDeployment(options.deployment, report)
    if (options.deployment.id !== undefined) core.setOutput('deployment-id', String(options.deployment.id))
  }
  log.info(
    `status: ${report.status}; revision ${report.previousRevision ?? 'none'} → ${report.revision ?? 'none'}` +
      (report.detail ? `; ${report.detail}` : '')
  )
  const annotation = outcomeAnnotation(report)
  return { ...annotation, title: redactor.text(annotation.title), message: redactor.text(annotation.message) }
}
