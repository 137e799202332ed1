/**
 * Issue 12, the corpus: public charts nobody here wrote (redis-commander 0.2.1 and 0.6.0, the Helm starter of each
 * major, Rancher's extension server, an umbrella vendoring them) and the project's coverage chart `inventory`, each
 * installed, upgraded, broken and uninstalled through the bundled action with helm 3.17.1 and 4.1.4. The two
 * majors of a chart run concurrently (namespaces `h3-*` and `h4-*`); the charts one after another.
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import type { KubeObject, ResourceName } from '../cluster/types.js'
import { kubectlBinary } from '../fixtures/binaries.js'
import { chartFixture } from '../fixtures/charts.js'
import { useDeployHarness, type DeployRun, type HelmVersion } from '../support/deploy-harness.js'

const exec = promisify(execFile)
const harness = useDeployHarness()

const INVENTORY_CHART = join(import.meta.dirname, '..', 'fixtures', 'charts', 'inventory')
/** Four to eight action runs per test, each with helm's wait and min-ready's verification. */
const CHART_TEST_TIMEOUT_MS = 180_000

const MAJORS = [
  { version: 'v3.17.1', id: 'h3', starter: 'helm-starter-v3' },
  { version: 'v4.1.4', id: 'h4', starter: 'helm-starter-v4' }
] as const satisfies readonly { version: HelmVersion; id: string; starter: string }[]

function common(namespace: string, release: string): Record<string, string> {
  return { release, namespace, 'create-namespace': 'true', timeout: '3m' }
}

function expectDeployed(run: DeployRun, revision: number): void {
  expect(run.exitCode, run.stdout).toBe(0)
  expect(run.outputs).toMatchObject({
    status: 'deployed',
    revision: String(revision),
    'previous-revision': revision > 1 ? String(revision - 1) : '',
    'rolled-back': 'false',
    'failure-reason': ''
  })
}

/** helm's atomic rollback (or the action's, after min-ready) to `to`, as revision `revision`. */
function expectRolledBack(run: DeployRun, revision: number, to: number): void {
  expect(run.exitCode).toBe(1)
  expect(run.outputs).toMatchObject({
    status: 'rolled-back',
    revision: String(revision),
    'previous-revision': String(to),
    'rolled-back': 'true'
  })
}

/** Refused by helm before anything was applied: no new revision, the live one untouched. */
function expectRefused(run: DeployRun, live: number): void {
  expect(run.exitCode).toBe(1)
  expect(run.outputs).toMatchObject({
    status: 'failed',
    revision: String(live),
    'previous-revision': String(live),
    'rolled-back': 'false'
  })
  expect(run.report?.cause?.source).toBe('helm')
}

async function uninstall(
  version: HelmVersion,
  release: string,
  namespace: string,
  from: number
): Promise<void> {
  const run = await harness().deploy(version, { release, namespace, mode: 'uninstall' })
  expect(run.exitCode, run.stdout).toBe(0)
  expect(run.outputs).toMatchObject({
    status: 'uninstalled',
    revision: '',
    'previous-revision': String(from)
  })
}

/**
 * `<resource>/<name>` of what helm's ownership annotations tie to the release `release` of `namespace`, sorted;
 * cluster-scoped resources are listed cluster-wide.
 */
function releaseObjects(release: string, namespace: string, resources: readonly ResourceName[]): string[] {
  const { store } = harness().cluster
  return resources
    .flatMap(resource => {
      const listed = store.registry.info(resource).namespaced ? namespace : undefined
      return store.list(resource, listed).map(object => ({ resource, object }))
    })
    .filter(
      ({ object }) =>
        object.metadata.annotations?.['meta.helm.sh/release-name'] === release &&
        object.metadata.annotations['meta.helm.sh/release-namespace'] === namespace
    )
    .map(({ resource, object }) => `${resource}/${object.metadata.name}`)
    .sort()
}

interface ContainerView {
  name: string
  image?: string
  env?: { name: string; value?: string }[]
}

function firstContainer(object: KubeObject | undefined): ContainerView | undefined {
  const spec = object?.spec as { template?: { spec?: { containers?: ContainerView[] } } } | undefined
  return spec?.template?.spec?.containers?.[0]
}

function podEnvNames(pod: KubeObject | undefined): string[] {
  const spec = pod?.spec as { containers?: ContainerView[] } | undefined
  return spec?.containers?.[0]?.env?.map(e => e.name) ?? []
}

