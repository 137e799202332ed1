/**
 * Issue "the first screen answers why": each failure class of the seed's table produced for real on the test
 * cluster through the bundled action (helm 4, the default), its summary and sticky comment checked for the Why
 * block first, the evidence before any table and the class's hint; the first screen is snapshot-tested
 * (normalised: pod hashes, durations and counts vary from run to run). Quota and claim classes are in
 * first-screen-rules.test.ts, on both majors.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeGitHub } from '../support/fake-github.js'
import { APP_CHART, useDeployHarness, type DeployRun } from '../support/deploy-harness.js'
import { expectFirstScreen, firstScreen } from '../support/first-screen.js'

const harness = useDeployHarness()
const TOKEN = 'ghs-first-screen'
let github: FakeGitHub

beforeAll(async () => {
  github = new FakeGitHub({ tokens: { [TOKEN]: { login: 'github-actions[bot]', kind: 'app' } } })
  await github.start()
})
afterAll(async () => {
  await github.stop()
})

const base = (ns: string): Record<string, string> => ({
  chart: APP_CHART,
  release: 'web',
  namespace: ns,
  'create-namespace': 'true',
  timeout: '5m'
})

/** The broken upgrade of a healthy release, on pull request `pr`, with a sticky comment. */
async function brokenUpgrade(
  ns: string,
  pr: number,
  inputs: Record<string, string>
): Promise<{ run: DeployRun; comment: string }> {
  const healthy = await harness().deploy('v4.1.4', base(ns))
  expect(healthy.outputs.status, healthy.stdout).toBe('deployed')
  const eventPath = join(harness().cluster.home, `first-screen-${pr}.json`)
  await writeFile(eventPath, JSON.stringify({ number: pr, pull_request: { number: pr } }))
  const run = await harness().deploy(
    'v4.1.4',
    { ...base(ns), 'github-token': TOKEN, environment: ns, ...inputs },
    {
      env: {
        GITHUB_API_URL: github.url,
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_SHA: 'abc123',
        GITHUB_WORKSPACE: join(APP_CHART, '..')
      }
    }
  )
  const comments = github.commentsOn(pr)
  expect(comments).toHaveLength(1)
  return { run, comment: comments[0]?.body ?? '' }
}

