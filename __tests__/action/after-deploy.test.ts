/**
 * Issue 15, the helm test half: `test: true` runs the chart's tests after a successful deploy (and min-ready), with
 * the test pods watched like the release's; a failed test undoes the deploy as atomic would. The bundled action,
 * the real helm 3.17.1 and 4.1.4 against the test cluster. (The GitHub Deployments half: deployments.test.ts.)
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { APP_CHART, useDeployHarness, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()

const SECRET = 'tr0ub4dor-and-3'
const V1 = 'registry.example.com/shop/web:1.2.0'
const V2 = 'registry.example.com/shop/web:1.3.0'

/** A passing test pod `<release>-test-smoke` that prints two lines. */
const PASSING = 'tests.smoke.env.SIM_LOG=GET / 200\\\\nsmoke test passed'
/** A test pod that exits 3 after printing why. */
const FAILING = [
  'tests.smoke.env.SIM_EXIT_CODE=3',
  'tests.smoke.env.SIM_LOG=GET /checkout 502\\\\nassertion failed: expected 200 but got 502'
].join('\n')

describe.each<[HelmVersion, string]>([
  ['v3.17.1', 'h3'],
  ['v4.1.4', 'h4']
])('helm %s', (version, id) => {
  const base = (ns: string, release: string): Record<string, string> => ({
    chart: APP_CHART,
    release,
    namespace: ns,
    'create-namespace': 'true',
    timeout: '2m',
    test: 'true'
  })

  it.concurrent('passing tests: deployed, each test listed with its result, exit code and log', async () => {
    const ns = `${id}-test-pass`
    const run = await harness().deploy(version, {
      ...base(ns, 'web'),
      'set-string': [PASSING, 'tests.second.env.SIM_LOG=second ok', 'tests.second.weight=5'].join('\n')
    })
    expect(run.outputs, run.stdout).toMatchObject({ status: 'deployed', tests: 'passed', revision: '1' })
    const tests = run.report?.tests
    expect(tests?.result).toBe('passed')
    // helm runs them by weight: smoke (0) before second (5).
    expect(tests?.tests.map(t => [t.name, t.kind, t.phase, t.exitCode])).toEqual([
      ['web-test-smoke', 'Pod', 'Succeeded', 0],
      ['web-test-second', 'Pod', 'Succeeded', 0]
    ])
    expect(tests?.tests[0]?.log?.lines).toEqual(['GET / 200', 'smoke test passed'])
    for (const t of tests?.tests ?? []) expect(t.durationMs).toBeGreaterThanOrEqual(0)
    expect(run.summary).toContain('#### Tests: passed (')
    expect(run.summary).toMatch(/\| web-test-smoke \| ✅ passed \| 0 \| \d/)
    // The test pods stay (helm's default delete policy removes them only before the next run).
    expect(harness().cluster.store.get('pods', ns, 'web-test-smoke')).toBeDefined()
  })

  it.concurrent('a chart without tests: deployed, tests none, helm test not run', async () => {
    const ns = `${id}-test-none`
    const run = await harness().deploy(version, base(ns, 'plain'))
    expect(run.outputs).toMatchObject({ status: 'deployed', tests: 'none' })
    expect(run.report?.tests).toEqual({ result: 'none', tests: [], durationMs: 0 })
    expect(run.stdout).not.toContain('$ helm test')
    expect(run.summary).toContain('**Tests:** none')
  })

  it.concurrent(
    'a failing test on upgrade: rolled back to the previous revision, its values live again, the log kept',
    async () => {
      const ns = `${id}-test-upgrade`
      const first = await harness().deploy(version, { ...base(ns, 'shop'), 'set-string': PASSING })
      expect(first.outputs, first.stdout).toMatchObject({ status: 'deployed', tests: 'passed' })
      const run = await harness().deploy(version, {
        ...base(ns, 'shop'),
        'set-string': [`image=${V2}`, FAILING].join('\n')
      })
      expect(run.exitCode).toBe(1)
      expect(run.outputs, run.stdout).toMatchObject({
        status: 'rolled-back',
        'rolled-back': 'true',
        tests: 'failed',
        'previous-revision': '1',
        revision: '3',
        'failure-reason': 'helm test failed: pod shop-test-smoke exited with code 3'
      })
      expect(run.report?.cause).toEqual({
        source: 'test',
        message: 'pod shop-test-smoke exited with code 3'
      })
      // Revision 1's values are live again.
      const live = JSON.stringify(harness().cluster.store.get('deployments', ns, 'shop'))
      expect(live).toContain(V1)
      expect(live).not.toContain(V2)
      const history = await harness().history(version, 'shop', ns)
      expect(history.map(h => h.status)).toEqual(['superseded', 'superseded', 'deployed'])
      expect(history.at(-1)?.description).toBe('Rollback to 1')
      // The failing test's phase, exit code, log and events: in report.json, the summary and the annotation.
      const test = run.report?.tests?.tests[0]
      expect(test).toMatchObject({
        name: 'shop-test-smoke',
        phase: 'Failed',
        exitCode: 3,
        pod: 'shop-test-smoke'
      })
      expect(test?.log?.lines).toEqual(['GET /checkout 502', 'assertion failed: expected 200 but got 502'])
      expect(test?.events.map(e => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Started']))
      const reportFile = JSON.parse(await readFile(run.outputs['report-path'] ?? '', 'utf8')) as {
        tests: { tests: { log: { lines: string[] } }[] }
      }
      expect(reportFile.tests.tests[0]?.log.lines).toContain('assertion failed: expected 200 but got 502')
      expect(run.summary).toContain('**Why:** helm test failed: pod shop-test-smoke exited with code 3.')
      expect(run.summary).toContain('assertion failed: expected 200 but got 502')
      expect(run.summary).toContain('##### Test shop-test-smoke')
      expect(run.stdout).toMatch(
        /::error title=helm-atomic-deploy%3A shop::rolled back: helm test failed: pod shop-test-smoke/
      )
    }
  )

  it.concurrent('a failing test on install: uninstalled; a secret the test printed is redacted', async () => {
    const ns = `${id}-test-install`
    const run = await harness().deploy(version, {
      ...base(ns, 'fresh'),
      'set-secret': `db.password=${SECRET}`,
      'set-string': [
        'tests.smoke.env.SIM_EXIT_CODE=3',
        `tests.smoke.env.SIM_LOG=login with ${SECRET}\\\\nlogin refused`
      ].join('\n')
    })
    expect(run.outputs, run.stdout).toMatchObject({
      status: 'rolled-back',
      'rolled-back': 'true',
      tests: 'failed',
      revision: '',
      'previous-revision': '',
      'failure-reason': 'helm test failed: pod fresh-test-smoke exited with code 3'
    })
    expect(run.report?.detail).toBe('the failed install was uninstalled; no release is left')
    expect(await harness().history(version, 'fresh', ns)).toEqual([])
    expect(harness().cluster.store.get('deployments', ns, 'fresh')).toBeUndefined()
    expect(run.report?.tests?.tests[0]?.log?.lines).toEqual(['login with ***', 'login refused'])
    const reportFile = await readFile(run.outputs['report-path'] ?? '', 'utf8')
    const logged = run.stdout.split('\n').filter(line => !line.startsWith('::add-mask::'))
    for (const text of [reportFile, logged.join('\n'), run.summary]) expect(text).not.toContain(SECRET)
    expect(run.summary).toContain('login with ***')
  })

  it.concurrent('atomic off: a failing test fails the run and keeps the release', async () => {
    const ns = `${id}-test-keep`
    const run = await harness().deploy(version, {
      ...base(ns, 'kept'),
      atomic: 'false',
      'set-string': FAILING
    })
    expect(run.outputs).toMatchObject({
      status: 'failed',
      'rolled-back': 'false',
      tests: 'failed',
      revision: '1'
    })
    expect(run.report?.detail).toBe('atomic is off, so nothing was rolled back')
    expect(await harness().history(version, 'kept', ns)).toMatchObject([{ revision: 1, status: 'deployed' }])
  })

  it.concurrent('a test pod that cannot be scheduled fails fast with the scheduler’s reason', async () => {
    const ns = `${id}-test-sched`
    const started = Date.now()
    const run = await harness().deploy(version, {
      ...base(ns, 'big'),
      'test-timeout': '10m',
      // The action's clock is real time (the cluster's is scaled): a short grace keeps the test short.
      'fail-fast-unschedulable': '2s',
      'set-string': 'tests.load.cpu=64'
    })
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(run.outputs, run.stdout).toMatchObject({ status: 'rolled-back', tests: 'failed' })
    expect(run.outputs['failure-reason']).toMatch(
      /^helm test failed: pod big-test-load cannot be scheduled: 0\/1 nodes are available: 1 Insufficient cpu\./
    )
    expect(run.report?.cause).toMatchObject({ source: 'test', rule: 'unschedulable' })
    expect(run.report?.tests?.tests[0]?.events).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Warning', reason: 'FailedScheduling' })])
    )
  })

  it.concurrent(
    'a test pod that never starts (unpullable image) fails fast with its reason; later tests not run',
    async () => {
      const ns = `${id}-test-pull`
      const started = Date.now()
      const run = await harness().deploy(version, {
        ...base(ns, 'pull'),
        'test-timeout': '10m',
        'set-string': [
          'tests.a-pull.image=registry.invalid/shop/smoke:1',
          'tests.b-after.env.SIM_LOG=never runs'
        ].join('\n')
      })
      // Far below test-timeout: fail-fast ended helm test.
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(run.outputs, run.stdout).toMatchObject({ status: 'rolled-back', tests: 'failed' })
      expect(run.outputs['failure-reason']).toMatch(
        /^helm test failed: container test in pod pull-test-a-pull cannot pull image registry\.invalid\/shop\/smoke:1 \((ErrImagePull|ImagePullBackOff), \d+ failed pulls: .*no such host\)$/
      )
      expect(run.report?.cause).toMatchObject({ source: 'test', rule: 'image-pull' })
      const tests = run.report?.tests
      expect(tests?.verdict?.rule).toBe('image-pull')
      expect(tests?.tests.map(t => [t.name, t.phase])).toEqual([
        ['pull-test-a-pull', 'Failed'],
        ['pull-test-b-after', 'NotRun']
      ])
      expect(tests?.tests[0]?.exitCode).toBeUndefined()
      expect(tests?.tests[0]?.events).toEqual(
        expect.arrayContaining([expect.objectContaining({ type: 'Warning', reason: 'Failed' })])
      )
      expect(run.summary).toContain('cannot pull image registry.invalid/shop/smoke:1')
      expect(run.stdout).toContain('ending helm test')
    }
  )
})
