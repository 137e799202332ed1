/**
 * Issue 15, the GitHub Deployments half: `github-deployment: true` through the bundled action, against the test
 * cluster and the fake GitHub API. The lifecycle does not depend on helm's major; these run helm 4.1.4.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeGitHub } from '../support/fake-github.js'
import { APP_CHART, useDeployHarness } from '../support/deploy-harness.js'

const harness = useDeployHarness()
const VERSION = 'v4.1.4'
const TOKEN = 'ghs-deploy-token'
const SHA = '0123456789abcdef0123456789abcdef01234567'
const HEAD = 'fedcba9876543210fedcba9876543210fedcba98'
const RUN_URL = 'https://github.test/acme/shop/actions/runs/777'

let github: FakeGitHub

beforeAll(async () => {
  github = new FakeGitHub({ tokens: { [TOKEN]: { login: 'github-actions[bot]', kind: 'app' } } })
  await github.start()
})
afterAll(async () => {
  await github.stop()
})

/** The runner's environment for an event: the payload in a file, the repository, the run. */
async function eventEnv(name: string, eventName: string, payload: unknown): Promise<Record<string, string>> {
  const path = join(harness().cluster.home, `event-${name}.json`)
  await writeFile(path, JSON.stringify(payload))
  return {
    GITHUB_API_URL: github.url,
    GITHUB_SERVER_URL: 'https://github.test',
    GITHUB_RUN_ID: '777',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_EVENT_PATH: path,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_SHA: SHA
  }
}

function inputs(ns: string, release: string, extra: Record<string, string>): Record<string, string> {
  return {
    chart: APP_CHART,
    release,
    namespace: ns,
    'create-namespace': 'true',
    timeout: '2m',
    'github-token': TOKEN,
    'github-deployment': 'true',
    ...extra
  }
}

