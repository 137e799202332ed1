/**
 * Issue "verdicts that hold on real clusters", the parts the test cluster plays at the harness's time scale:
 * a container that crashes a while after it became Ready (no readiness probe), and a fix deployed onto a live
 * revision that crash-loops. The bundled action, both helm majors.
 */
import { describe, expect, it } from 'vitest'
import { APP_CHART, useDeployHarness, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()

/** Ready for 20 simulated seconds (1 s real at the harness's time scale), then exit 3: no probe notices first. */
/** Resolves once a pod of the namespace has restarted; rejects after a minute. */
async function restarted(namespace: string): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const pods = harness().cluster.store.list('pods', namespace)
    const restarts = pods.flatMap(p => {
      const status = p.status as { containerStatuses?: { restartCount?: number }[] } | undefined
      return status?.containerStatuses?.map(c => c.restartCount ?? 0) ?? []
    })
    if (restarts.some(r => r > 0)) return
    if (Date.now() > deadline) throw new Error(`no pod of ${namespace} restarted within a minute`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

const CRASH_AFTER_READY = [
  'env.SIM_EXIT_CODE=3',
  'env.SIM_RUN_SECONDS=20',
  'env.SIM_LOG=listening on :8080\\\\nfatal: lost the database connection'
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
    timeout: '5m',
    'min-ready': '4s'
  })

  it.concurrent(
    'an upgrade whose container crashes after it became Ready: rolled back, the old template live',
    async () => {
      const ns = `${id}-crash-ready`
      expect((await harness().deploy(version, base(ns, 'web'))).outputs.status).toBe('deployed')
      const run = await harness().deploy(version, { ...base(ns, 'web'), 'set-string': CRASH_AFTER_READY })
      expect(run.outputs, run.stdout).toMatchObject({
        status: 'rolled-back',
        'rolled-back': 'true',
        'previous-revision': '1'
      })
      expect(run.outputs.revision).toBe('3')
      // helm called it a success (min-ready caught it), or its own wait saw the crash loop (fail-fast did).
      expect(['min-ready', 'fail-fast']).toContain(run.report?.cause?.source)
      if (version === 'v4.1.4') {
        expect(run.report?.cause?.source).toBe('min-ready')
        expect(run.outputs['failure-reason']).toMatch(
          /^unstable after helm's wait: container web in pod web-\S+ exited with code 3(, [\d.]+ s after it became Ready)? \(\d+ restarts?\)$/
        )
      }
      const live = JSON.stringify(harness().cluster.store.get('deployments', ns, 'web'))
      expect(live).not.toContain('SIM_EXIT_CODE')
      const previous = run.report?.diagnostics?.logs.find(l => l.previous)
      expect(previous?.lines).toContain('fatal: lost the database connection')
      const history = await harness().history(version, 'web', ns)
      // helm's own atomic rollback marks revision 2 failed; the action's rollback after helm's success supersedes it.
      const second = run.report?.cause?.source === 'min-ready' ? 'superseded' : 'failed'
      expect(history.map(h => h.status)).toEqual(['superseded', second, 'deployed'])
      expect(history.at(-1)?.description).toBe('Rollback to 1')
    }
  )

  it.concurrent('a fresh install whose container crashes after it became Ready: uninstalled', async () => {
    const ns = `${id}-crash-ready-install`
    const run = await harness().deploy(version, { ...base(ns, 'fresh'), 'set-string': CRASH_AFTER_READY })
    expect(run.outputs).toMatchObject({
      status: 'rolled-back',
      'rolled-back': 'true',
      revision: '',
      'previous-revision': ''
    })
    expect(await harness().history(version, 'fresh', ns)).toEqual([])
    expect(harness().cluster.store.get('deployments', ns, 'fresh')).toBeUndefined()
  })

  it.concurrent('atomic off: the unstable release is kept, status failed', async () => {
    const ns = `${id}-crash-ready-keep`
    const run = await harness().deploy(version, {
      ...base(ns, 'kept'),
      atomic: 'false',
      'fail-fast': 'false',
      'set-string': CRASH_AFTER_READY
    })
    expect(run.outputs).toMatchObject({ status: 'failed', 'rolled-back': 'false' })
    expect(run.report?.cause?.source).toMatch(/min-ready|fail-fast/)
    expect(harness().cluster.store.get('deployments', ns, 'kept')).toBeDefined()
  })

  it.concurrent.each([1, 3])(
    'a fix deployed onto a live revision that crash-loops (%i replicas): deployed',
    async replicas => {
      const ns = `${id}-fix-${replicas}`
      const sized = { ...base(ns, 'api'), set: `replicas=${replicas}` }
      expect((await harness().deploy(version, sized)).outputs.status).toBe('deployed')
      // A false green from before min-ready existed: revision 2 is live and crash-looping.
      const broken = await harness().deploy(version, {
        ...sized,
        'min-ready': '0s',
        'fail-fast': 'false',
        'set-string': CRASH_AFTER_READY
      })
      expect(broken.outputs.status).toBe('deployed')
      const fix = await harness().deploy(version, {
        ...sized,
        'set-string': 'image=registry.example.com/shop/web:1.2.1'
      })
      expect(fix.outputs, fix.stdout).toMatchObject({ status: 'deployed', revision: '3' })
      expect(fix.report?.diagnostics?.verdict).toBeUndefined()
      expect(fix.report?.diagnostics?.verification?.result).toBe('stable')
      // Whatever the watcher saw of the crash-looping old pods is marked as the old revision.
      const crashing =
        fix.report?.diagnostics?.pods.filter(p => p.containers.some(c => c.restartCount > 0)) ?? []
      for (const pod of crashing) expect(pod.revision).toBe('old')
    }
  )

  it.concurrent(
    'old pods that stay Terminating while their container waits in CrashLoopBackOff: no verdict',
    async () => {
      const ns = `${id}-terminating`
      const slow = {
        ...base(ns, 'slow'),
        set: 'replicas=2\nsidecar.enabled=true\nterminationGracePeriodSeconds=400',
        // 200 simulated seconds to stop: 10 s of Terminating at the harness's time scale.
        'set-string': 'sidecar.env.SIM_STOP_SECONDS=200'
      }
      expect((await harness().deploy(version, slow)).outputs.status).toBe('deployed')
      const broken = await harness().deploy(version, {
        ...slow,
        'min-ready': '0s',
        'fail-fast': 'false',
        'set-string': `${slow['set-string']}\n${CRASH_AFTER_READY}`
      })
      expect(broken.outputs.status).toBe('deployed')
      // The fix must meet pods that already crash-loop: wait for the first restart (20 simulated seconds each run).
      await restarted(ns)
      const fix = await harness().deploy(version, slow)
      expect(fix.outputs, fix.stdout).toMatchObject({ status: 'deployed' })
      expect(fix.report?.diagnostics?.verdict).toBeUndefined()
      const terminating = fix.report?.diagnostics?.pods.filter(p => p.terminating) ?? []
      // The crash-looping revision's pods were seen Terminating (and judged by nobody).
      expect(terminating.some(p => p.revision === 'old' && p.containers.some(c => c.restartCount > 0))).toBe(
        true
      )
    }
  )
})
