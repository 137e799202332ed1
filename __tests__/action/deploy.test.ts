/**
 * Issue "atomic install and upgrade": the bundled action, run as the runner runs it, with the real helm 3.17.1
 * and 4.1.4 against the test cluster.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { APP_CHART, DEMO_CHART, useDeployHarness, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()

// Node ports are cluster-wide: each major gets its own.
describe.each<[HelmVersion, string, number]>([
  ['v3.17.1', 'h3', 31231],
  ['v4.1.4', 'h4', 31232]
])('helm %s, the bundled action', (version, id, nodePort) => {
  it('seed scenario: dev101 deploys; qa101 with the same nodePort is rolled back and leaves nothing; atomic off leaves it failed', async () => {
    const ns = `${id}-seed`
    const common = {
      chart: DEMO_CHART,
      namespace: ns,
      'create-namespace': 'true',
      timeout: '30s',
      set: `service.nodePort=${nodePort}`
    }
    const dev = await harness().deploy(version, { ...common, release: 'dev101' })
    expect(dev.exitCode, dev.stdout).toBe(0)
    expect(dev.outputs).toMatchObject({
      status: 'deployed',
      revision: '1',
      'previous-revision': '',
      'rolled-back': 'false'
    })

    const qa = await harness().deploy(version, { ...common, release: 'qa101' })
    expect(qa.exitCode).toBe(1)
    expect(qa.outputs).toMatchObject({ status: 'rolled-back', revision: '', 'rolled-back': 'true' })
    const conflict = `Service "qa101-svc" is invalid: spec.ports[0].nodePort: Invalid value: ${nodePort}: provided port is already allocated`
    expect(qa.outputs['failure-reason']).toContain(conflict)
    const listAll = version === 'v3.17.1' ? ['--all'] : []
    const list = await harness().helm(version, ['list', '-n', ns, '-o', 'json', ...listAll])
    expect((JSON.parse(list.stdout) as { name: string }[]).map(r => r.name)).toEqual(['dev101'])
    expect(harness().objectsOf('qa101', ns)).toEqual([])
    expect(await harness().history(version, 'dev101', ns)).toMatchObject([
      { revision: 1, status: 'deployed' }
    ])
    expect(qa.report).toMatchObject({
      release: 'qa101',
      status: 'rolled-back',
      revision: null,
      rolledBack: true
    })
    // One error annotation, titled with the release, carrying the root cause.
    const errors = qa.stdout.split('\n').filter(line => line.startsWith('::error'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatch(
      /^::error title=helm-atomic-deploy%3A qa101::rolled back: .*provided port is already allocated/
    )

    const kept = await harness().deploy(version, {
      ...common,
      release: 'qa101',
      atomic: 'false',
      timeout: '10s'
    })
    expect(kept.exitCode).toBe(1)
    expect(kept.outputs).toMatchObject({ status: 'failed', 'rolled-back': 'false' })
    expect(kept.outputs['failure-reason']).toContain(conflict)
    const after = await harness().helm(version, ['list', '-n', ns, '-o', 'json', ...listAll])
    expect(JSON.parse(after.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'qa101', status: 'failed' })])
    )
    expect(await harness().history(version, 'dev101', ns)).toMatchObject([
      { revision: 1, status: 'deployed' }
    ])
  })

  it('seed part 5: an upgrade to a crash-looping image is rolled back and the old spec serves', async () => {
    const ns = `${id}-crash`
    const base = {
      chart: APP_CHART,
      release: 'shop',
      namespace: ns,
      'create-namespace': 'true',
      timeout: '5m'
    }
    const first = await harness().deploy(version, base)
    expect(first.outputs).toMatchObject({ status: 'deployed', revision: '1' })

    const started = Date.now()
    const bad = await harness().deploy(version, {
      ...base,
      // Exits before its readiness delay is up, like an app that dies at start-up behind a readiness probe.
      'set-string':
        'image=registry.example.com/shop/web:1.3.0\nenv.SIM_EXIT_CODE=1\nenv.SIM_READY_AFTER_SECONDS=5'
    })
    expect(Date.now() - started).toBeLessThan(60_000)
    expect(bad.exitCode).toBe(1)
    expect(bad.outputs).toMatchObject({
      status: 'rolled-back',
      revision: '3',
      'previous-revision': '1',
      'rolled-back': 'true'
    })
    const live = harness().cluster.store.get('deployments', ns, 'shop') as unknown as {
      spec: { template: { spec: { containers: { image: string; env?: unknown }[] } } }
    }
    expect(live.spec.template.spec.containers[0]).toMatchObject({
      image: 'registry.example.com/shop/web:1.2.0'
    })
    expect(live.spec.template.spec.containers[0]?.env).toBeUndefined()
    expect(
      (await harness().history(version, 'shop', ns)).map(r => `${r.revision}:${r.status}:${r.description}`)
    ).toEqual([
      '1:superseded:Install complete',
      expect.stringMatching(/^2:failed:Upgrade "shop" failed/),
      '3:deployed:Rollback to 1'
    ])
  })

  it('mode upgrade-install twice, install of an existing release, upgrade of a missing one, uninstall present and absent', async () => {
    const ns = `${id}-modes`
    const base = { chart: APP_CHART, namespace: ns, 'create-namespace': 'true', timeout: '30s' }
    expect((await harness().deploy(version, { ...base, release: 'twice' })).outputs).toMatchObject({
      status: 'deployed',
      revision: '1'
    })
    const again = await harness().deploy(version, { ...base, release: 'twice' })
    expect(again.outputs).toMatchObject({ status: 'deployed', revision: '2', 'previous-revision': '1' })

    const install = await harness().deploy(version, { ...base, release: 'twice', mode: 'install' })
    expect(install.exitCode).toBe(1)
    expect(install.outputs['failure-reason']).toBe(
      'release twice already exists (revision 2, deployed); mode install only creates a new release (use mode upgrade-install to upgrade it)'
    )
    const upgrade = await harness().deploy(version, { ...base, release: 'missing', mode: 'upgrade' })
    expect(upgrade.exitCode).toBe(1)
    expect(upgrade.outputs['failure-reason']).toBe(
      'release missing has no deployed revision; mode upgrade only upgrades an existing release (use mode upgrade-install to create it)'
    )
    expect(await harness().history(version, 'twice', ns)).toHaveLength(2)

    const removed = await harness().deploy(version, {
      release: 'twice',
      namespace: ns,
      mode: 'uninstall',
      timeout: '30s'
    })
    expect(removed.exitCode, removed.stdout).toBe(0)
    expect(removed.outputs).toMatchObject({ status: 'uninstalled', revision: '', 'previous-revision': '2' })
    expect(await harness().history(version, 'twice', ns)).toEqual([])
    expect(harness().objectsOf('twice', ns)).toEqual([])
    const absent = await harness().deploy(version, { release: 'never-was', namespace: ns, mode: 'uninstall' })
    expect(absent.exitCode).toBe(0)
    expect(absent.outputs).toMatchObject({ status: 'uninstalled', revision: '' })
  })

  it('the kubeconfig input (base64) reaches helm and kubectl; its file is removed and it is never logged', async () => {
    const kubeconfig = (await readFile(harness().cluster.kubeconfigPath)).toString('base64')
    const run = await harness().deploy(
      version,
      {
        chart: APP_CHART,
        release: 'viainput',
        namespace: `${id}-kc`,
        'create-namespace': 'true',
        kubeconfig,
        timeout: '30s'
      },
      { env: { KUBECONFIG: '/nonexistent/kubeconfig' } }
    )
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.status).toBe('deployed')
    expect(run.report?.diagnostics?.observations).toBeGreaterThan(0)
    expect(
      (await readdir(join(run.dir, 'temp'))).filter(name => name.startsWith('helm-atomic-deploy-kube-'))
    ).toEqual([])
    const logged = run.stdout.split('\n').filter(line => !line.startsWith('::add-mask::'))
    expect(logged.join('\n')).not.toContain(kubeconfig)
  })

  it('invalid inputs fail with every problem listed, and no request reaches the cluster', async () => {
    harness().cluster.requestLog.clear()
    const run = await harness().deploy(version, {
      release: 'Not_Valid',
      namespace: 'Bad Namespace',
      chart: APP_CHART,
      timeout: '-5m',
      'values-files': '/nonexistent/values.yaml',
      values: '- a\n- list',
      set: 'novalue',
      mode: 'sideways',
      'extra-args': '--atomic'
    })
    expect(run.exitCode).toBe(1)
    const errors = run.stdout.split('\n').filter(line => line.startsWith('::error '))
    expect(errors).toHaveLength(1)
    for (const input of [
      'release',
      'namespace',
      'timeout',
      'values-files',
      'values',
      'set',
      'mode',
      'extra-args'
    ]) {
      expect(errors[0]).toContain(`${input}: `)
      expect(run.outputs['failure-reason']).toContain(`${input}: `)
    }
    expect([...harness().cluster.requestLog]).toEqual([])
    // Still reported: the outputs, the summary and report.json say what was wrong.
    expect(run.outputs.status).toBe('failed')
    expect(run.outputs['failure-reason']).toMatch(
      /^invalid inputs: release: "Not_Valid" is not a valid release name/
    )
    expect(run.summary).toContain('Not&#95;Valid')
    expect(run.report?.cause).toMatchObject({ source: 'input' })
  })
})
