import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CauseSource } from '../../../src/cause.js'
import type { OutcomeStatus } from '../../../src/helm/outcome.js'
import type { EventContext } from '../../../src/report/comment.js'
import {
  abandonDeployment,
  deployedSha,
  eventDeploymentId,
  finalState,
  finishDeployment,
  startDeployment,
  statusDescription,
  type DeploymentSettings,
  type DeploymentState
} from '../../../src/report/deployments.js'
import type { DeployReport } from '../../../src/report/model.js'
import { Redactor } from '../../../src/report/redact.js'
import { FakeGitHub } from '../../support/fake-github.js'
import { crashLoop, RUN_URL, success, testsPassed } from './fixtures.js'

const TOKEN = 'ghs_deploy_token'
const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
const MERGE = 'ffffffffffffffffffffffffffffffffffffffff'
const SECRET = 'hunter2-pa55word'

const repo = { owner: 'acme', repo: 'shop' }
const push: EventContext = { eventName: 'push', payload: {}, repo, sha: MERGE }
const pullRequest = (number: number, head = HEAD): EventContext => ({
  eventName: 'pull_request',
  payload: { number, pull_request: { number, head: { sha: head } } },
  repo,
  sha: MERGE
})

describe('deployedSha, eventDeploymentId', () => {
  it.each<[string, EventContext, string]>([
    ['push: GITHUB_SHA', push, MERGE],
    ['pull_request: the head, not the merge commit', pullRequest(7), HEAD],
    ['pull_request_target: the head', { ...pullRequest(7), eventName: 'pull_request_target' }, HEAD],
    ['pull_request without a head in the payload', { ...pullRequest(7), payload: { number: 7 } }, MERGE],
    ['workflow_dispatch', { ...push, eventName: 'workflow_dispatch' }, MERGE]
  ])('%s', (_what, context, sha) => {
    expect(deployedSha(context)).toBe(sha)
  })

  it.each<[string, EventContext, number | undefined]>([
    ['a deployment event', { ...push, eventName: 'deployment', payload: { deployment: { id: 4242 } } }, 4242],
    ['a deployment event without an id', { ...push, eventName: 'deployment', payload: {} }, undefined],
    ['a push carrying a deployment-like payload', { ...push, payload: { deployment: { id: 9 } } }, undefined]
  ])('%s', (_what, context, id) => {
    expect(eventDeploymentId(context)).toBe(id)
  })
})

describe('finalState', () => {
  it.each<[OutcomeStatus, CauseSource | undefined, DeploymentState]>([
    ['deployed', undefined, 'success'],
    ['uninstalled', undefined, 'success'],
    ['rolled-back', 'fail-fast', 'failure'],
    ['rolled-back', 'test', 'failure'],
    ['failed', 'helm', 'failure'],
    ['failed', 'test', 'failure'],
    ['failed', 'min-ready', 'failure'],
    ['failed', 'input', 'error'],
    ['failed', 'install', 'error'],
    ['failed', 'cluster', 'error'],
    ['failed', 'refused', 'error'],
    ['failed', 'concurrent', 'error'],
    ['failed', 'cancelled', 'error']
  ])('%s (%s) → %s', (status, source, state) => {
    expect(finalState({ status, cause: source ? { source, message: 'x' } : null })).toBe(state)
  })
})

describe('statusDescription', () => {
  it.each<[string, DeployReport, string]>([
    ['a deploy', success.report, 'web revision 4 deployed'],
    ['a deploy with tests', testsPassed.report, 'web revision 4 deployed, tests passed'],
    [
      'a rollback: the root cause',
      crashLoop.report,
      'rolled back: fail-fast: container web in pod web-7d9f8c6b5-x2k4p crash-looping (exit code 1, 2 restarts)'
    ],
    [
      'a failure over several lines, capped at 140 characters',
      {
        ...crashLoop.report,
        status: 'failed',
        failureReason: `first line\nsecond line ${'x'.repeat(200)}`
      },
      `failed: first line; second line ${'x'.repeat(140 - 'failed: first line; second line '.length - 1)}…`
    ]
  ])('%s', (_what, report, description) => {
    expect(statusDescription(report)).toBe(description)
    expect(statusDescription(report).length).toBeLessThanOrEqual(140)
  })
})

