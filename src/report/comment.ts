/**
 * The sticky PR comment: one per (release, namespace, environment, kube-context), found by a hidden marker and
 * its author, updated in place. Never throws: a comment is a courtesy, the deploy's result stands without it.
 */
import { createHash } from 'node:crypto'
import { context as actionsContext, getOctokit } from '@actions/github'
import type { OutcomeStatus } from '../helm/outcome.js'
import type { CommentWhen } from '../inputs/index.js'
import { isFailure } from './model.js'
import { OUTCOME_MARKER_PREFIX, previousPlan } from './render.js'

export interface CommentIdentity {
  release: string
  namespace: string
  environment: string
  kubeContext: string
}

/** Hidden first line of our comment; a hash so any characters in the key are safe inside an HTML comment. */
export function commentMarker(identity: CommentIdentity): string {
  const key = JSON.stringify([
    identity.release,
    identity.namespace,
    identity.environment,
    identity.kubeContext
  ])
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16)
  return `<!-- helm-atomic-deploy:${hash} -->`
}

/** The parts of `github.context` this module reads; tests pass their own. */
export interface EventContext {
  eventName: string
  payload: Record<string, unknown>
  repo: { owner: string; repo: string }
  sha: string
}

export interface PullRequestLookup {
  /** `GET /repos/{owner}/{repo}/commits/{sha}/pulls`. */
  pullRequestsForCommit(
    owner: string,
    repo: string,
    sha: string
  ): Promise<{ number: number; state: string }[]>
}

/** The PR a run belongs to, or undefined when there is none (the comment is then skipped quietly). */
export async function findPullRequest(
  context: EventContext,
  api: PullRequestLookup
): Promise<number | undefined> {
  const payload = context.payload
  switch (context.eventName) {
    case 'pull_request':
    case 'pull_request_target':
      return numberOf(objectField(payload, 'pull_request')) ?? numberOf(payload)
    case 'issue_comment': {
      const issue = objectField(payload, 'issue')
      return issue && objectField(issue, 'pull_request') ? numberOf(issue) : undefined
    }
    case 'workflow_run': {
      const pulls = objectField(payload, 'workflow_run')?.pull_requests
      return Array.isArray(pulls) ? numberOf(pulls[0]) : undefined
    }
    case 'push': {
      if (!context.sha) return undefined
      const pulls = await api.pullRequestsForCommit(context.repo.owner, context.repo.repo, context.sha)
      // Open PRs first: a commit on a merged branch may still belong to an open follow-up.
      const ordered = [...pulls].sort((a, b) => Number(b.state === 'open') - Number(a.state === 'open'))
      return ordered[0]?.number
    }
    default:
      return undefined
  }
}

/** The commit a run is about: a pull request's head (GITHUB_SHA is its merge commit), else the event's SHA. */
export function commitOf(context: EventContext): string {
  const payload = context.payload
  const pull = objectField(payload, 'pull_request')
  const head = pull ? objectField(pull, 'head')?.sha : objectField(payload, 'workflow_run')?.head_sha
  return typeof head === 'string' && head !== '' ? head : context.sha
}

/** commitOf for the running workflow's event. */
export function runCommit(): string {
  try {
    return commitOf(defaultContext())
  } catch {
    return process.env.GITHUB_SHA ?? ''
  }
}

function objectField(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const field = (value as Record<string, unknown>)[key]
  return typeof field === 'object' && field !== null ? (field as Record<string, unknown>) : undefined
}

function numberOf(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const n = (value as Record<string, unknown>).number
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined
}

export type CommentPlan = 'write' | 'update-existing' | 'skip'

/**
 * `write`: create or update. `update-existing`: only update an existing comment worth updating — an earlier failure
 * (to say it is resolved) or a plan (to say how its deploy went); `comment: failure` after a success adds none.
 */
export function commentPlan(when: CommentWhen, status: OutcomeStatus, hasChanges = true): CommentPlan {
  if (when === 'never') return 'skip'
  if (status === 'planned') return when === 'changes' && !hasChanges ? 'skip' : 'write'
  if (when === 'always' || isFailure(status)) return 'write'
  return 'update-existing'
}

/** The outcome an earlier run wrote into its comment, from the hidden outcome marker. */
export function previousOutcome(body: string): string | undefined {
  const at = body.indexOf(OUTCOME_MARKER_PREFIX)
  if (at < 0) return undefined
  return /^([a-z-]+) -->/.exec(body.slice(at + OUTCOME_MARKER_PREFIX.length))?.[1]
}

/**
 * Comments made with the workflow's GITHUB_TOKEN are authored by this login. That token is a GitHub App
 * installation token, for which `GET /user` answers 403, so it is the fallback whenever `GET /user` fails.
 */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]'

export interface CommentLog {
  info(message: string): void
  warning(message: string): void
}

export interface StickyCommentOptions {
  token: string
  when: CommentWhen
  status: OutcomeStatus
  identity: CommentIdentity
  /** A plan run: whether it found changes (`comment: changes` skips a plan without). */
  hasChanges?: boolean
  /**
   * The body for this run; `resolved` when it replaces an earlier failure comment after a success, and the body it
   * replaces (a plan there is carried along).
   */
  render: (options: { marker: string; resolved: boolean; previousBody?: string }) => string
  /** Defaults to `github.context`. */
  context?: EventContext
  /** Defaults to GITHUB_API_URL, then https://api.github.com. */
  apiUrl?: string
  /**
   * The login our comments are authored by, when known (e.g. `my-app[bot]` for another GitHub App's token, for
   * which `GET /user` fails too). Defaults to `GET /user`, then ACTIONS_BOT_LOGIN.
   */
  authorLogin?: string
  log: CommentLog
}