function statusOf(object: KubeObject | undefined): Record<string, unknown> {
  return (object?.status ?? {}) as Record<string, unknown>
}

/** Resolves once the CRD exists and is Established; rejects after a minute. */
async function crdEstablished(name: string): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const crd = harness().cluster.store.get('customresourcedefinitions', undefined, name)
    const conditions = (statusOf(crd).conditions ?? []) as { type: string; status: string }[]
    if (conditions.some(c => c.type === 'Established' && c.status === 'True')) return
    if (Date.now() > deadline) throw new Error(`CRD ${name} not established within a minute`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** Resolves once `done()` holds; rejects after a minute. */
async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`waited a minute for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** Every log line the report kept. */
function allLogLines(run: DeployRun): string[] {
  return run.report?.diagnostics?.logs.flatMap(log => log.lines) ?? []
}

/** The previous (crashed) instance's log lines the report kept. */
function crashedLog(run: DeployRun): string[] {
  return run.report?.diagnostics?.logs.find(log => log.previous)?.lines ?? []
}

describe('redis-commander 0.2.1 → 0.6.0 (redis-commander project)', () => {
  it.concurrent.each(MAJORS)(
    'helm $version: installs 0.2.1, upgrades to 0.6.0, rolls back a crash at start-up, uninstalls',
    async ({ version, id }) => {
      const ns = `${id}-rc`
      const base = common(ns, 'rc')
      const kinds: ResourceName[] = ['deployments', 'services', 'configmaps']
      expectDeployed(
        await harness().deploy(version, { ...base, chart: chartFixture('redis-commander-0.2.1') }),
        1
      )
      expect(releaseObjects('rc', ns, kinds)).toEqual([
        'deployments/rc-redis-commander',
        'services/rc-redis-commander'
      ])

      expectDeployed(await harness().deploy(version, { ...base, chart: chartFixture('redis-commander') }), 2)
      // 0.6.0 adds a ConfigMap and relabels the Deployment with the new chart version.
      expect(releaseObjects('rc', ns, kinds)).toEqual([
        'configmaps/rc-configmap',
        'deployments/rc-redis-commander',
        'services/rc-redis-commander'
      ])
      const deployment = () => harness().cluster.store.get('deployments', ns, 'rc-redis-commander')
      expect(deployment()?.metadata.labels?.['helm.sh/chart']).toBe('redis-commander-0.6.0')

      // redis-commander with no Redis to reach exits at start-up, every time (it has no readiness probe, so each
      // instance is Ready while it runs: helm's wait may pass and min-ready catch it, or fail-fast end the wait).
      const crashed = await harness().deploy(version, {
        ...base,
        chart: chartFixture('redis-commander'),
        'set-string': [
          'env[0].name=SIM_EXIT_CODE',
          'env[0].value=1',
          'env[1].name=SIM_LOG',
          'env[1].value=Error: connect ECONNREFUSED 10.96.0.50:6379'
        ].join('\n')
      })
      expectRolledBack(crashed, 4, 2)
      expect(crashed.outputs['failure-reason']).toMatch(
        /^(fail-fast: container redis-commander in pod rc-redis-commander-\S+ crash-looping \(exit code 1, \d+ restarts\)|unstable after helm's wait: container redis-commander in pod rc-redis-commander-\S+ exited with code 1.*)$/
      )
      expect(crashedLog(crashed)).toContain('Error: connect ECONNREFUSED 10.96.0.50:6379')
      expect(firstContainer(deployment())?.env?.map(e => e.name)).toEqual(['REDIS_HOST', 'K8S_SIGTERM'])

      await uninstall(version, 'rc', ns, 4)
      expect(releaseObjects('rc', ns, [...kinds, 'pods'])).toEqual([])
    },
    CHART_TEST_TIMEOUT_MS
  )
})

describe('the Helm starter chart (`helm create` of each major)', () => {
  it.concurrent.each(MAJORS)(
    'helm $version: installs, scales up, rolls back an unpullable image, uninstalls',
    async ({ version, id, starter }) => {
      const ns = `${id}-starter`
      const base = { ...common(ns, 'web'), chart: chartFixture(starter) }
      const kinds: ResourceName[] = ['deployments', 'services', 'serviceaccounts']
      expectDeployed(await harness().deploy(version, base), 1)
      expect(releaseObjects('web', ns, kinds)).toEqual([
        'deployments/web-starter',
        'serviceaccounts/web-starter',
        'services/web-starter'
      ])
      expectDeployed(await harness().deploy(version, { ...base, set: 'replicaCount=2' }), 2)
      expect(statusOf(harness().cluster.store.get('deployments', ns, 'web-starter')).readyReplicas).toBe(2)

      const unpullable = await harness().deploy(version, {
        ...base,
        set: 'replicaCount=2\nimage.repository=registry.invalid/library/nginx'
      })
      expectRolledBack(unpullable, 4, 2)
      expect(unpullable.outputs['failure-reason']).toMatch(
        /^fail-fast: container starter in pod web-starter-\S+ cannot pull image registry\.invalid\/library\/nginx:1\.16\.0 \((ErrImagePull|ImagePullBackOff), \d+ failed pulls?: lookup registry\.invalid: no such host\)$/
      )
      expect(firstContainer(harness().cluster.store.get('deployments', ns, 'web-starter'))?.image).toBe(
        'nginx:1.16.0'
      )

      await uninstall(version, 'web', ns, 4)
      expect(releaseObjects('web', ns, [...kinds, 'pods'])).toEqual([])
    },
    CHART_TEST_TIMEOUT_MS
  )
})

/**
 * Ours, not Rancher's: a stand-in for the UIPlugin CRD that installing Rancher puts on a cluster. The chart ships
 * no CRD, so on a cluster without Rancher its one object has no kind to be.
 */
const UIPLUGIN_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: uiplugins.catalog.cattle.io
spec:
  group: catalog.cattle.io
  scope: Namespaced
  names: {plural: uiplugins, singular: uiplugin, kind: UIPlugin, listKind: UIPluginList}
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      additionalPrinterColumns:
        - {name: Plugin Name, type: string, jsonPath: .spec.plugin.name}
        - {name: Version, type: string, jsonPath: .spec.plugin.version}
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
`

describe("Rancher's extension server chart (a UIPlugin custom resource)", () => {
  beforeAll(async () => {
    // What a user does first on a cluster without Rancher: install the CRD the chart needs and wait until served.
    const { cluster } = harness()
    const file = join(cluster.home, 'uiplugin-crd.yaml')
    await writeFile(file, UIPLUGIN_CRD)
    const kubectl = kubectlBinary('v1.35.2')
    await exec(kubectl, ['apply', '-f', file], { env: cluster.env })
    await exec(kubectl, ['wait', '--for=condition=Established', 'crd/uiplugins.catalog.cattle.io'], {
      env: cluster.env
    })
  })

  /** helm 4 changed semver libraries' wording. */
  const SEMVER_ERROR: Record<HelmVersion, string> = {
    'v3.17.1': 'Invalid Semantic Version',
    'v4.1.4': 'invalid semantic version'
  }

  it.concurrent.each(MAJORS)(
    'helm $version: installs its UIPlugin, upgrades it, refuses a version that is not semver, uninstalls',
    async ({ version, id }) => {
      const ns = `${id}-ext`
      const base = { ...common(ns, 'ext'), chart: chartFixture('rancher-extension-server') }
      const plugin = () =>
        harness().cluster.store.get('uiplugins.catalog.cattle.io', ns, 'ext-extension-server')
      expectDeployed(await harness().deploy(version, base), 1)
      expect(plugin()?.spec).toMatchObject({
        plugin: { name: 'ext-extension-server', version: '0.1.0', noCache: false }
      })
      // helm 3 sends the custom resource a merge patch, helm 4 a server-side apply.
      const upgraded = await harness().deploy(version, { ...base, set: 'plugin.noCache=true' })
      expectDeployed(upgraded, 2)
      expect(plugin()?.spec).toMatchObject({ plugin: { noCache: true } })
      // A kind the watcher does not know is listed among the release's objects, and breaks nothing.
      expect(upgraded.report?.diagnostics?.resources).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            apiVersion: 'catalog.cattle.io/v1',
            kind: 'UIPlugin',
            name: 'ext-extension-server'
          })
        ])
      )
      expect(upgraded.summary).toMatch(/other objects? of the release/)

      const bad = await harness().deploy(version, { ...base, set: 'plugin.versionOverride=latest' })
      expectRefused(bad, 2)
      expect(bad.outputs['failure-reason']).toBe(
        'template: extension-server/templates/cr.yaml:10:17: executing "extension-server/templates/cr.yaml" at ' +
          `<semver (default .Chart.AppVersion .Values.plugin.versionOverride)>: error calling semver: ${SEMVER_ERROR[version]}`
      )
      expect(plugin()?.spec).toMatchObject({ plugin: { version: '0.1.0', noCache: true } })

      await uninstall(version, 'ext', ns, 2)
      expect(plugin()).toBeUndefined()
    },
    CHART_TEST_TIMEOUT_MS
  )
})

