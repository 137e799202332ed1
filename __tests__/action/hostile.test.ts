/**
 * Issue "hostile or huge input cannot mislead the result": refused extra-args, big releases, long logs, a missing
 * context, and two deploys of one release at once — each through the bundled action against the test cluster.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { APP_CHART, useDeployHarness, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()

describe.each<[HelmVersion, string]>([
  ['v3.17.1', 'h3'],
  ['v4.1.4', 'h4']
])('helm %s', (version, id) => {
  const base = (ns: string, release: string): Record<string, string> => ({
    chart: APP_CHART,
    release,
    namespace: ns,
    'create-namespace': 'true',
    timeout: '5m'
  })

  it.concurrent.each([
    ['--dry-run', 'a dry run changes nothing'],
    ['--dry-run=server', 'a dry run changes nothing'],
    ['--kube-token=eyJhbGciOiJSUzI1NiJ9.sEcReT-T0ken', 'use the kubeconfig input'],
    ['--kube-apiserver=https://10.9.9.9:6443', 'use the kubeconfig input'],
    ['--kube-as-user=system:admin', 'use the kubeconfig input'],
    ['--debug', 'enable step debug logging'],
    ['-o=json', "the action reads helm's output itself"]
  ])('extra-args %s: exit 1 before the cluster is touched, its value never printed', async (arg, why) => {
    harness().cluster.requestLog.clear()
    const run = await harness().deploy(version, { ...base(`${id}-refused`, 'refused'), 'extra-args': arg })
    expect(run.exitCode).toBe(1)
    expect(run.outputs.status).toBe('failed')
    expect(run.outputs['failure-reason']).toContain(why)
    expect([...harness().cluster.requestLog].filter(r => r.path.includes(`${id}-refused`))).toEqual([])
    const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : ''
    if (value.length > 4) {
      for (const text of [run.stdout, run.summary, JSON.stringify(run.outputs)])
        expect(text).not.toContain(value)
    }
  })

  // The list size is the watcher's concern, not helm's: one major (the default) is enough, and the run is heavy.
  if (version === 'v4.1.4')
    it.concurrent(
      'a big release (60 replicas, 300 KB of env each: over 16 MiB per list) crash-looping: fail-fast fires, diagnostics stay',
      async () => {
        const ns = `${id}-big`
        const values = join(harness().cluster.home, `big-${id}.yaml`)
        const env: Record<string, string> = {
          SIM_EXIT_CODE: '3',
          SIM_NEVER_READY: '1',
          SIM_LOG: 'boot\\nfatal: config'
        }
        for (let i = 0; i < 150; i++) env[`BLOB_${i}`] = 'x'.repeat(2_000)
        // The progress deadline is 30 s real at the harness's time scale: on a loaded machine it could end the wait first.
        await writeFile(values, JSON.stringify({ replicas: 60, progressDeadlineSeconds: 100000, env }))
        const started = Date.now()
        const run = await harness().deploy(version, { ...base(ns, 'big'), 'values-files': values })
        expect(run.outputs.status).toBe('rolled-back')
        expect(run.report?.diagnostics?.verdict?.rule).toBe('crash-loop')
        expect(run.report?.diagnostics?.pods.length).toBeGreaterThanOrEqual(60)
        expect(run.report?.diagnostics?.partial ?? '').not.toMatch(
          /reading (deployments|replicasets|pods) failed/
        )
        expect(Buffer.byteLength(run.summary, 'utf8')).toBeLessThanOrEqual(1024 * 1024)
        expect(run.summary).toContain('fatal: config')
        expect(Date.now() - started).toBeLessThan(120_000)
      }
    )

  it.concurrent(
    'a 20,000-line log with log-lines 10000: the newest lines are kept, the dropped ones counted',
    async () => {
      const ns = `${id}-longlog`
      const values = join(harness().cluster.home, `longlog-${id}.yaml`)
      const lines = Array.from(
        { length: 20_000 },
        (_, i) => `log line ${String(i).padStart(5, '0')} ${'z'.repeat(24)}`
      )
      await writeFile(values, JSON.stringify({ env: { SIM_EXIT_CODE: '1', SIM_LOG: lines.join('\n') } }))
      const run = await harness().deploy(version, {
        ...base(ns, 'longlog'),
        'values-files': values,
        'log-lines': '10000',
        // Writing 20,000 lines is slow on a loaded machine: the crash must be caught however late it comes.
        'min-ready': '10s'
      })
      expect(run.outputs.status).toBe('rolled-back')
      const tail = run.report?.diagnostics?.logs.find(l => l.previous)
      expect(tail?.lines.at(-1)).toBe(lines.at(-1))
      expect(tail?.lines.length).toBeGreaterThan(5_000)
      expect((tail?.lines.length ?? 0) + (tail?.droppedLines ?? 0)).toBe(10_000)
    }
  )

  it.concurrent(
    'a kube-context that does not exist: failed, reported, and the summary names the context',
    async () => {
      const run = await harness().deploy(version, {
        ...base(`${id}-noctx`, 'noctx'),
        'kube-context': 'prod-eu-9'
      })
      expect(run.exitCode).toBe(1)
      expect(run.outputs.status).toBe('failed')
      expect(run.outputs['failure-reason']).toContain('prod-eu-9')
      expect(run.report?.cause?.source).toBe('cluster')
      expect(run.summary).toContain('prod-eu-9')
      expect(run.summary).toContain('❌ Failed')
    }
  )

  it.concurrent(
    'two deploys of one release at the same moment: the loser says so, the release is healthy after',
    async () => {
      const ns = `${id}-race`
      expect((await harness().deploy(version, base(ns, 'race'))).outputs.status).toBe('deployed')
      const slow = { ...base(ns, 'race'), 'set-string': 'env.SIM_READY_AFTER_SECONDS=20' }
      const [a, b] = await Promise.all([harness().deploy(version, slow), harness().deploy(version, slow)])
      const statuses = [a.outputs.status, b.outputs.status].sort()
      expect(statuses).toEqual(['deployed', 'failed'])
      const loser = a.outputs.status === 'failed' ? a : b
      expect(loser.outputs['failure-reason']).toMatch(
        /^another (deploy of release race is in progress \(pending-upgrade since \S+\)|operation is in progress on release race|deploy of release race ran at the same time)/
      )
      expect(loser.stdout).not.toMatch(/needs recovery|Recovering a stale lock/)
      expect(loser.report?.diagnostics).toBeUndefined()
      const history = await harness().history(version, 'race', ns)
      expect(history.at(-1)?.status).toBe('deployed')
    }
  )
})
