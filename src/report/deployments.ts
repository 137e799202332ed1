/**
 * The GitHub Deployments lifecycle of a run: a deployment of `environment` created at the start (or the
 * `deployment` event's own), `in_progress` with the run's log, then `success`, `failure` or `error`; `mode:
 * uninstall` marks this environment's deployments `inactive`, never another's. Never throws: a token without
 * `deployments: write` (fork PRs) costs one warning, and the deploy's result stands.
 */
import { context as actionsContext, getOctokit } from '@actions/github'
import type { Inputs } from '../inputs/index.js'
import type { CommentLog, EventContext } from './comment.js'
import { isFailure, type DeployReport } from './model.js'
import type { Redactor } from './redact.js'

/** GitHub refuses a deployment status description over 140 characters. */
export const DESCRIPTION_LIMIT = 140

export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive'

export interface DeploymentSettings {
  token: string
  environment: string
  environmentUrl: string
  productionEnvironment: boolean
  /** `uninstall`: nothing is created; the environment's deployments are marked inactive once it is uninstalled. */
  mode: string
  /** In the deployment's payload, for whoever reads the environment's history. */
  payload: { release: string; namespace: string; chart: string }
  /** Every text sent passes it (descriptions carry root causes, which may quote the cluster). */
  redact: (text: string) => string
  log: CommentLog
  /** Defaults to `github.context`. */
  context?: EventContext
  /** Defaults to GITHUB_API_URL, then https://api.github.com. */
  apiUrl?: string
  /** The run's URL, the statuses' `log_url`; defaults to the one GITHUB_* describe. */
  logUrl?: string
}

/** A run's deployment once started; `id` is undefined when none could be created (the reason was warned once). */
export interface GitHubDeployment {
  readonly settings: DeploymentSettings
  readonly id?: number
}

type Octokit = ReturnType<typeof getOctokit>

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target'])
/** Causes that mean the deploy never ran: the deployment `error`s rather than fails. */
const COULD_NOT_RUN = new Set(['input', 'install', 'cluster', 'refused', 'concurrent', 'cancelled'])

/** The commit being deployed: the pull request's head (GITHUB_SHA is its merge commit), else GITHUB_SHA. */
export function deployedSha(context: EventContext): string {
  if (PULL_REQUEST_EVENTS.has(context.eventName)) {
    const head = objectAt(context.payload, ['pull_request', 'head'])
    if (typeof head?.sha === 'string' && head.sha !== '') return head.sha
  }
  return context.sha
}

/** The `deployment` event's deployment, which the run reports to instead of creating one. */
export function eventDeploymentId(context: EventContext): number | undefined {
  if (context.eventName !== 'deployment') return undefined
  const id = objectAt(context.payload, ['deployment'])?.id
  return typeof id === 'number' && Number.isInteger(id) && id > 0 ? id : undefined
}

/** The final state: success, failure for a deploy that ran and failed (rolled back or not), error when it could not run. */
export function finalState(report: Pick<DeployReport, 'status' | 'cause'>): DeploymentState {
  if (!isFailure(report.status)) return 'success'
  if (report.status === 'rolled-back') return 'failure'
  return report.cause && COULD_NOT_RUN.has(report.cause.source) ? 'error' : 'failure'
}

/** One line for the status: the root cause of a failure, what was deployed otherwise; at most 140 characters. */
export function statusDescription(report: DeployReport): string {
  let text: string
  if (isFailure(report.status)) {
    const what = report.status === 'rolled-back' ? 'rolled back' : 'failed'
    text = `${what}: ${report.failureReason ?? report.detail ?? 'see the run log'}`
  } else {
    text = `${report.release} revision ${report.revision ?? 'none'} deployed`
    if (report.tests && report.tests.result !== 'none') text += `, tests ${report.tests.result}`
  }
  return oneLine(text, DESCRIPTION_LIMIT)
}

export function deploymentSettings(inputs: Inputs, redactor: Redactor, log: CommentLog): DeploymentSettings {
  return {
    token: inputs.githubToken,
    environment: inputs.environment,
    environmentUrl: inputs.environmentUrl,
    productionEnvironment: inputs.productionEnvironment,
    mode: inputs.mode,
    payload: { release: inputs.release, namespace: inputs.namespace, chart: inputs.chart },
    redact: text => redactor.text(text),
    log
  }
}

/** Creates the run's deployment (or takes the event's) and marks it in_progress; for uninstall, only prepares. */
export async function startDeployment(settings: DeploymentSettings): Promise<GitHubDeployment> {
  if (settings.mode === 'uninstall') return { settings }
  if (!settings.token) {
    settings.log.warning('GitHub deployment skipped: github-token is empty')
    return { settings }
  }
  const context = settings.context ?? defaultContext()
  try {
    const octokit = client(settings)
    const id = eventDeploymentId(context) ?? (await createDeployment(octokit, context, settings))
    await postStatus(octokit, context, settings, id, 'in_progress', `deploying ${settings.payload.release}`)
    settings.log.info(`GitHub deployment ${id} of environment ${settings.environment}: in_progress`)
    return { settings, id }
  } catch (error) {
    settings.log.warning(`GitHub deployment not created: ${describeError(error)}`)
    return { settings }
  }
}

