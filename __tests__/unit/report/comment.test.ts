import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OutcomeStatus } from '../../../src/helm/outcome.js'
import type { CommentWhen } from '../../../src/inputs/index.js'
import {
  ACTIONS_BOT_LOGIN,
  commentMarker,
  commentPlan,
  findPullRequest,
  previousOutcome,
  writeStickyComment,
  type CommentIdentity,
  type EventContext,
  type StickyCommentResult
} from '../../../src/report/comment.js'
import type { DeployReport } from '../../../src/report/model.js'
import { renderComment } from '../../../src/report/render.js'
import { FakeGitHub } from '../../support/fake-github.js'
import { crashLoop, NOW, RUN_URL, success } from './fixtures.js'

const APP_TOKEN = 'ghs_app_token'
const PAT = 'ghp_personal_token'
const OTHER_PAT = 'ghp_someone_else'
const OTHER_APP_TOKEN = 'ghs_deploy_app'
const PR = 17

const prContext: EventContext = {
  eventName: 'pull_request',
  payload: { pull_request: { number: PR }, number: PR },
  repo: { owner: 'acme', repo: 'shop' },
  sha: 'abc123'
}

function identity(environment = 'staging'): CommentIdentity {
  return { release: 'web', namespace: 'shop', environment, kubeContext: '' }
}

function reportFor(status: OutcomeStatus, environment: string): DeployReport {
  const base = status === 'deployed' ? success.report : crashLoop.report
  return { ...base, environment, status }
}

interface Run {
  status: OutcomeStatus
  when?: CommentWhen
  environment?: string
  token?: string
  context?: EventContext
  useEnv?: boolean
  authorLogin?: string
}

