/**
 * Issue "plan on pull requests": mode plan through the bundled action against the test cluster and a fake GitHub
 * API — what a deploy would change, nothing written to the cluster, one sticky comment from plan to deploy.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FakeGitHub } from '../support/fake-github.js'
import { APP_CHART, useDeployHarness, type DeployRun, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()

const OLD = 'OldSecretValue-1234'
const NEW = 'NewSecretValue-9876'
const COMMIT_A = 'a'.repeat(40)
const COMMIT_B = 'b'.repeat(40)

describe.each<[HelmVersion, string, number]>([
  ['v3.17.1', 'h3', 41],
  ['v4.1.4', 'h4', 42]
])('helm %s, mode plan', (version, id, pr) => {
  async function withPr<T>(
    run: (env: (commit: string) => Record<string, string>, github: FakeGitHub) => Promise<T>
  ): Promise<T> {
    const github = new FakeGitHub({
      tokens: { 'ghs-fake-token': { login: 'github-actions[bot]', kind: 'app' } }
    })
    await github.start()
    const env = (commit: string): Record<string, string> => {
      const eventPath = join(harness().cluster.home, `event-plan-${id}-${commit.slice(0, 4)}.json`)
      void writeFile(
        eventPath,
        JSON.stringify({ number: pr, pull_request: { number: pr, head: { sha: commit } } })
      )
      return {
        GITHUB_API_URL: github.url,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_SHA: 'f'.repeat(40),
        GITHUB_SERVER_URL: 'https://github.com',
        GITHUB_RUN_ID: '4242'
      }
    }
    try {
      return await run(env, github)
    } finally {
      await github.stop()
    }
  }

  const inputs = (ns: string, extra: Record<string, string> = {}): Record<string, string> => ({
    chart: APP_CHART,
    release: 'web',
    namespace: ns,
    'create-namespace': 'true',
    'github-token': 'ghs-fake-token',
    ...extra
  })

  const writes = (ns: string): string[] =>
    [...harness().cluster.requestLog]
      .filter(
        r => r.path.includes(`/namespaces/${ns}/`) && r.method !== 'GET' && !/[?&]dryRun=All/.test(r.path)
      )
      .map(r => `${r.method} ${r.path}`)

  it.concurrent('a release that does not exist: everything is to add, nothing is installed', async () => {
    const ns = `${id}-plan-new`
    harness().cluster.requestLog.clear()
    const run = await harness().deploy(version, { ...inputs(ns), mode: 'plan' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs).toMatchObject({ status: 'planned', 'has-changes': 'true' })
    expect(run.summary).toContain('Plan: 2 to add, 0 to change, 0 to destroy')
    expect(await harness().history(version, 'web', ns)).toEqual([])
    expect(harness().cluster.store.get('deployments', ns, 'web')).toBeUndefined()
    expect(writes(ns)).toEqual([])
    const file = JSON.parse(await readFile(run.outputs['plan-path'] ?? '', 'utf8')) as {
      add: number
      entries: { action: string; kind: string }[]
    }
    expect(file.add).toBe(2)
    expect(file.entries.map(e => `${e.action} ${e.kind}`).sort()).toEqual(['add Deployment', 'add Service'])
  })

  it.concurrent(
    'live values, then changed ones: exact counts, the diff, no secret value anywhere, nothing written; one sticky comment from plan to deploy',
    async () => {
      const ns = `${id}-plan-live`
      await withPr(async (env, github) => {
        const live = inputs(ns, { 'set-secret': `secrets.old=${OLD}`, set: 'extraConfigMap=web-extra' })
        expect((await harness().deploy(version, live, { env: env(COMMIT_A) })).outputs.status).toBe(
          'deployed'
        )
        const historyBefore = await harness().history(version, 'web', ns)

        const same = await harness().deploy(version, { ...live, mode: 'plan' }, { env: env(COMMIT_A) })
        expect(same.outputs).toMatchObject({ status: 'planned', 'has-changes': 'false' })
        expect(same.summary).toContain('Plan: 0 to add, 0 to change, 0 to destroy')

        harness().cluster.requestLog.clear()
        const changed = await harness().deploy(
          version,
          inputs(ns, {
            mode: 'plan',
            set: 'replicas=2\nextraSecretName=web-new',
            'set-secret': `secrets.password=${NEW}`
          }),
          { env: env(COMMIT_A) }
        )
        expect(changed.outputs).toMatchObject({ status: 'planned', 'has-changes': 'true' })
        expect(changed.summary).toContain('Plan: 1 to add, 2 to change, 1 to destroy')
        expect(changed.summary).toContain(
          'Secret keys: added <code>password</code>; removed <code>old</code>'
        )
        expect(changed.summary).toMatch(/-\s+replicas: 1\n\+\s+replicas: 2/)
        expect(writes(ns)).toEqual([])
        expect(await harness().history(version, 'web', ns)).toEqual(historyBefore)

        const comments = github.commentsOn(pr)
        expect(comments).toHaveLength(1)
        const body = comments[0]?.body ?? ''
        expect(body).toContain('Plan: 1 to add, 2 to change, 1 to destroy')
        expect(body).toContain(`Planned for commit ${COMMIT_A.slice(0, 7)}`)
        const plan = await readFile(changed.outputs['plan-path'] ?? '', 'utf8')
        const stdout = changed.stdout
          .split('\n')
          .filter(l => !l.startsWith('::add-mask::'))
          .join('\n')
        for (const text of [changed.summary, body, plan, stdout]) {
          for (const value of [OLD, NEW]) {
            expect(text).not.toContain(value)
            expect(text).not.toContain(Buffer.from(value).toString('base64'))
          }
        }

        // The deploy of the same commit updates that comment: its result, and the plan folded under it.
        const deployed = await harness().deploy(
          version,
          inputs(ns, { set: 'replicas=2', 'set-secret': `secrets.password=${NEW}` }),
          {
            env: env(COMMIT_A)
          }
        )
        expect(deployed.outputs.status).toBe('deployed')
        const after = github.commentsOn(pr)
        expect(after).toHaveLength(1)
        expect(after[0]?.body).toContain('✅ Deployed')
        expect(after[0]?.body).toContain(`📋 Plan for ${COMMIT_A.slice(0, 7)} (the plan of this commit)`)

        // A newer plan replaces it in place; a deploy of another commit marks that plan outdated.
        await harness().deploy(version, inputs(ns, { mode: 'plan', set: 'replicas=3' }), {
          env: env(COMMIT_B)
        })
        expect(github.commentsOn(pr)).toHaveLength(1)
        expect(github.commentsOn(pr)[0]?.body).toContain(`Planned for commit ${COMMIT_B.slice(0, 7)}`)
        await harness().deploy(version, inputs(ns, { set: 'replicas=3' }), { env: env(COMMIT_A) })
        const last = github.commentsOn(pr)
        expect(last).toHaveLength(1)
        expect(last[0]?.body).toContain(
          `📋 Plan for ${COMMIT_B.slice(0, 7)} (outdated: this run deployed ${COMMIT_A.slice(0, 7)})`
        )

        // Another environment keeps its own comment.
        await harness().deploy(version, inputs(ns, { mode: 'plan', environment: 'staging' }), {
          env: env(COMMIT_B)
        })
        expect(github.commentsOn(pr)).toHaveLength(2)
      })
    }
  )

  it.concurrent('comment: changes skips a plan without changes; comment: never writes none', async () => {
    const ns = `${id}-plan-quiet`
    await withPr(async (env, github) => {
      expect(
        (await harness().deploy(version, inputs(ns, { comment: 'never' }), { env: env(COMMIT_A) })).outputs
          .status
      ).toBe('deployed')
      const run: DeployRun = await harness().deploy(
        version,
        inputs(ns, { mode: 'plan', comment: 'changes' }),
        { env: env(COMMIT_A) }
      )
      expect(run.outputs['has-changes']).toBe('false')
      await harness().deploy(version, inputs(ns, { mode: 'plan', comment: 'never', set: 'replicas=2' }), {
        env: env(COMMIT_A)
      })
      expect(github.commentsOn(pr + 100)).toHaveLength(0)
      expect(github.commentsOn(pr)).toHaveLength(0)
    })
  })
})