describe('GitHub deployments (helm v4.1.4)', () => {
  it.concurrent(
    'a deploy on push: created, in_progress, then success with environment_url and log_url',
    async () => {
      const run = await harness().deploy(
        VERSION,
        inputs('gd-push', 'web', {
          environment: 'staging-push',
          'environment-url': 'https://staging.shop.example.com',
          'production-environment': 'true'
        }),
        { env: await eventEnv('push', 'push', { ref: 'refs/heads/main' }) }
      )
      expect(run.outputs, run.stdout).toMatchObject({ status: 'deployed' })
      const id = Number(run.outputs['deployment-id'])
      const deployment = github.deployments.find(d => d.id === id)
      expect(deployment).toMatchObject({
        sha: SHA,
        environment: 'staging-push',
        transient_environment: false,
        production_environment: true,
        payload: { release: 'web', namespace: 'gd-push', chart: APP_CHART }
      })
      expect(deployment?.statuses).toEqual([
        expect.objectContaining({ state: 'in_progress', log_url: RUN_URL }),
        expect.objectContaining({
          state: 'success',
          log_url: RUN_URL,
          environment_url: 'https://staging.shop.example.com',
          description: 'web revision 1 deployed'
        })
      ])
      expect(run.stdout).not.toMatch(/^::warning/m)
    }
  )

  it.concurrent('a failing deploy ends failure, with the root cause as its description', async () => {
    const run = await harness().deploy(
      VERSION,
      inputs('gd-fail', 'broken', {
        environment: 'staging-fail',
        'environment-url': 'https://staging.shop.example.com',
        test: 'true',
        'set-string': 'tests.smoke.env.SIM_EXIT_CODE=4'
      }),
      { env: await eventEnv('fail', 'push', {}) }
    )
    expect(run.outputs, run.stdout).toMatchObject({ status: 'rolled-back', tests: 'failed' })
    const deployment = github.deployments.find(d => d.id === Number(run.outputs['deployment-id']))
    expect(deployment?.statuses.map(s => s.state)).toEqual(['in_progress', 'failure'])
    expect(deployment?.statuses.at(-1)).toMatchObject({
      description: 'rolled back: helm test failed: pod broken-test-smoke exited with code 4',
      log_url: RUN_URL
    })
    expect(deployment?.statuses.at(-1)?.environment_url).toBeUndefined()
  })

  it.concurrent(
    'a pull request preview: head SHA, transient; closing it marks only its environment inactive',
    async () => {
      const ns = 'gd-preview'
      const other = github.addDeployment('pr-8', { state: 'success' })
      const opened = { number: 7, action: 'opened', pull_request: { number: 7, head: { sha: HEAD } } }
      const preview = await harness().deploy(
        VERSION,
        inputs(ns, 'pr-7', {
          environment: 'pr-7',
          'environment-url': 'https://pr-7.preview.example.com'
        }),
        { env: await eventEnv('pr-open', 'pull_request', opened) }
      )
      expect(preview.outputs, preview.stdout).toMatchObject({ status: 'deployed' })
      const deployment = github.deployments.find(d => d.id === Number(preview.outputs['deployment-id']))
      expect(deployment).toMatchObject({ sha: HEAD, environment: 'pr-7', transient_environment: true })
      expect(github.stateOf(deployment ?? 0)).toBe('success')

      const closed = { ...opened, action: 'closed' }
      const teardown = await harness().deploy(
        VERSION,
        { ...inputs(ns, 'pr-7', { environment: 'pr-7' }), mode: 'uninstall' },
        { env: await eventEnv('pr-close', 'pull_request', closed) }
      )
      expect(teardown.outputs, teardown.stdout).toMatchObject({ status: 'uninstalled' })
      expect(teardown.outputs['deployment-id']).toBeUndefined()
      expect(github.stateOf(deployment ?? 0)).toBe('inactive')
      // Another pull request's preview is never touched.
      expect(github.stateOf(other)).toBe('success')
      expect(github.deployments.filter(d => d.environment === 'pr-7')).toHaveLength(1)
    }
  )

  it.concurrent('on: deployment: the event’s deployment gets the statuses, none is created', async () => {
    const event = github.addDeployment('staging-event', { sha: SHA })
    const run = await harness().deploy(VERSION, inputs('gd-event', 'web', { environment: 'staging-event' }), {
      env: await eventEnv('deployment', 'deployment', {
        deployment: { id: event.id, environment: 'staging-event' }
      })
    })
    expect(run.outputs, run.stdout).toMatchObject({ status: 'deployed', 'deployment-id': String(event.id) })
    expect(event.statuses.map(s => s.state)).toEqual(['in_progress', 'success'])
    const creates = github.requests.filter(
      r =>
        r.method === 'POST' &&
        r.path.endsWith('/deployments') &&
        (r.body as { environment?: string }).environment === 'staging-event'
    )
    expect(creates).toEqual([])
  })

  it.concurrent('a run killed mid-deploy: the post step ends its deployment with error', async () => {
    const ns = 'gd-killed'
    const base = inputs(ns, 'web', { environment: 'staging-killed', 'fail-fast': 'false', timeout: '60s' })
    const env = await eventEnv('killed', 'push', {})
    let pid = 0
    let inProgress = false
    const running = harness().deploy(
      VERSION,
      { ...base, 'set-string': 'env.SIM_NEVER_READY=1' },
      {
        env,
        detached: true,
        onStart: child => (pid = child.pid ?? 0),
        onLine: line => (inProgress ||= / of environment staging-killed: in_progress$/.test(line))
      }
    )
    const deadline = Date.now() + 30_000
    while (!harness().cluster.store.get('deployments', ns, 'web') && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    expect(inProgress).toBe(true)
    // As a runner that gives up on a cancelled job does: the whole process group, at once.
    process.kill(-pid, 'SIGKILL')
    const killed = await running
    expect(killed.exitCode).toBe(null)
    const id = Number(killed.state['deployment-id'])
    expect(github.stateOf(id)).toBe('in_progress')

    const post = await harness().deploy(VERSION, base, { env, state: killed.state })
    expect(post.exitCode, post.stdout).toBe(0)
    const statuses = github.deployments.find(d => d.id === id)?.statuses ?? []
    expect(statuses.map(s => s.state)).toEqual(['in_progress', 'error'])
    expect(statuses.at(-1)).toMatchObject({
      description: 'the run ended before it finished (cancelled?); see its log',
      log_url: RUN_URL
    })
  })

  it.concurrent(
    'a token without deployments: write (403): one warning, the deploy’s result unchanged',
    async () => {
      const forbidden = new FakeGitHub({ tokens: { [TOKEN]: { login: 'github-actions[bot]', kind: 'app' } } })
      await forbidden.start()
      forbidden.failures.push({ method: 'POST', path: /\/deployments/, status: 403 })
      try {
        const run = await harness().deploy(
          VERSION,
          inputs('gd-forbidden', 'web', { environment: 'fork-pr' }),
          {
            env: { ...(await eventEnv('forbidden', 'push', {})), GITHUB_API_URL: forbidden.url }
          }
        )
        expect(run.exitCode, run.stdout).toBe(0)
        expect(run.outputs).toMatchObject({ status: 'deployed', revision: '1' })
        expect(run.outputs['deployment-id']).toBeUndefined()
        const warnings = run.stdout.split('\n').filter(line => line.startsWith('::warning'))
        expect(warnings).toHaveLength(1)
        expect(warnings[0]).toContain('GitHub deployment not created: HTTP 403')
        expect(forbidden.deployments).toEqual([])
      } finally {
        await forbidden.stop()
      }
    }
  )
})