describe('the first screen of each failure class (helm v4.1.4)', () => {
  it.concurrent(
    'crash loop: the panic line under the cause, the identical current instance not repeated',
    async ({ expect }) => {
      const { run, comment } = await brokenUpgrade('fs-crash', 101, {
        'set-string': [
          'image=registry.example.com/shop/web:2.2.0',
          'env.SIM_EXIT_CODE=1',
          // It exits before it would be Ready: never Ready, so fail-fast (not min-ready) catches it, every time.
          'env.SIM_READY_AFTER_SECONDS=5',
          'env.SIM_LOG=starting web 2.2.0\\\\npanic: required setting DATABASE_URL is empty'
        ].join('\n')
      })
      expect(run.outputs.status).toBe('rolled-back')
      for (const doc of [run.summary, comment]) {
        expectFirstScreen(doc, {
          evidence: 'panic: required setting DATABASE_URL is empty',
          hint: 'Fix the start-up error in the log above'
        })
        expect(doc).not.toMatch(/\(current instance[^)]*\)<\/summary>\n\n<pre>starting web 2\.2\.0\npanic/)
      }
      // What changed, from the release records; the chart as helm recorded it; helm's words for our signal.
      expect(run.summary).toContain('- image registry.example.com/shop/web 1.2.0 → 2.2.0')
      expect(run.summary).toMatch(/\| app-1\.2\.0 \| 1\.2\.0 \|/)
      expect(run.summary).toMatch(/\*\*Helm:\*\* helm&#39;s wait was ended by fail-fast after \d/)
      expect(run.summary).toMatch(
        /\*\*Timeline:\*\* 0 s helm started · .*exit 1.* → fail-fast.*rolled back to 1/
      )
      await expect(firstScreen(run.summary)).toMatchFileSnapshot(
        '__snapshots__/first-screen/crash-loop.summary.md'
      )
      await expect(firstScreen(comment)).toMatchFileSnapshot(
        '__snapshots__/first-screen/crash-loop.comment.md'
      )
    }
  )

  it.concurrent('OOMKilled: exit 137 and the memory hint', async ({ expect }) => {
    const { run, comment } = await brokenUpgrade('fs-oom', 102, {
      'set-string': 'env.SIM_EXIT_CODE=137\nenv.SIM_EXIT_REASON=OOMKilled\nenv.SIM_READY_AFTER_SECONDS=5'
    })
    expect(run.outputs.status).toBe('rolled-back')
    for (const doc of [run.summary, comment]) {
      expectFirstScreen(doc, {
        evidence: 'exit code 137 (OOMKilled)',
        hint: 'The container ran out of memory (OOMKilled): raise its memory limit'
      })
    }
    await expect(firstScreen(run.summary)).toMatchFileSnapshot(
      '__snapshots__/first-screen/oom-killed.summary.md'
    )
  })

  it.concurrent('NodePort already allocated: the 422 and the nodePort hint', async ({ expect }) => {
    const ns = 'fs-nodeport'
    const other = await harness().deploy('v4.1.4', {
      ...base(ns),
      release: 'other',
      set: 'service.nodePort=31461'
    })
    expect(other.outputs.status).toBe('deployed')
    const { run, comment } = await brokenUpgrade(ns, 103, { set: 'service.nodePort=31461' })
    expect(run.outputs.status).toBe('rolled-back')
    for (const doc of [run.summary, comment]) {
      expectFirstScreen(doc, {
        evidence: 'provided port is already allocated',
        hint: 'Choose another nodePort than 31461, or leave it empty'
      })
    }
    await expect(firstScreen(run.summary)).toMatchFileSnapshot(
      '__snapshots__/first-screen/node-port.summary.md'
    )
  })

  it.concurrent(
    'slow start: the pods not Ready for how long, the readiness probe, the timeout hint',
    async ({ expect }) => {
      const { run, comment } = await brokenUpgrade('fs-slow', 104, {
        timeout: '15s',
        set: 'readinessProbe=true',
        'set-string': 'env.SIM_READY_AFTER_SECONDS=100000'
      })
      expect(run.outputs.status).toBe('rolled-back')
      for (const doc of [run.summary, comment]) {
        expectFirstScreen(doc, {
          evidence: 'Readiness probe failed',
          hint: 'The pods were still starting when helm&#39;s timeout ran out'
        })
        expect(doc).toMatch(/pod web-[a-z0-9]+-[a-z0-9]+ not Ready for \d/)
      }
      await expect(firstScreen(run.summary)).toMatchFileSnapshot(
        '__snapshots__/first-screen/slow-start.summary.md'
      )
    }
  )

  it.concurrent('image pull: the pull error and the image hint', async ({ expect }) => {
    const { run, comment } = await brokenUpgrade('fs-pull', 105, {
      'set-string': 'image=registry.invalid/shop/web:9.9.9'
    })
    expect(run.outputs.status).toBe('rolled-back')
    for (const doc of [run.summary, comment]) {
      expectFirstScreen(doc, {
        evidence: 'registry.invalid/shop/web:9.9.9',
        hint: 'Check the image name and tag'
      })
    }
    await expect(firstScreen(run.summary)).toMatchFileSnapshot(
      '__snapshots__/first-screen/image-pull.summary.md'
    )
  })

  it.concurrent('a missing Secret: the kubelet message and the create-it hint', async ({ expect }) => {
    const { run, comment } = await brokenUpgrade('fs-secret', 106, { 'set-string': 'secretFrom=web-db' })
    expect(run.outputs.status).toBe('rolled-back')
    for (const doc of [run.summary, comment]) {
      expectFirstScreen(doc, {
        evidence: 'secret &quot;web-db&quot; not found',
        hint: 'Create the ConfigMap or Secret'
      })
    }
    await expect(firstScreen(run.summary)).toMatchFileSnapshot(
      '__snapshots__/first-screen/missing-config.summary.md'
    )
  })

  it.concurrent("unschedulable: the scheduler's message and the capacity hint", async ({ expect }) => {
    const { run, comment } = await brokenUpgrade('fs-sched', 107, {
      'set-string': 'cpu=64',
      'fail-fast-unschedulable': '5s'
    })
    expect(run.outputs.status).toBe('rolled-back')
    for (const doc of [run.summary, comment]) {
      expectFirstScreen(doc, { evidence: 'Insufficient cpu', hint: 'Lower the pods&#39; resource requests' })
    }
    await expect(firstScreen(run.summary)).toMatchFileSnapshot(
      '__snapshots__/first-screen/unschedulable.summary.md'
    )
  })

  it.concurrent("a failed pre-upgrade hook: the Job's condition and its log", async ({ expect }) => {
    const { run, comment } = await brokenUpgrade('fs-hook', 108, {
      set: 'hook.enabled=true',
      'set-string':
        'hook.env.SIM_EXIT_CODE=2\nhook.env.SIM_LOG=migrating\\\\nERROR: relation "users" already exists'
    })
    expect(run.outputs.status).not.toBe('deployed')
    for (const doc of [run.summary, comment]) {
      expectFirstScreen(doc, {
        evidence: 'relation &quot;users&quot; already exists',
        hint: 'Fix the hook Job'
      })
    }
    await expect(firstScreen(run.summary)).toMatchFileSnapshot('__snapshots__/first-screen/hook.summary.md')
  })
})