describe('sticky PR comment against a fake GitHub API', () => {
  let github: FakeGitHub
  let warnings: string[]
  const savedApiUrl = process.env.GITHUB_API_URL

  beforeEach(async () => {
    github = new FakeGitHub({
      tokens: {
        [APP_TOKEN]: { login: ACTIONS_BOT_LOGIN, kind: 'app' },
        [PAT]: { login: 'deploy-bot', kind: 'user' },
        [OTHER_PAT]: { login: 'mallory', kind: 'user' },
        [OTHER_APP_TOKEN]: { login: 'deploy-app[bot]', kind: 'app' }
      }
    })
    await github.start()
    warnings = []
  })
  afterEach(async () => {
    await github.stop()
    if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL
    else process.env.GITHUB_API_URL = savedApiUrl
  })

  function run(r: Run): Promise<StickyCommentResult> {
    const environment = r.environment ?? 'staging'
    const report = reportFor(r.status, environment)
    const diagnostics = r.status === 'deployed' ? success.diagnostics : crashLoop.diagnostics
    if (r.useEnv) process.env.GITHUB_API_URL = github.url
    return writeStickyComment({
      token: r.token ?? APP_TOKEN,
      when: r.when ?? 'failure',
      status: r.status,
      identity: identity(environment),
      render: options =>
        renderComment({ report: { ...report, diagnostics }, runUrl: RUN_URL, now: NOW }, options),
      context: r.context ?? prContext,
      apiUrl: r.useEnv ? undefined : github.url,
      authorLogin: r.authorLogin,
      log: { info: () => {}, warning: message => warnings.push(message) }
    })
  }

  it('a first failure creates one comment with the marker and returns its URL', async () => {
    const result = await run({ status: 'rolled-back' })
    expect(result.action).toBe('created')
    const comments = github.commentsOn(PR)
    expect(comments).toHaveLength(1)
    const [comment] = comments
    expect(comment?.body.startsWith(commentMarker(identity()) + '\n')).toBe(true)
    expect(comment?.body).toContain('crash-looping')
    expect(result.url).toBe(`https://github.test/acme/shop/pull/${PR}#issuecomment-${comment?.id}`)
    expect(warnings).toEqual([])
  })

  it('a re-run updates the same comment in place, never a second one', async () => {
    const first = await run({ status: 'rolled-back' })
    const second = await run({ status: 'failed' })
    expect(second.action).toBe('updated')
    expect(second.url).toBe(first.url)
    expect(github.commentsOn(PR)).toHaveLength(1)
    expect(github.commentsOn(PR)[0]?.body).toContain('helm-atomic-deploy-outcome:failed')
    expect(github.writes().map(w => w.method)).toEqual(['POST', 'PATCH'])
  })

  it("ignores another author's comment carrying our marker and creates its own", async () => {
    const forged = github.addComment(PR, `${commentMarker(identity())}\nnot yours`, 'mallory')
    const result = await run({ status: 'rolled-back' })
    expect(result.action).toBe('created')
    expect(forged.body).toBe(`${commentMarker(identity())}\nnot yours`)
    expect(github.commentsOn(PR).filter(c => c.user.login === ACTIONS_BOT_LOGIN)).toHaveLength(1)
    expect(github.writes().some(w => w.method === 'PATCH')).toBe(false)
  })

  it('keeps separate comments for two environments (matrix legs)', async () => {
    await run({ status: 'rolled-back', environment: 'staging' })
    await run({ status: 'rolled-back', environment: 'production' })
    await run({ status: 'rolled-back', environment: 'staging' })
    const comments = github.commentsOn(PR)
    expect(comments).toHaveLength(2)
    expect(comments[0]?.body).toContain(commentMarker(identity('staging')))
    expect(comments[1]?.body).toContain(commentMarker(identity('production')))
    expect(github.writes().map(w => w.method)).toEqual(['POST', 'POST', 'PATCH'])
  })

  it('with comment: failure, a success after a failure updates the comment to resolved', async () => {
    await run({ status: 'rolled-back' })
    const result = await run({ status: 'deployed' })
    expect(result.action).toBe('updated')
    const [comment] = github.commentsOn(PR)
    expect(github.commentsOn(PR)).toHaveLength(1)
    expect(comment?.body).toContain('### ✅ Resolved: web (staging)')
    expect(comment?.body).toContain('**Resolved** at 2026-11-25T10:04:12.500Z')
    expect(comment?.body).not.toContain('crash-looping')
    // A further success has nothing left to resolve.
    const again = await run({ status: 'deployed' })
    expect(again.action).toBe('skipped')
    expect(github.writes()).toHaveLength(2)
  })

  it('with comment: failure, a success with no earlier comment creates nothing', async () => {
    const result = await run({ status: 'deployed' })
    expect(result).toMatchObject({ action: 'skipped' })
    expect(result.url).toBeUndefined()
    expect(github.writes()).toEqual([])
    expect(github.comments).toEqual([])
  })

  it('with comment: always, a success creates a comment', async () => {
    const result = await run({ status: 'deployed', when: 'always' })
    expect(result.action).toBe('created')
    expect(github.commentsOn(PR)[0]?.body).toContain('### ✅ Deployed: web (staging)')
  })

  it('with comment: never, makes no request at all', async () => {
    const result = await run({ status: 'rolled-back', when: 'never' })
    expect(result.action).toBe('skipped')
    expect(github.requests).toEqual([])
  })

  it('403 (fork PR, no pull-requests: write) warns with a hint and does not throw', async () => {
    github.failures.push({ method: 'POST', path: /\/issues\/\d+\/comments$/, status: 403 })
    const result = await run({ status: 'rolled-back' })
    expect(result.action).toBe('failed')
    expect(result.url).toBeUndefined()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/HTTP 403/)
    expect(warnings[0]).toContain('pull-requests: write')
    expect(warnings[0]).not.toContain('\n')
  })

  it('404 on listing comments warns and does not throw', async () => {
    github.failures.push({ method: 'GET', path: /\/comments$/, status: 404 })
    await expect(run({ status: 'failed' })).resolves.toMatchObject({ action: 'failed' })
    expect(warnings[0]).toMatch(/HTTP 404/)
  })

  it('a push event finds the PR through the commit, open ones first', async () => {
    github.commitPulls.set('deadbeef', [
      { number: 3, state: 'closed' },
      { number: 9, state: 'open' }
    ])
    const push: EventContext = { eventName: 'push', payload: {}, repo: prContext.repo, sha: 'deadbeef' }
    const result = await run({ status: 'rolled-back', context: push })
    expect(result.action).toBe('created')
    expect(github.commentsOn(9)).toHaveLength(1)
    expect(github.commentsOn(3)).toHaveLength(0)
    expect(github.requests.some(r => r.path === '/repos/acme/shop/commits/deadbeef/pulls')).toBe(true)
  })

  it('a push with no associated PR is skipped quietly', async () => {
    const push: EventContext = { eventName: 'push', payload: {}, repo: prContext.repo, sha: 'cafe' }
    const result = await run({ status: 'rolled-back', context: push })
    expect(result).toMatchObject({ action: 'skipped', reason: 'no pull request' })
    expect(github.writes()).toEqual([])
    expect(warnings).toEqual([])
  })

  it('lists comments with per_page=100 and follows pagination to find its own', async () => {
    for (let i = 0; i < 150; i++) github.addComment(PR, `chatter ${i}`, 'someone')
    await run({ status: 'rolled-back' })
    const result = await run({ status: 'rolled-back' })
    expect(result.action).toBe('updated')
    const lists = github.requests.filter(r => r.method === 'GET' && r.path.endsWith(`/issues/${PR}/comments`))
    expect(lists.every(r => r.query.per_page === '100')).toBe(true)
    expect(lists.some(r => r.query.page === '2')).toBe(true)
    expect(github.commentsOn(PR)).toHaveLength(151)
  })

  it('with a personal token, finds its comments through GET /user', async () => {
    github.addComment(PR, `${commentMarker(identity())}\nold`, ACTIONS_BOT_LOGIN)
    const first = await run({ status: 'rolled-back', token: PAT })
    expect(first.action).toBe('created')
    expect(github.commentsOn(PR).at(-1)?.user.login).toBe('deploy-bot')
    const second = await run({ status: 'rolled-back', token: PAT })
    expect(second).toMatchObject({ action: 'updated', url: first.url })
  })

  it('with the GITHUB_TOKEN (GET /user answers 403), recognises comments by github-actions[bot]', async () => {
    const earlier = github.addComment(PR, `${commentMarker(identity())}\nearlier run`, ACTIONS_BOT_LOGIN)
    const result = await run({ status: 'rolled-back', token: APP_TOKEN })
    expect(github.requests.find(r => r.path === '/user')).toBeDefined()
    expect(result.action).toBe('updated')
    expect(earlier.body).toContain('crash-looping')
  })

  it('another app token finds its comments through the author login it is given', async () => {
    github.addComment(PR, `${commentMarker(identity())}\nby the actions bot`, ACTIONS_BOT_LOGIN)
    const mine = github.addComment(PR, `${commentMarker(identity())}\nmine`, 'deploy-app[bot]')
    const result = await run({ status: 'failed', token: OTHER_APP_TOKEN, authorLogin: 'deploy-app[bot]' })
    expect(result).toMatchObject({ action: 'updated' })
    expect(mine.body).toContain('helm-atomic-deploy-outcome:failed')
    expect(github.requests.some(r => r.path === '/user')).toBe(false)
  })

  it('reaches the API through GITHUB_API_URL when no URL is passed', async () => {
    const result = await run({ status: 'rolled-back', useEnv: true })
    expect(result.action).toBe('created')
    expect(github.requests.length).toBeGreaterThan(0)
  })
})