describe('umbrella: the public charts vendored in charts/, their https repositories unreachable', () => {
  /** How each helm words a values.schema.json violation (helm 4 changed JSON Schema validators). */
  const SCHEMA_ERROR: Record<HelmVersion, string> = {
    'v3.17.1': '- replicaCount: Invalid type. Expected: integer, given: string',
    'v4.1.4': "- at '/replicaCount': got string, want integer"
  }

  it.concurrent.each(MAJORS)(
    'helm $version: deploys with no helm dependency build, upgrades a subchart, refuses a bad subchart value, uninstalls',
    async ({ version, id }) => {
      const ns = `${id}-umbrella`
      const chart = chartFixture('umbrella')
      const base = { ...common(ns, 'suite'), chart }
      // What the action must not do: helm's own dependency build cannot reach the repositories Chart.lock names.
      const build = await harness().helm(version, ['dependency', 'build', chart])
      expect(build.code).toBe(1)
      expect(build.stderr).toContain(
        'Error: no repository definition for https://charts.redis-commander.invalid'
      )

      const first = await harness().deploy(version, base)
      expectDeployed(first, 1)
      const commands = first.stdout.split('\n').filter(line => line.startsWith('$ helm '))
      expect(commands.filter(line => line.startsWith('$ helm dependency'))).toEqual([])
      expect(commands).toContainEqual(expect.stringMatching(/^\$ helm upgrade --install suite \S+umbrella /))
      const kinds: ResourceName[] = ['deployments', 'services', 'configmaps', 'serviceaccounts']
      expect(releaseObjects('suite', ns, kinds)).toEqual([
        'configmaps/suite-configmap',
        'deployments/suite-redis-commander',
        'deployments/suite-starter',
        'serviceaccounts/suite-starter',
        'services/suite-redis-commander',
        'services/suite-starter'
      ])

      expectDeployed(await harness().deploy(version, { ...base, set: 'starter.replicaCount=2' }), 2)
      expect(harness().cluster.store.get('deployments', ns, 'suite-starter')?.spec).toMatchObject({
        replicas: 2
      })

      const bad = await harness().deploy(version, { ...base, set: 'redis-commander.replicaCount=three' })
      expectRefused(bad, 2)
      expect(bad.outputs['failure-reason']).toBe(
        `values don't meet the specifications of the schema(s) in the following chart(s):\nredis-commander:\n${SCHEMA_ERROR[version]}`
      )

      await uninstall(version, 'suite', ns, 2)
      expect(releaseObjects('suite', ns, [...kinds, 'pods'])).toEqual([])
    },
    CHART_TEST_TIMEOUT_MS
  )
})