/** The run's last word: its deployment's final status, or (uninstall) this environment's deployments inactive. */
export async function finishDeployment(deployment: GitHubDeployment, report: DeployReport): Promise<void> {
  const { settings } = deployment
  const context = settings.context ?? defaultContext()
  try {
    if (settings.mode === 'uninstall') {
      if (report.status !== 'uninstalled' || !settings.token) return
      const count = await deactivateEnvironment(client(settings), context, settings)
      settings.log.info(`GitHub environment ${settings.environment}: ${count} deployment(s) marked inactive`)
      return
    }
    if (deployment.id === undefined) return
    const state = finalState(report)
    await postStatus(client(settings), context, settings, deployment.id, state, statusDescription(report))
    settings.log.info(`GitHub deployment ${deployment.id}: ${state}`)
  } catch (error) {
    settings.log.warning(`GitHub deployment status not written: ${describeError(error)}`)
  }
}

/** The post step's: the main step ended before its last word (a cancelled or killed job), so the deployment errs. */
export async function abandonDeployment(settings: DeploymentSettings, id: number): Promise<void> {
  const context = settings.context ?? defaultContext()
  const description = 'the run ended before it finished (cancelled?); see its log'
  try {
    await postStatus(client(settings), context, settings, id, 'error', description)
    settings.log.info(`GitHub deployment ${id}: error (the main step did not finish)`)
  } catch (error) {
    settings.log.warning(`GitHub deployment status not written: ${describeError(error)}`)
  }
}

async function createDeployment(
  octokit: Octokit,
  context: EventContext,
  settings: DeploymentSettings
): Promise<number> {
  const { release, namespace, chart } = settings.payload
  const { data } = await octokit.rest.repos.createDeployment({
    ...context.repo,
    ref: deployedSha(context),
    environment: settings.environment,
    // A pull request's preview goes away with it; production is the user's to declare.
    transient_environment: PULL_REQUEST_EVENTS.has(context.eventName),
    production_environment: settings.productionEnvironment,
    auto_merge: false,
    required_contexts: [],
    payload: { release: settings.redact(release), namespace, chart: settings.redact(chart) },
    description: oneLine(settings.redact(`helm-atomic-deploy: release ${release}`), DESCRIPTION_LIMIT)
  })
  if (!('id' in data)) throw new Error(`GitHub created no deployment: ${data.message ?? 'no id'}`)
  return data.id
}

async function postStatus(
  octokit: Octokit,
  context: EventContext,
  settings: DeploymentSettings,
  id: number,
  state: DeploymentState,
  description: string
): Promise<void> {
  const logUrl = settings.logUrl ?? runUrl()
  await octokit.rest.repos.createDeploymentStatus({
    ...context.repo,
    deployment_id: id,
    state,
    description: oneLine(settings.redact(description), DESCRIPTION_LIMIT),
    ...(logUrl ? { log_url: logUrl } : {}),
    ...(state === 'success' && settings.environmentUrl ? { environment_url: settings.environmentUrl } : {}),
    // GitHub's auto-inactive would also end other pull requests' previews that share the environment's name.
    ...(state === 'success' && PULL_REQUEST_EVENTS.has(context.eventName) ? { auto_inactive: false } : {})
  })
}

/** Marks every deployment of exactly this environment inactive (unless it already is); how many it marked. */
async function deactivateEnvironment(
  octokit: Octokit,
  context: EventContext,
  settings: DeploymentSettings
): Promise<number> {
  const deployments = await octokit.paginate(octokit.rest.repos.listDeployments, {
    ...context.repo,
    environment: settings.environment,
    per_page: 100
  })
  let marked = 0
  // The filter is the API's; checking it again costs nothing and guards every other environment.
  for (const d of deployments.filter(d => d.environment === settings.environment)) {
    const { data: statuses } = await octokit.rest.repos.listDeploymentStatuses({
      ...context.repo,
      deployment_id: d.id,
      per_page: 1
    })
    if (statuses[0]?.state === 'inactive') continue
    await postStatus(octokit, context, settings, d.id, 'inactive', `${settings.payload.release} uninstalled`)
    marked++
  }
  return marked
}

function client(settings: DeploymentSettings): Octokit {
  return getOctokit(settings.token, {
    baseUrl: settings.apiUrl || process.env.GITHUB_API_URL || 'https://api.github.com'
  })
}

function runUrl(): string | undefined {
  const { GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID } = process.env
  return GITHUB_SERVER_URL && GITHUB_REPOSITORY && GITHUB_RUN_ID
    ? `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`
    : undefined
}

function defaultContext(): EventContext {
  return {
    eventName: actionsContext.eventName,
    payload: actionsContext.payload,
    repo: actionsContext.repo,
    sha: actionsContext.sha
  }
}

function objectAt(value: unknown, path: readonly string[]): Record<string, unknown> | undefined {
  let at: unknown = value
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined
    at = (at as Record<string, unknown>)[key]
  }
  return typeof at === 'object' && at !== null ? (at as Record<string, unknown>) : undefined
}

function oneLine(value: string, max: number): string {
  const line = value.replace(/\s*[\r\n]+\s*/g, '; ').trim()
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`
}

function describeError(error: unknown): string {
  const status =
    typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
  if (status === 403 || status === 404) {
    return (
      `HTTP ${status} (${message}); the token needs \`deployments: write\`, ` +
      'which pull requests from forks never get; the deploy itself is unaffected'
    )
  }
  return typeof status === 'number' ? `HTTP ${status} (${message})` : message
}