describe('findPullRequest', () => {
  const noLookup = {
    pullRequestsForCommit: (): Promise<{ number: number; state: string }[]> => {
      throw new Error('must not look up commits')
    }
  }
  const ctx = (eventName: string, payload: Record<string, unknown>): EventContext => ({
    eventName,
    payload,
    repo: { owner: 'acme', repo: 'shop' },
    sha: 'abc'
  })

  it('reads pull_request, pull_request_target, workflow_run and PR issue_comment payloads', async () => {
    expect(await findPullRequest(ctx('pull_request', { pull_request: { number: 5 } }), noLookup)).toBe(5)
    expect(await findPullRequest(ctx('pull_request_target', { pull_request: { number: 6 } }), noLookup)).toBe(
      6
    )
    expect(
      await findPullRequest(
        ctx('workflow_run', { workflow_run: { pull_requests: [{ number: 7 }] } }),
        noLookup
      )
    ).toBe(7)
    expect(
      await findPullRequest(
        ctx('issue_comment', { issue: { number: 8, pull_request: { url: 'x' } } }),
        noLookup
      )
    ).toBe(8)
  })

  it('has no PR for other events, issues, or fork workflow_runs', async () => {
    expect(await findPullRequest(ctx('workflow_dispatch', {}), noLookup)).toBeUndefined()
    expect(await findPullRequest(ctx('issue_comment', { issue: { number: 8 } }), noLookup)).toBeUndefined()
    expect(
      await findPullRequest(ctx('workflow_run', { workflow_run: { pull_requests: [] } }), noLookup)
    ).toBeUndefined()
  })
})

describe('comment decisions', () => {
  it('plans by the comment input and the outcome', () => {
    expect(commentPlan('never', 'rolled-back')).toBe('skip')
    expect(commentPlan('failure', 'rolled-back')).toBe('write')
    expect(commentPlan('failure', 'failed')).toBe('write')
    expect(commentPlan('failure', 'deployed')).toBe('update-existing')
    expect(commentPlan('failure', 'uninstalled')).toBe('update-existing')
    expect(commentPlan('always', 'deployed')).toBe('write')
  })

  it('gives each (release, namespace, environment, kube-context) its own marker', () => {
    const markers = new Set(
      [
        identity('a'),
        identity('b'),
        { ...identity('a'), kubeContext: 'kind-b' },
        { ...identity('a'), namespace: 'other' },
        { ...identity('a'), release: 'api' }
      ].map(commentMarker)
    )
    expect(markers.size).toBe(5)
    expect(commentMarker(identity('a'))).toMatch(/^<!-- helm-atomic-deploy:[0-9a-f]{16} -->$/)
    expect(commentMarker(identity('a'))).toBe(commentMarker(identity('a')))
  })

  it('reads the outcome an earlier comment recorded', () => {
    expect(previousOutcome('x\n<!-- helm-atomic-deploy-outcome:rolled-back -->\n')).toBe('rolled-back')
    expect(previousOutcome('no marker')).toBeUndefined()
  })
})
