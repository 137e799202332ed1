/**
 * Issue "verdicts that hold on real clusters", at the kubelet's and autoscaler's real timings (timeScale 1): a
 * Secret that a controller creates seconds after the pod, a cluster autoscaler adding a node, transient pull
 * failures, a Terminating old pod. The bundled action, both helm majors.
 */
import { describe, expect, it } from 'vitest'
import { APP_CHART, useDeployHarness, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness({ timeScale: 1 })

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

describe.each<[HelmVersion, string]>([
  ['v3.17.1', 'h3'],
  ['v4.1.4', 'h4']
])('helm %s, timeScale 1', (version, id) => {
  const base = (ns: string, release: string): Record<string, string> => ({
    chart: APP_CHART,
    release,
    namespace: ns,
    'create-namespace': 'true',
    timeout: '5m',
    'min-ready': '2s'
  })

  it.concurrent('a Secret another client creates 8 s after the deploy began: deployed', async () => {
    const ns = `${id}-late-secret`
    const started = Date.now()
    const running = harness().deploy(version, { ...base(ns, 'late'), set: 'secretFrom=late-credentials' })
    await sleep(8_000)
    harness().cluster.store.create('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'late-credentials', namespace: ns },
      data: { TOKEN: Buffer.from('from-the-operator').toString('base64') }
    })
    const run = await running
    expect(run.outputs.status, run.outputs['failure-reason']).toBe('deployed')
    // The kubelet's 10-15 s retry, not the Secret's creation, started the container.
    expect(Date.now() - started).toBeGreaterThan(9_000)
  })

  it.concurrent(
    'a Secret that never appears: rolled back after the grace, with the kubelet message',
    async () => {
      const started = Date.now()
      const run = await harness().deploy(version, {
        ...base(`${id}-no-secret`, 'nosecret'),
        set: 'secretFrom=never-created'
      })
      expect(run.outputs.status).toBe('rolled-back')
      expect(run.outputs['failure-reason']).toBe(
        `fail-fast: container web in pod ${run.report?.diagnostics?.verdict?.pod ?? '?'} cannot start: secret "never-created" not found`
      )
      expect(Date.now() - started).toBeLessThan(60_000)
    }
  )

  it.concurrent('a registry that fails the first pull (503): the retry succeeds, deployed', async () => {
    const run = await harness().deploy(version, {
      ...base(`${id}-pull-once`, 'flaky'),
      'set-string': `image=registry.example.com/shop/web:pull-once-${id}\nenv.SIM_PULL_FAILURES=1`
    })
    expect(run.outputs.status, run.outputs['failure-reason']).toBe('deployed')
    const failed = run.report?.diagnostics?.events.find(
      e => e.reason === 'Failed' && e.message.includes('503')
    )
    expect(failed).toBeDefined()
  })

  it.concurrent(
    'an image on a registry that does not resolve: rolled back well within a minute',
    async () => {
      const started = Date.now()
      const run = await harness().deploy(version, {
        ...base(`${id}-pull-never`, 'nohost'),
        'set-string': 'image=registry.invalid/shop/web:9.9'
      })
      expect(run.outputs.status).toBe('rolled-back')
      expect(run.outputs['failure-reason']).toMatch(
        /cannot pull image registry\.invalid\/shop\/web:9\.9 \(.*[2-9] failed pulls/
      )
      expect(Date.now() - started).toBeLessThan(60_000)
    }
  )
})

// A node the autoscaler added stays (no scale-down): each major gets its own cluster, scenarios run in order.
describe.each<[HelmVersion, string]>([
  ['v3.17.1', 'h3'],
  ['v4.1.4', 'h4']
])('helm %s, timeScale 1, cluster autoscaler', (version, id) => {
  const autoscaled = useDeployHarness({ timeScale: 1 })
  const big = (ns: string, release: string, knob: string): Record<string, string> => ({
    chart: APP_CHART,
    release,
    namespace: ns,
    'create-namespace': 'true',
    timeout: '5m',
    'min-ready': '2s',
    set: 'replicas=2\ncpu=3',
    'set-string': knob
  })

  it('no node would take the pod and the autoscaler will not add one: rolled back within seconds', async () => {
    const started = Date.now()
    const run = await autoscaled().deploy(version, big(`${id}-no-scale`, 'noscale', 'env.SIM_NO_SCALE_UP=1'))
    expect(run.outputs.status).toBe('rolled-back')
    expect(run.outputs['failure-reason']).toMatch(
      /cannot be scheduled: 0\/\d+ nodes are available: .*Insufficient cpu.*; cluster-autoscaler: pod didn't trigger scale-up/
    )
    // The autoscaler loops every 10 s; the 30 s grace for a cluster without one is not waited out.
    expect(Date.now() - started).toBeLessThan(28_000)
  })

  it('the autoscaler adds a node in 45 s: helm waits for it (5m timeout), deployed', async () => {
    const started = Date.now()
    const run = await autoscaled().deploy(
      version,
      big(`${id}-scale`, 'scale', 'env.SIM_SCALE_UP_AFTER_SECONDS=45')
    )
    expect(run.outputs.status, run.outputs['failure-reason']).toBe('deployed')
    expect(Date.now() - started).toBeGreaterThan(45_000)
    const events = run.report?.diagnostics?.events ?? []
    expect(events.some(e => e.reason === 'TriggeredScaleUp' && e.source === 'cluster-autoscaler')).toBe(true)
    const scheduling = events.find(e => e.reason === 'FailedScheduling')
    expect(scheduling?.source).toBe('default-scheduler')
    // events.k8s.io/v1 events: the count is the series count the API server holds, not 1.
    expect(scheduling?.count).toBeGreaterThanOrEqual(1)
    expect(run.report?.diagnostics?.pods.some(p => p.node === 'test-node-2')).toBe(true)
    await autoscaled().helm(version, ['uninstall', 'scale', '-n', `${id}-scale`, '--wait'])
  })
})