/** A failed pre-upgrade hook in helm's words; helm 4 reports it through kstatus. */
const FAILED_MIGRATION: Record<HelmVersion, string> = {
  'v3.17.1': 'pre-upgrade hooks failed: job shop-migrate failed: BackoffLimitExceeded',
  'v4.1.4':
    'pre-upgrade hooks failed: resource Job/h4-inventory/shop-migrate not ready. status: Failed, message: Job Failed. failed: 1/1'
}
/** The same in the action's words, when its watcher sees the failed Job first. */
const FAILED_MIGRATION_VERDICT =
  'fail-fast: pre-install,pre-upgrade hook Job shop-migrate failed (BackoffLimitExceeded: Job has reached the specified backoff limit)'
/** helm 4's kstatus fails a StatefulSet as soon as one of its pods has failed, and may beat fail-fast to it. */
const STUCK_REASON: Record<HelmVersion, RegExp> = {
  'v3.17.1': /^fail-fast: container db in pod shop-db-1 crash-looping \(exit code 1, \d+ restarts\)$/,
  'v4.1.4':
    /^(fail-fast: container db in pod shop-db-1 crash-looping \(exit code 1, \d+ restarts\)|resource StatefulSet\/h4-inventory\/shop-db not ready\. status: Failed, message: 1 pods have failed)$/
}

