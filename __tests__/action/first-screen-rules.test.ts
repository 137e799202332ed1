/**
 * Issue "the first screen answers why", its two new fail-fast rules, with the bundled action on both helm majors:
 * a ResourceQuota the new revision exceeds, and a claim whose storage class does not exist. Each is rolled back
 * well within the 5-minute timeout.
 */
import { describe, it } from 'vitest'
import { APP_CHART, useDeployHarness, type HelmVersion } from '../support/deploy-harness.js'
import { expectFirstScreen, firstScreen } from '../support/first-screen.js'

const harness = useDeployHarness()

// Far beyond the 30 s the rules wait: at the harness's time scale the progress deadline would win the race.

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

  it.concurrent(
    'a ResourceQuota the new revision exceeds: rolled back after 30 s of FailedCreate',
    async ({ expect }) => {
      const ns = `${id}-quota`
      const store = harness().cluster.store
      store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })
      store.create('resourcequotas', {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'team-quota', namespace: ns },
        spec: { hard: { pods: '1' } }
      })
      const started = Date.now()
      const run = await harness().deploy(version, {
        ...base(ns, 'quota'),
        set: 'replicas=2\nprogressDeadlineSeconds=100000'
      })
      expect(run.outputs.status).toBe('rolled-back')
      expect(run.report?.cause).toMatchObject({ source: 'fail-fast', rule: 'quota-exceeded' })
      expect(run.outputs['failure-reason']).toMatch(
        /^fail-fast: ReplicaSet quota-\w+ cannot create pods: pods "quota-\S+" is forbidden: exceeded quota: team-quota, requested: pods=1, used: pods=1, limited: pods=1$/
      )
      expect(Date.now() - started).toBeLessThan(90_000)
      expectFirstScreen(run.summary, {
        evidence: 'exceeded quota: team-quota, requested: pods=1',
        hint: `Raise ResourceQuota team-quota in namespace ${ns}`
      })
      await expect(firstScreen(run.summary)).toMatchFileSnapshot(
        `__snapshots__/first-screen/quota-${id}.summary.md`
      )
    }
  )

  it.concurrent(
    'a claim of a storage class the cluster lacks: rolled back after 30 s of ProvisioningFailed',
    async ({ expect }) => {
      const started = Date.now()
      const run = await harness().deploy(version, {
        ...base(`${id}-claim`, 'claim'),
        set: 'claim.enabled=true\nclaim.storageClass=fast-ssd\nprogressDeadlineSeconds=100000'
      })
      expect(run.outputs.status).toBe('rolled-back')
      expect(run.report?.cause).toMatchObject({ source: 'fail-fast', rule: 'claim-unbound' })
      expect(run.outputs['failure-reason']).toBe(
        'fail-fast: PersistentVolumeClaim claim-data cannot bind: storageclass.storage.k8s.io "fast-ssd" not found'
      )
      expect(Date.now() - started).toBeLessThan(90_000)
      expectFirstScreen(run.summary, {
        evidence: 'storageclass.storage.k8s.io &quot;fast-ssd&quot; not found',
        hint: 'Create storage class fast-ssd'
      })
      await expect(firstScreen(run.summary)).toMatchFileSnapshot(
        `__snapshots__/first-screen/claim-${id}.summary.md`
      )
    }
  )
})