describe('the deployment lifecycle against a fake GitHub API', () => {
  let github: FakeGitHub
  let warnings: string[]

  beforeEach(async () => {
    github = new FakeGitHub({ tokens: { [TOKEN]: { login: 'github-actions[bot]', kind: 'app' } } })
    await github.start()
    warnings = []
  })
  afterEach(async () => {
    await github.stop()
  })

  function settings(overrides: Partial<DeploymentSettings> = {}): DeploymentSettings {
    const redactor = new Redactor({ values: [SECRET] })
    return {
      token: TOKEN,
      environment: 'staging',
      environmentUrl: 'https://staging.shop.example.com',
      productionEnvironment: false,
      mode: 'upgrade-install',
      payload: { release: 'web', namespace: 'shop', chart: './charts/web' },
      redact: text => redactor.text(text),
      log: { info: () => {}, warning: message => warnings.push(message) },
      context: push,
      apiUrl: github.url,
      logUrl: RUN_URL,
      ...overrides
    }
  }

  it('push: created on GITHUB_SHA, in_progress with the log, then success with the environment URL', async () => {
    const earlier = github.addDeployment('staging', { state: 'success' })
    const deployment = await startDeployment(settings())
    expect(deployment.id).toBeDefined()
    const created = github.deployments.find(d => d.id === deployment.id)
    expect(created).toMatchObject({
      sha: MERGE,
      environment: 'staging',
      transient_environment: false,
      production_environment: false,
      payload: { release: 'web', namespace: 'shop', chart: './charts/web' }
    })
    expect(
      github.requests.find(r => r.method === 'POST' && r.path.endsWith('/deployments'))?.body
    ).toMatchObject({
      auto_merge: false,
      required_contexts: []
    })
    expect(created?.statuses).toEqual([
      expect.objectContaining({ state: 'in_progress', log_url: RUN_URL, description: 'deploying web' })
    ])
    await finishDeployment(deployment, success.report)
    expect(created?.statuses.at(-1)).toMatchObject({
      state: 'success',
      log_url: RUN_URL,
      environment_url: 'https://staging.shop.example.com',
      description: 'web revision 4 deployed'
    })
    // GitHub's own auto-inactive retires the environment's earlier deployment: wanted for a lasting environment.
    expect(github.stateOf(earlier)).toBe('inactive')
    expect(warnings).toEqual([])
  })

  it('production-environment is passed through', async () => {
    const deployment = await startDeployment(
      settings({ productionEnvironment: true, environment: 'production' })
    )
    expect(github.deployments.find(d => d.id === deployment.id)?.production_environment).toBe(true)
  })

  it('pull request: the head SHA, a transient environment, and no auto-inactive of other previews', async () => {
    const otherPreview = github.addDeployment('preview', { state: 'success' })
    const deployment = await startDeployment(settings({ environment: 'preview', context: pullRequest(8) }))
    const created = github.deployments.find(d => d.id === deployment.id)
    expect(created).toMatchObject({ sha: HEAD, transient_environment: true })
    await finishDeployment(deployment, success.report)
    expect(github.stateOf(created ?? 0)).toBe('success')
    expect(github.requests.at(-1)?.body).toMatchObject({ state: 'success', auto_inactive: false })
    expect(github.stateOf(otherPreview)).toBe('success')
  })

  it('on: deployment: reports to the event’s deployment and creates none', async () => {
    const event = github.addDeployment('staging')
    const context: EventContext = {
      ...push,
      eventName: 'deployment',
      payload: { deployment: { id: event.id } }
    }
    const deployment = await startDeployment(settings({ context }))
    expect(deployment.id).toBe(event.id)
    await finishDeployment(deployment, crashLoop.report)
    expect(github.deployments).toHaveLength(1)
    expect(event.statuses.map(s => s.state)).toEqual(['in_progress', 'failure'])
    expect(github.requests.some(r => r.method === 'POST' && r.path.endsWith('/deployments'))).toBe(false)
  })

  it('a failure: failure, with the root cause redacted in one line and no environment URL', async () => {
    const deployment = await startDeployment(settings())
    const report: DeployReport = {
      ...crashLoop.report,
      failureReason: `helm test failed: pod web-test exited with code 3 (password ${SECRET} refused)`
    }
    await finishDeployment(deployment, report)
    const status = github.deployments.find(d => d.id === deployment.id)?.statuses.at(-1)
    expect(status).toMatchObject({
      state: 'failure',
      description: 'rolled back: helm test failed: pod web-test exited with code 3 (password *** refused)'
    })
    expect(status?.environment_url).toBeUndefined()
    expect(JSON.stringify(github.requests)).not.toContain(SECRET)
  })

  it.each([403, 404])(
    'HTTP %i when creating (no deployments: write, a fork): one warning, nothing else',
    async status => {
      github.failures.push({ method: 'POST', path: /\/deployments$/, status })
      const deployment = await startDeployment(settings())
      expect(deployment.id).toBeUndefined()
      const before = github.requests.length
      await finishDeployment(deployment, success.report)
      expect(github.requests).toHaveLength(before)
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toMatch(
        new RegExp(`^GitHub deployment not created: HTTP ${status} .*deployments: write`)
      )
    }
  )

  it('HTTP 403 on the final status: one warning', async () => {
    const deployment = await startDeployment(settings())
    github.failures.push({ method: 'POST', path: /\/statuses$/, status: 403 })
    await finishDeployment(deployment, success.report)
    expect(warnings).toEqual([expect.stringMatching(/^GitHub deployment status not written: HTTP 403/)])
  })

  it('a run that did not finish (the post step): error, with the log', async () => {
    const deployment = await startDeployment(settings())
    await abandonDeployment(settings(), deployment.id ?? 0)
    expect(github.deployments.find(d => d.id === deployment.id)?.statuses.at(-1)).toMatchObject({
      state: 'error',
      log_url: RUN_URL,
      description: 'the run ended before it finished (cancelled?); see its log'
    })
    github.failures.push({ method: 'POST', path: /\/statuses$/, status: 404 })
    await abandonDeployment(settings(), deployment.id ?? 0)
    expect(warnings).toEqual([expect.stringMatching(/^GitHub deployment status not written: HTTP 404/)])
  })

  it('an empty token: one warning, no request', async () => {
    const deployment = await startDeployment(settings({ token: '' }))
    await finishDeployment(deployment, success.report)
    expect(warnings).toEqual(['GitHub deployment skipped: github-token is empty'])
    expect(github.requests).toEqual([])
  })

  it('uninstall: only this environment’s deployments marked inactive, an inactive one left as it is', async () => {
    const mine = [
      github.addDeployment('pr-7', { state: 'success' }),
      github.addDeployment('pr-7', { state: 'failure' })
    ]
    const retired = github.addDeployment('pr-7', { state: 'inactive' })
    const others = [
      github.addDeployment('pr-8', { state: 'success' }),
      github.addDeployment('staging', { state: 'success' })
    ]
    const deployment = await startDeployment(
      settings({ mode: 'uninstall', environment: 'pr-7', context: pullRequest(7) })
    )
    expect(deployment.id).toBeUndefined()
    expect(github.writes()).toEqual([])
    await finishDeployment(deployment, { ...success.report, status: 'uninstalled' })
    for (const d of mine) expect(github.stateOf(d)).toBe('inactive')
    expect(retired.statuses).toHaveLength(1)
    for (const d of others) expect(github.stateOf(d)).toBe('success')
    expect(github.writes()).toHaveLength(2)
  })

  it('uninstall that failed: the environment’s deployments are left as they are', async () => {
    const mine = github.addDeployment('pr-7', { state: 'success' })
    const deployment = await startDeployment(settings({ mode: 'uninstall', environment: 'pr-7' }))
    await finishDeployment(deployment, { ...crashLoop.report, status: 'failed' })
    expect(github.stateOf(mine)).toBe('success')
    expect(github.writes()).toEqual([])
  })

  it('uninstall pages through an environment with more than 100 deployments', async () => {
    for (let i = 0; i < 105; i++) github.addDeployment('preview-long', { state: 'success' })
    const deployment = await startDeployment(settings({ mode: 'uninstall', environment: 'preview-long' }))
    await finishDeployment(deployment, { ...success.report, status: 'uninstalled' })
    expect(github.deployments.every(d => github.stateOf(d) === 'inactive')).toBe(true)
  })
})