export interface StickyCommentResult {
  action: 'created' | 'updated' | 'skipped' | 'failed'
  /** The comment's html_url when one was created or updated. */
  url?: string
  /** Why nothing was written. */
  reason?: string
}

interface IssueComment {
  id: number
  body?: string
  html_url: string
  user: { login: string } | null
}

type Octokit = ReturnType<typeof getOctokit>

/** Our comment carrying this marker on the issue, if any (someone else's that quotes the marker is not ours). */
async function findOwnComment(
  octokit: Octokit,
  context: EventContext,
  issueNumber: number,
  marker: string,
  login: string
): Promise<IssueComment | undefined> {
  const comments: IssueComment[] = await octokit.paginate(octokit.rest.issues.listComments, {
    ...context.repo,
    issue_number: issueNumber,
    per_page: 100
  })
  // The oldest of ours wins.
  return comments.find(
    c => c.user?.login.toLowerCase() === login.toLowerCase() && (c.body ?? '').includes(marker)
  )
}

function pullRequestOf(octokit: Octokit, context: EventContext): Promise<number | undefined> {
  return findPullRequest(context, {
    pullRequestsForCommit: async (owner, repo, sha) =>
      (await octokit.rest.repos.listPullRequestsAssociatedWithCommit({ owner, repo, commit_sha: sha })).data
  })
}

/** Creates or updates this release's sticky comment on the run's PR. Never throws. */
export async function writeStickyComment(options: StickyCommentOptions): Promise<StickyCommentResult> {
  const { log } = options
  const plan = commentPlan(options.when, options.status, options.hasChanges)
  if (plan === 'skip') return { action: 'skipped', reason: `comment is ${options.when}` }
  if (!options.token) {
    log.warning('PR comment skipped: github-token is empty')
    return { action: 'skipped', reason: 'no token' }
  }
  try {
    const context = options.context ?? defaultContext()
    const octokit = getOctokit(options.token, {
      baseUrl: options.apiUrl || process.env.GITHUB_API_URL || 'https://api.github.com'
    })
    const issueNumber = await pullRequestOf(octokit, context)
    if (issueNumber === undefined) {
      log.info(`PR comment skipped: no pull request for this ${context.eventName} event`)
      return { action: 'skipped', reason: 'no pull request' }
    }
    const marker = commentMarker(options.identity)
    const login = options.authorLogin || (await ownLogin(() => octokit.rest.users.getAuthenticated()))
    const existing = await findOwnComment(octokit, context, issueNumber, marker, login)
    const earlier = existing === undefined ? undefined : previousOutcome(existing.body ?? '')
    const earlierFailure = earlier === 'rolled-back' || earlier === 'failed'
    const earlierPlan = previousPlan(existing?.body) !== undefined
    if (plan === 'update-existing' && !earlierFailure && !earlierPlan) {
      return { action: 'skipped', reason: existing ? 'already up to date' : 'no failure comment to resolve' }
    }
    const resolved = !isFailure(options.status) && earlierFailure
    const body = options.render({ marker, resolved, previousBody: existing?.body })
    if (existing) {
      const { data } = await octokit.rest.issues.updateComment({
        ...context.repo,
        comment_id: existing.id,
        body
      })
      log.info(`updated PR #${issueNumber} comment: ${data.html_url}`)
      return { action: 'updated', url: data.html_url }
    }
    const { data } = await octokit.rest.issues.createComment({
      ...context.repo,
      issue_number: issueNumber,
      body
    })
    log.info(`commented on PR #${issueNumber}: ${data.html_url}`)
    return { action: 'created', url: data.html_url }
  } catch (error) {
    log.warning(`PR comment not written: ${describeError(error)}`)
    return { action: 'failed', reason: describeError(error) }
  }
}

async function ownLogin(getAuthenticated: () => Promise<{ data: { login: string } }>): Promise<string> {
  try {
    return (await getAuthenticated()).data.login
  } catch {
    // 403 for GITHUB_TOKEN (see ACTIONS_BOT_LOGIN). Any other failure gets the same guess: a wrong guess can only
    // make us create a second comment, never edit someone else's, because the author must match.
    return ACTIONS_BOT_LOGIN
  }
}

function defaultContext(): EventContext {
  return {
    eventName: actionsContext.eventName,
    payload: actionsContext.payload,
    repo: actionsContext.repo,
    sha: actionsContext.sha
  }
}

function describeError(error: unknown): string {
  const status =
    typeof error === 'object' && error !== null ? (error as { status?: unknown }).status : undefined
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
  if (status === 403 || status === 404) {
    return (
      `HTTP ${status} (${message}); the token needs \`pull-requests: write\`, ` +
      'which pull requests from forks never get; the job summary has the full report'
    )
  }
  return typeof status === 'number' ? `HTTP ${status} (${message})` : (message ?? 'unknown error')
}
