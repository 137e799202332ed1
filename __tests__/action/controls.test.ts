/**
 * Issue "helm's controls as named inputs": history-max bounds the history, Helm-4-only inputs are refused on
 * Helm 3 before the cluster, the controls reach helm's argv, and force-conflicts resolves a server-side apply
 * conflict with another field manager (the test cluster's managedFields) that fails without it.
 */
import { describe, expect, it } from 'vitest'
import type { KubeObject } from '../cluster/types.js'
import { APP_CHART, useDeployHarness, type DeployRun, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()

function deployLine(run: DeployRun): string {
  return run.stdout.split('\n').find(line => /^\$ helm (upgrade|install) /.test(line)) ?? ''
}

function clusterRequestsFor(namespace: string): string[] {
  return [...harness().cluster.requestLog]
    .map(r => r.path)
    .filter(path => path.includes(`/namespaces/${namespace}/`))
}

describe.each<[HelmVersion, string]>([
  ['v3.17.1', 'h3'],
  ['v4.1.4', 'h4']
])('helm %s, named controls', (version, id) => {
  it.concurrent('history-max: 3 after five deploys keeps at most 3 revisions', async () => {
    const ns = `${id}-history-max`
    for (let i = 1; i <= 5; i++) {
      const run = await harness().deploy(version, {
        release: 'shop',
        namespace: ns,
        'create-namespace': 'true',
        chart: APP_CHART,
        set: `env.DEPLOY=n${i}`,
        'history-max': '3'
      })
      expect(run.outputs.status, run.stdout).toBe('deployed')
      if (i > 1) expect(deployLine(run)).toContain('--history-max 3')
    }
    const history = await harness().history(version, 'shop', ns)
    expect(history.length).toBeLessThanOrEqual(3)
    expect(history.at(-1)).toMatchObject({ revision: 5, status: 'deployed' })
  })

  it.concurrent(
    'description, skip-crds, take-ownership and cleanup-on-fail reach helm; the description is recorded',
    async () => {
      const ns = `${id}-controls`
      const inputs = {
        release: 'shop',
        namespace: ns,
        'create-namespace': 'true',
        chart: APP_CHART,
        description: 'deployed by the controls test',
        'skip-crds': 'true',
        'take-ownership': 'true',
        'cleanup-on-fail': 'true'
      }
      const run = await harness().deploy(version, inputs)
      expect(run.outputs.status, run.stdout).toBe('deployed')
      expect(deployLine(run)).toContain(
        '--history-max 10 --take-ownership --skip-crds --cleanup-on-fail --description deployed by the controls test'
      )
      const history = await harness().history(version, 'shop', ns)
      expect(history.at(-1)?.description).toBe('deployed by the controls test')
    }
  )
})

describe('Helm-4-only inputs', () => {
  it.concurrent('on Helm 3 each is refused by name before the cluster is touched', async () => {
    const ns = 'h3-helm4-only'
    const run = await harness().deploy('v3.17.1', {
      release: 'shop',
      namespace: ns,
      chart: APP_CHART,
      'wait-strategy': 'legacy',
      'server-side': 'true',
      'force-conflicts': 'true'
    })
    expect(run.exitCode).toBe(1)
    const reason = run.outputs['failure-reason'] ?? ''
    expect(reason).toMatch(/^invalid inputs: /)
    expect(reason).toContain('wait-strategy: legacy needs Helm 4 (the installed helm is v3.17.1;')
    expect(reason).toContain('server-side: true needs Helm 4 (the installed helm is v3.17.1;')
    expect(reason).toContain('force-conflicts needs Helm 4')
    expect(clusterRequestsFor(ns)).toEqual([])
  })

  it.concurrent('on Helm 4 a post-renderer path is refused: Helm 4 takes a plugin name', async () => {
    const run = await harness().deploy('v4.1.4', {
      release: 'shop',
      namespace: 'h4-post-renderer',
      chart: APP_CHART,
      'post-renderer': '/bin/cat'
    })
    expect(run.exitCode).toBe(1)
    expect(run.outputs['failure-reason']).toContain(
      'post-renderer: Helm 4 takes the name of a post-renderer plugin, not a path ("/bin/cat"'
    )
  })

  it.concurrent('wait-strategy: legacy and server-side: true reach helm 4', async () => {
    const ns = 'h4-legacy-ssa'
    const run = await harness().deploy('v4.1.4', {
      release: 'shop',
      namespace: ns,
      'create-namespace': 'true',
      chart: APP_CHART,
      'wait-strategy': 'legacy',
      'server-side': 'true'
    })
    expect(run.outputs.status, run.stdout).toBe('deployed')
    const line = deployLine(run)
    expect(line).toContain('--rollback-on-failure --wait=legacy --timeout 5m0s')
    expect(line).toContain('--server-side=true')
    expect(line).not.toContain('--wait=watcher')
  })
})

describe('force-conflicts (helm 4, server-side apply)', () => {
  async function scaleAs(manager: string, namespace: string, name: string, replicas: number): Promise<void> {
    const response = await fetch(
      `${harness().cluster.url}/apis/apps/v1/namespaces/${namespace}/deployments/${name}?fieldManager=${manager}`,
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { replicas } })
      }
    )
    expect(response.status).toBe(200)
  }

  function replicasOwners(namespace: string, name: string): string[] {
    const deployment = harness().cluster.store.get('deployments', namespace, name) as KubeObject
    const entries = (deployment.metadata.managedFields ?? []) as { manager: string; fieldsV1: unknown }[]
    return entries.filter(e => JSON.stringify(e.fieldsV1).includes('"f:replicas"')).map(e => e.manager)
  }

  it.concurrent(
    'a field another manager owns fails the upgrade; force-conflicts: true takes it',
    async () => {
      const ns = 'h4-force-conflicts'
      const inputs = { release: 'shop', namespace: ns, 'create-namespace': 'true', chart: APP_CHART }
      const installed = await harness().deploy('v4.1.4', inputs)
      expect(installed.outputs.status, installed.stdout).toBe('deployed')
      await scaleAs('hpa-controller', ns, 'shop', 3)
      expect(replicasOwners(ns, 'shop')).toEqual(['hpa-controller'])

      const conflicted = await harness().deploy('v4.1.4', { ...inputs, set: 'env.RELEASE=two' })
      expect(conflicted.exitCode).toBe(1)
      expect(conflicted.outputs['failure-reason']).toContain(
        'Apply failed with 1 conflict: conflict with "hpa-controller" using apps/v1: .spec.replicas'
      )

      const forced = await harness().deploy('v4.1.4', {
        ...inputs,
        set: 'env.RELEASE=two',
        'force-conflicts': 'true'
      })
      expect(forced.outputs.status, forced.stdout).toBe('deployed')
      expect(deployLine(forced)).toContain('--force-conflicts')
      expect(replicasOwners(ns, 'shop')).toEqual(['helm'])
      const deployment = harness().cluster.store.get('deployments', ns, 'shop') as KubeObject
      expect((deployment.spec as { replicas: number }).replicas).toBe(1)
    }
  )
})