describe('inventory: the coverage chart (ours)', () => {
  const CLUSTER_KINDS: ResourceName[] = ['clusterroles', 'clusterrolebindings']
  const NAMESPACED_KINDS: ResourceName[] = [
    'deployments',
    'statefulsets',
    'services',
    'serviceaccounts',
    'horizontalpodautoscalers',
    'poddisruptionbudgets',
    'backups.inventory.example.com'
  ]

  it.concurrent.each(MAJORS)(
    'helm $version: CRD, RBAC, StatefulSet, HPA, PDBs and hooks; helm test; upgrade; a failed migration and a crash rolled back; a stuck StatefulSet; uninstall',
    async ({ version, id }) => {
      const ns = `${id}-inventory`
      const { store } = harness().cluster
      const base = { ...common(ns, 'shop'), chart: INVENTORY_CHART }
      const pdb = (name: string) => statusOf(store.get('poddisruptionbudgets', ns, name))

      // helm creates a CRD of crds/ only when it is absent and waits only for those it created: the major that
      // finds it created but not yet Established by the other fails with `no matches for kind "Backup"`. So helm 3
      // installs it; helm 4 starts once it is served (and skips it, as on any cluster that has it).
      if (version === 'v4.1.4') await crdEstablished('backups.inventory.example.com')
      const first = await harness().deploy(version, base)
      expectDeployed(first, 1)
      expect(releaseObjects('shop', ns, NAMESPACED_KINDS)).toEqual([
        'backups.inventory.example.com/shop-nightly',
        'deployments/shop-api',
        'horizontalpodautoscalers/shop-api',
        'poddisruptionbudgets/shop-api',
        'poddisruptionbudgets/shop-db',
        'serviceaccounts/shop-inventory',
        'services/shop-api',
        'services/shop-db',
        'statefulsets/shop-db'
      ])
      expect(releaseObjects('shop', ns, CLUSTER_KINDS)).toEqual([
        `clusterrolebindings/${ns}-shop-inventory`,
        `clusterroles/${ns}-shop-inventory`
      ])
      expect(store.get('customresourcedefinitions', undefined, 'backups.inventory.example.com')).toBeDefined()
      expect(statusOf(store.get('statefulsets', ns, 'shop-db'))).toMatchObject({ readyReplicas: 2 })
      expect(
        store.list('persistentvolumeclaims', ns).map(c => `${c.metadata.name}:${String(statusOf(c).phase)}`)
      ).toEqual(['data-shop-db-0:Bound', 'data-shop-db-1:Bound'])
      // The HPA is stored but nothing scales (no HPA controller here): the Deployment keeps its default 1.
      expect(pdb('shop-api')).toMatchObject({
        expectedPods: 1,
        desiredHealthy: 1,
        currentHealthy: 1,
        disruptionsAllowed: 0
      })
      expect(pdb('shop-db')).toMatchObject({
        expectedPods: 2,
        desiredHealthy: 1,
        currentHealthy: 2,
        disruptionsAllowed: 1
      })
      // The hooks ran: pre-install migration, post-install seed.
      for (const job of ['shop-migrate', 'shop-seed'])
        expect(statusOf(store.get('jobs', ns, job)).succeeded).toBe(1)

      const tested = await harness().helm(version, ['test', 'shop', '-n', ns, '--timeout', '1m'])
      expect(tested.code, tested.stderr).toBe(0)
      expect(tested.stdout).toMatch(/TEST SUITE:\s+shop-test-api\n[\s\S]*Phase:\s+Succeeded/)

      const v2 = 'backup.retain=14\nimage.tag=1.4.3'
      const migrated = store.get('jobs', ns, 'shop-migrate')?.metadata.uid ?? ''
      expectDeployed(await harness().deploy(version, { ...base, set: v2 }), 2)
      expect(store.get('backups.inventory.example.com', ns, 'shop-nightly')?.spec).toMatchObject({
        retain: 14
      })
      // before-hook-creation: the pre-upgrade migration is a new Job.
      expect(store.get('jobs', ns, 'shop-migrate')?.metadata.uid).not.toBe(migrated)
      expect(firstContainer(store.get('deployments', ns, 'shop-api'))?.image).toBe(
        'registry.example.com/inventory/api:1.4.3'
      )

      const failedMigration = await harness().deploy(version, {
        ...base,
        set: v2,
        'set-string':
          'hooks.migrate.env.SIM_EXIT_CODE=2\nhooks.migrate.env.SIM_LOG=ERROR: relation "items" exists'
      })
      expectRolledBack(failedMigration, 4, 2)
      // helm's hook watch and fail-fast race to it; either way the Job and why.
      expect([FAILED_MIGRATION[version], FAILED_MIGRATION_VERDICT]).toContain(
        failedMigration.outputs['failure-reason']
      )
      expect(allLogLines(failedMigration)).toContain('ERROR: relation "items" exists')

      const crashedApi = await harness().deploy(version, {
        ...base,
        set: v2,
        'set-string':
          'api.env.SIM_EXIT_CODE=1\napi.env.SIM_NEVER_READY=1\napi.env.SIM_LOG=panic: no database schema'
      })
      expectRolledBack(crashedApi, 6, 4)
      expect(crashedApi.outputs['failure-reason']).toMatch(
        /^fail-fast: container api in pod shop-api-\S+ crash-looping \(exit code 1, \d+ restarts\)$/
      )
      expect(crashedLog(crashedApi)).toContain('panic: no database schema')
      expect(firstContainer(store.get('deployments', ns, 'shop-api'))?.env?.map(e => e.name)).toEqual([
        'DATABASE_HOST'
      ])

      // A StatefulSet (OrderedReady) whose new pod never becomes Ready cannot be rolled back by helm alone: the
      // controller replaces no pod while one is not Ready, so the reverted template never reaches shop-db-1 (the
      // Kubernetes docs' "forced rollback": delete that pod). helm's rollback waits in vain (helm 3 its whole
      // timeout) and fails; the release stays at revision 6 with 7 and 8 failed.
      const stuck = await harness().deploy(version, {
        ...base,
        timeout: '15s',
        set: v2,
        'set-string':
          'db.env.SIM_EXIT_CODE=1\ndb.env.SIM_NEVER_READY=1\ndb.env.SIM_LOG=FATAL: bad data directory'
      })
      expect(stuck.exitCode).toBe(1)
      expect(stuck.outputs).toMatchObject({
        status: 'failed',
        revision: '6',
        'previous-revision': '6',
        'rolled-back': 'false'
      })
      expect(stuck.outputs['failure-reason']).toMatch(STUCK_REASON[version])
      expect(stuck.report?.detail).toMatch(
        /^the rollback failed: release shop failed: .+; revision 8 is failed$/s
      )
      expect(
        (await harness().history(version, 'shop', ns)).slice(-3).map(h => `${h.revision}:${h.status}`)
      ).toEqual(['6:deployed', '7:failed', '8:failed'])
      expect(firstContainer(store.get('statefulsets', ns, 'shop-db'))?.env).toBeUndefined()
      expect(podEnvNames(store.get('pods', ns, 'shop-db-1'))).toContain('SIM_EXIT_CODE')

      // The manual fix, then the same deploy again: the controller recreates the pod from the reverted template.
      // (--wait=false, then the store: kubectl's own wait is a watch that a loaded machine can time out.)
      const stuckUid = store.get('pods', ns, 'shop-db-1')?.metadata.uid
      await exec(kubectlBinary('v1.35.2'), ['delete', 'pod', 'shop-db-1', '-n', ns, '--wait=false'], {
        env: harness().cluster.env
      })
      await until(
        () => store.get('pods', ns, 'shop-db-1')?.metadata.uid !== stuckUid,
        'shop-db-1 to be replaced'
      )
      const recovered = await harness().deploy(version, { ...base, timeout: '1m', set: v2 })
      expect(recovered.outputs, recovered.stdout).toMatchObject({ status: 'deployed', revision: '9' })
      expect(podEnvNames(store.get('pods', ns, 'shop-db-1'))).toEqual([])

      await uninstall(version, 'shop', ns, 9)
      expect(releaseObjects('shop', ns, [...NAMESPACED_KINDS, 'pods'])).toEqual([])
      expect(releaseObjects('shop', ns, CLUSTER_KINDS)).toEqual([])
      // As on any cluster: helm leaves the CRD of crds/ and the StatefulSet's claims.
      expect(store.get('customresourcedefinitions', undefined, 'backups.inventory.example.com')).toBeDefined()
      expect(store.list('persistentvolumeclaims', ns).map(c => c.metadata.name)).toEqual([
        'data-shop-db-0',
        'data-shop-db-1'
      ])
    },
    CHART_TEST_TIMEOUT_MS
  )
})
