/**
 * Issue "release watch": what the action captures while helm waits, and fail-fast, with the real helm binaries
 * and kubectl against the test cluster. Each case runs the bundled action.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FakeGitHub } from '../support/fake-github.js'
import { APP_CHART, useDeployHarness, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()

const SECRET = 'hunter2-pa55word'

describe.each<[HelmVersion, string, number]>([
  ['v3.17.1', 'h3', 31331],
  ['v4.1.4', 'h4', 31332]
])('helm %s', (version, id, nodePort) => {
  const base = (ns: string, release: string): Record<string, string> => ({
    chart: APP_CHART,
    release,
    namespace: ns,
    'create-namespace': 'true',
    timeout: '5m'
  })

  it.concurrent(
    'a crash-looping upgrade: rolled back early, with state, events and the crashed log kept',
    async () => {
      const ns = `${id}-diag-crash`
      expect((await harness().deploy(version, base(ns, 'shop'))).outputs.status).toBe('deployed')
      const started = Date.now()
      const github = new FakeGitHub({
        tokens: { 'ghs-fake-token': { login: 'github-actions[bot]', kind: 'app' } }
      })
      await github.start()
      const eventPath = join(harness().cluster.home, `event-${id}.json`)
      await writeFile(eventPath, JSON.stringify({ number: 7, pull_request: { number: 7 } }))
      const run = await harness().deploy(
        version,
        {
          ...base(ns, 'shop'),
          'github-token': 'ghs-fake-token',
          environment: `staging-${id}`,
          'set-string': [
            'env.SIM_EXIT_CODE=3',
            'env.SIM_READY_AFTER_SECONDS=5',
            `env.SIM_LOG=starting shop\\\\nconnecting with ${SECRET}\\\\nfatal: database refused the password`
          ].join('\n'),
          'set-secret': `db.password=${SECRET}`
        },
        {
          env: {
            GITHUB_API_URL: github.url,
            GITHUB_EVENT_NAME: 'pull_request',
            GITHUB_EVENT_PATH: eventPath,
            GITHUB_REPOSITORY: 'acme/shop',
            GITHUB_SHA: 'abc123'
          }
        }
      )
      await github.stop()
      const elapsed = Date.now() - started
      expect(elapsed).toBeLessThan(60_000)
      expect(run.outputs.status).toBe('rolled-back')
      expect(run.outputs['failure-reason']).toMatch(
        /^fail-fast: container web in pod shop-[a-z0-9]+-[a-z0-9]+ crash-looping \(exit code 3, [2-9] restarts\)$/
      )
      const d = run.report?.diagnostics
      expect(d?.verdict?.rule).toBe('crash-loop')
      const crashed = d?.pods.find(p => p.containers.some(c => c.reason === 'CrashLoopBackOff'))
      expect(crashed).toMatchObject({ deleted: true, owner: 'Deployment/shop' })
      expect(crashed?.containers[0]).toMatchObject({ lastTermination: { exitCode: 3, reason: 'Error' } })
      expect(crashed?.containers[0]?.restartCount).toBeGreaterThanOrEqual(2)
      expect(harness().cluster.store.get('pods', ns, crashed?.name ?? '')).toBeUndefined()
      expect(d?.events).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'Warning', reason: 'BackOff', object: `Pod/${crashed?.name}` })
        ])
      )
      expect(d?.events[0]?.type).toBe('Warning')
      const previous = d?.logs.find(l => l.pod === crashed?.name && l.previous)
      expect(previous?.lines).toEqual([
        'starting shop',
        'connecting with ***',
        'fatal: database refused the password'
      ])
      // The secret the container printed appears nowhere we write.
      const reportFile = await readFile(run.outputs['report-path'] ?? '', 'utf8')
      // (`::add-mask::` is how the runner learns to mask it; the runner consumes that line.)
      const logged = run.stdout.split('\n').filter(line => !line.startsWith('::add-mask::'))
      for (const text of [reportFile, logged.join('\n'), run.summary]) expect(text).not.toContain(SECRET)
      expect(run.summary).toContain('fatal: database refused the password')
      // One sticky comment on the pull request, with the evidence and without the secret.
      const comments = github.commentsOn(7)
      expect(comments).toHaveLength(1)
      expect(comments[0]?.body).toContain('fatal: database refused the password')
      expect(comments[0]?.body).not.toContain(SECRET)
      expect(run.outputs['comment-url']).toMatch(/^https?:\/\/\S+/)
      expect(run.summary).toContain('CrashLoopBackOff')
    }
  )

  it.concurrent(
    'atomic off: fail-fast still ends the wait and leaves the failed release for inspection',
    async () => {
      const ns = `${id}-diag-keep`
      const started = Date.now()
      const run = await harness().deploy(version, {
        ...base(ns, 'kept'),
        atomic: 'false',
        'set-string': 'env.SIM_EXIT_CODE=1\nenv.SIM_READY_AFTER_SECONDS=5'
      })
      expect(Date.now() - started).toBeLessThan(60_000)
      expect(run.outputs).toMatchObject({ status: 'failed', 'rolled-back': 'false', revision: '' })
      expect(run.report?.diagnostics?.verdict?.rule).toBe('crash-loop')
      expect(await harness().history(version, 'kept', ns)).toMatchObject([{ revision: 1, status: 'failed' }])
      // The failed objects stay for inspection.
      expect(harness().cluster.store.get('deployments', ns, 'kept')).toBeDefined()
    }
  )

  it.concurrent('an image that cannot be pulled', async () => {
    const run = await harness().deploy(version, {
      ...base(`${id}-diag-pull`, 'pull'),
      'set-string': 'image=registry.invalid/shop/web:9.9'
    })
    expect(run.outputs.status).toBe('rolled-back')
    expect(run.outputs['failure-reason']).toMatch(
      /cannot pull image registry\.invalid\/shop\/web:9\.9 \((ErrImagePull|ImagePullBackOff), [2-9] failed pulls: lookup registry\.invalid: no such host\)$/
    )
    const events = run.report?.diagnostics?.events ?? []
    expect(
      events.some(
        e =>
          e.reason === 'Failed' && e.message.includes('Failed to pull image "registry.invalid/shop/web:9.9"')
      )
    ).toBe(true)
  })

  it.concurrent('a missing ConfigMap: CreateContainerConfigError for 10 s', async () => {
    const run = await harness().deploy(version, {
      ...base(`${id}-diag-config`, 'cfg'),
      'set-string': 'configFrom=shop-settings'
    })
    expect(run.outputs.status).toBe('rolled-back')
    expect(run.outputs['failure-reason']).toMatch(/cannot start: configmap "shop-settings" not found$/)
    expect(run.report?.diagnostics?.verdict?.rule).toBe('config-error')
  })

  it.concurrent('more CPU than the node has: FailedScheduling for 30 s', async () => {
    const run = await harness().deploy(version, {
      ...base(`${id}-diag-cpu`, 'big'),
      'set-string': 'cpu=64',
      // Far beyond the 30 s the verdict waits, so the progress deadline cannot win the race.
      set: 'progressDeadlineSeconds=100000'
    })
    expect(run.outputs.status).toBe('rolled-back')
    expect(run.outputs['failure-reason']).toMatch(
      /cannot be scheduled: 0\/1 nodes are available: 1 Insufficient cpu\./
    )
    const events = run.report?.diagnostics?.events ?? []
    expect(events.some(e => e.type === 'Warning' && e.reason === 'FailedScheduling')).toBe(true)
  })

  it.concurrent('a failed pre-upgrade hook Job', async () => {
    const ns = `${id}-diag-hook`
    expect((await harness().deploy(version, base(ns, 'hooked'))).outputs.status).toBe('deployed')
    const run = await harness().deploy(version, {
      ...base(ns, 'hooked'),
      set: 'hook.enabled=true',
      'set-string': 'hook.env.SIM_EXIT_CODE=2\nhook.env.SIM_LOG=migration 42 failed: column exists'
    })
    expect(run.outputs.status).toBe('rolled-back')
    // helm 3 notices the failed hook itself; helm 4 waits on hooks the way it waits on the release, so fail-fast may
    // end that wait first.
    expect(run.outputs['failure-reason']).toMatch(
      /pre-upgrade hooks failed|pre-upgrade hook Job hooked-migrate failed/
    )
    const d = run.report?.diagnostics
    const job = d?.workloads.find(w => w.kind === 'Job' && w.name === 'hooked-migrate')
    expect(job).toMatchObject({ hook: 'pre-upgrade', failure: { reason: 'BackoffLimitExceeded' } })
    expect(d?.pods.some(p => p.owner === 'Job/hooked-migrate' && p.containers[0]?.exitCode === 2)).toBe(true)
  })

  it.concurrent('a NodePort conflict: helm’s 422 and whatever events exist', async () => {
    const ns = `${id}-diag-port`
    const first = await harness().deploy(version, {
      ...base(ns, 'holder'),
      set: `service.nodePort=${nodePort}`,
      timeout: '30s'
    })
    expect(first.outputs.status).toBe('deployed')
    const run = await harness().deploy(version, {
      ...base(ns, 'clash'),
      set: `service.nodePort=${nodePort}`,
      timeout: '30s'
    })
    expect(run.outputs.status).toBe('rolled-back')
    expect(run.outputs['failure-reason']).toContain(
      `Invalid value: ${nodePort}: provided port is already allocated`
    )
    expect(run.report?.diagnostics).toBeDefined()
    expect(run.summary).toContain('provided port is already allocated')
  })

  it.concurrent('fail-fast off: helm waits for its timeout, and the evidence is still kept', async () => {
    const started = Date.now()
    const run = await harness().deploy(version, {
      ...base(`${id}-diag-patient`, 'patient'),
      timeout: '8s',
      'fail-fast': 'false',
      'set-string': 'env.SIM_EXIT_CODE=1\nenv.SIM_READY_AFTER_SECONDS=5'
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(8_000)
    expect(run.outputs.status).toBe('rolled-back')
    expect(run.outputs['failure-reason']).not.toMatch(/^fail-fast/)
    expect(run.report?.diagnostics?.verdict).toBeUndefined()
    expect(run.report?.diagnostics?.pods.some(p => p.containers.some(c => c.restartCount > 0))).toBe(true)
  })

  it.concurrent(
    'API faults during the watch: the diagnostics say partial, the outcome is still right',
    async () => {
      const ns = `${id}-diag-faults`
      harness().cluster.faults.add({
        method: 'GET',
        path: new RegExp(`/namespaces/${ns}/events`),
        count: 3,
        action: { status: 500 }
      })
      const run = await harness().deploy(version, {
        ...base(ns, 'flaky'),
        'set-string': 'image=registry.invalid/flaky:1'
      })
      expect(run.outputs.status).toBe('rolled-back')
      expect(run.report?.diagnostics?.partial).toMatch(/^partial: reading events failed/)
      expect(run.report?.diagnostics?.verdict?.rule).toBe('image-pull')
    }
  )
})

it('the sample chart has no app.kubernetes.io/instance label: objects are found by helm’s ownership metadata', async () => {
  const templates = await readFile(join(APP_CHART, 'templates', 'deployment.yaml'), 'utf8')
  expect(templates).not.toContain('app.kubernetes.io/instance')
})
