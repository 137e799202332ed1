/**
 * The real helm 3.17.1 and 4.1.4 binaries against the test cluster: the release lifecycle, and atomic
 * (helm 4: rollback-on-failure) cleanup after each kind of failure the simulation can produce.
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { helmBinary } from '../fixtures/binaries.js'
import { startTestCluster, type TestCluster } from './index.js'
import type { KubeObject, ResourceName } from './types.js'

const CHART = join(import.meta.dirname, 'charts', 'demo')
/** crds/ with the Widget CRD; templates/ with a Widget, an autoscaling/v2 HPA and a NetworkPolicy. */
const WIDGETS_CHART = join(import.meta.dirname, 'charts', 'widgets')
const WIDGETS = 'widgets.demo.example.com'
const ATOMIC_UNINSTALLED =
  /release \S+ failed, and has been uninstalled due to (atomic|rollback-on-failure) being set/
const ATOMIC_ROLLED_BACK =
  /release \S+ failed, and has been rolled back due to (atomic|rollback-on-failure) being set/

interface Variant {
  /** Also the namespace prefix, so the variants never share objects. */
  id: string
  binary: string
  /** Flags that make install/upgrade wait and undo on failure. */
  atomic: string[]
  /** `helm list` flags that show releases in every state (helm 4 does by default and has no --all). */
  listAll: string[]
}

const VARIANTS: Variant[] = [
  { id: 'h3', binary: helmBinary('v3.17.1'), atomic: ['--atomic'], listAll: ['--all'] },
  { id: 'h4', binary: helmBinary('v4.1.4'), atomic: ['--rollback-on-failure'], listAll: [] },
  {
    id: 'h4legacy',
    binary: helmBinary('v4.1.4'),
    atomic: ['--rollback-on-failure', '--wait=legacy'],
    listAll: []
  }
]

let cluster: TestCluster

beforeAll(async () => {
  cluster = await startTestCluster({ timeScale: 0.05 })
})

afterAll(async () => {
  await cluster.stop()
})

interface Run {
  code: number
  stdout: string
  stderr: string
  ms: number
}

function helm(variant: Variant, args: string[], target: TestCluster = cluster): Promise<Run> {
  const started = Date.now()
  return new Promise(resolve => {
    execFile(variant.binary, args, { env: target.env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
      resolve({ code, stdout, stderr, ms: Date.now() - started })
    })
  })
}

async function helmOk(variant: Variant, args: string[]): Promise<Run> {
  const run = await helm(variant, args)
  if (run.code !== 0) throw new Error(`helm ${args.join(' ')} failed (${run.code}): ${run.stderr}`)
  return run
}

interface HistoryEntry {
  revision: number
  status: string
  description: string
}

async function history(variant: Variant, release: string, namespace: string): Promise<HistoryEntry[]> {
  const run = await helmOk(variant, ['history', release, '-n', namespace, '-o', 'json'])
  return JSON.parse(run.stdout) as HistoryEntry[]
}

async function releaseNames(variant: Variant, namespace: string): Promise<string[]> {
  const run = await helmOk(variant, ['list', '-n', namespace, ...variant.listAll, '-o', 'json'])
  return (JSON.parse(run.stdout) as { name: string }[]).map(r => r.name)
}

const RELEASE_KINDS: ResourceName[] = ['deployments', 'replicasets', 'pods', 'services', 'configmaps', 'jobs']

/** Objects labelled as belonging to a release, plus its release Secrets. */
function leftovers(release: string, namespace: string): string[] {
  const found: string[] = []
  for (const resource of RELEASE_KINDS) {
    for (const object of cluster.store.list(resource, namespace)) {
      if (object.metadata.labels?.['app.kubernetes.io/instance'] === release)
        found.push(`${resource}/${object.metadata.name}`)
    }
  }
  for (const secret of cluster.store.list('secrets', namespace)) {
    if (secret.metadata.labels?.name === release && secret.metadata.labels.owner === 'helm')
      found.push(`secrets/${secret.metadata.name}`)
  }
  return found
}

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (check()) return true
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  return check()
}

function installArgs(
  variant: Variant,
  release: string,
  namespace: string,
  extra: string[],
  timeout = '10s'
): string[] {
  return [
    'install',
    release,
    CHART,
    '-n',
    namespace,
    '--create-namespace',
    ...variant.atomic,
    '--timeout',
    timeout,
    ...extra
  ]
}

function upgradeArgs(
  variant: Variant,
  release: string,
  namespace: string,
  extra: string[],
  timeout = '10s'
): string[] {
  return ['upgrade', release, CHART, '-n', namespace, ...variant.atomic, '--timeout', timeout, ...extra]
}

describe.each(VARIANTS)('$id', variant => {
  const ns = (suffix: string): string => `${variant.id}-${suffix}`

  it.concurrent('installs, upgrades, rolls back, lists, shows status and history, uninstalls', async () => {
    const namespace = ns('life')
    const install = await helmOk(
      variant,
      installArgs(variant, 'app', namespace, ['--set', 'config.greeting=hi'])
    )
    expect(install.stdout).toContain('STATUS: deployed')
    const deployment = cluster.store.get('deployments', namespace, 'app-web')
    expect((deployment?.status as { readyReplicas?: number } | undefined)?.readyReplicas).toBe(1)
    console.log(`${variant.id}: successful install with wait took ${install.ms} ms`)

    await helmOk(
      variant,
      upgradeArgs(variant, 'app', namespace, [
        '--set',
        'config.greeting=hello',
        '--set',
        'env.EXTRA=1',
        '--set',
        'hook.enabled=true'
      ])
    )
    const upgraded = cluster.store.get('configmaps', namespace, 'app-config')
    expect(upgraded?.data).toEqual({ greeting: 'hello' })
    // The pre-upgrade hook Job ran, succeeded, and was deleted (hook-delete-policy: hook-succeeded).
    // (helm 3 creates it with POST, helm 4 with a server-side apply PATCH.)
    const hookWrites = cluster.requestLog.filter(
      e => (e.method === 'POST' || e.method === 'PATCH') && e.path.includes(`/namespaces/${namespace}/jobs`)
    )
    expect(hookWrites.map(e => e.status)).toContain(201)
    expect(cluster.store.get('jobs', namespace, 'app-migrate')).toBeUndefined()
    // Dropping a value on upgrade must remove it from the live object (SMP delete directive / SSA pruning).
    await helmOk(
      variant,
      upgradeArgs(variant, 'app', namespace, ['--reset-values', '--set', 'config.greeting=third'])
    )
    const container = (
      cluster.store.get('deployments', namespace, 'app-web')?.spec as {
        template: { spec: { containers: { env: { name: string }[] }[] } }
      }
    ).template.spec.containers[0]?.env.map(e => e.name)
    expect(container).toEqual(['GREETING'])

    await helmOk(variant, ['rollback', 'app', '1', '-n', namespace, '--wait', '--timeout', '10s'])
    expect(cluster.store.get('configmaps', namespace, 'app-config')?.data).toEqual({ greeting: 'hi' })
    const revisions = await history(variant, 'app', namespace)
    expect(revisions.map(r => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'superseded'],
      [4, 'deployed']
    ])
    expect(revisions[3]?.description).toBe('Rollback to 1')

    // As the action asks for it: helm 3 needs --show-resources, helm 4 always lists the resources.
    const showResources = variant.id === 'h3' ? ['--show-resources'] : []
    const status = JSON.parse(
      (await helmOk(variant, ['status', 'app', '-n', namespace, '-o', 'json', ...showResources])).stdout
    ) as {
      version: number
      info: { status: string; resources?: Record<string, unknown> }
    }
    expect(status).toMatchObject({ version: 4, info: { status: 'deployed' } })
    expect(Object.keys(status.info.resources ?? {}).sort()).toEqual([
      'v1/ConfigMap',
      'v1/Deployment',
      'v1/Pod(related)',
      'v1/Service'
    ])
    const all = JSON.parse((await helmOk(variant, ['list', '-A', '-o', 'json'])).stdout) as {
      name: string
      namespace: string
    }[]
    expect(all).toContainEqual(expect.objectContaining({ name: 'app', namespace }))

    await helmOk(variant, ['uninstall', 'app', '-n', namespace, '--wait', '--timeout', '10s'])
    expect(await releaseNames(variant, namespace)).toEqual([])
    expect(await eventually(() => leftovers('app', namespace).length === 0)).toBe(true)
  })

  it.concurrent.each([
    ['a Deployment that never becomes ready', 'never', ['--set', 'env.SIM_NEVER_READY=1']],
    // The container exits before its readiness delay, so it is never (even briefly) ready.
    [
      'a crash loop',
      'crash',
      [
        '--set',
        'env.SIM_EXIT_CODE=1',
        '--set',
        'env.SIM_RUN_SECONDS=1',
        '--set',
        'env.SIM_READY_AFTER_SECONDS=30'
      ]
    ],
    ['an image that cannot be pulled', 'pull', ['--set', 'image=registry.example.invalid/demo/web:1.0.0']]
  ])('atomic install cleans up after %s', async (_what, suffix, values) => {
    const namespace = ns(suffix)
    // The action installs with `upgrade --install`, which reports the same error without a prefix.
    const args = installArgs(variant, 'bad', namespace, values, '5s')
    const run = await helm(variant, suffix === 'never' ? ['upgrade', '--install', ...args.slice(1)] : args)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(ATOMIC_UNINSTALLED)
    expect(await releaseNames(variant, namespace)).toEqual([])
    expect(await eventually(() => leftovers('bad', namespace).length === 0)).toBe(true)
  })

  it.concurrent('a failed upgrade rolls back to the previous revision', async () => {
    const namespace = ns('upfail')
    await helmOk(variant, installArgs(variant, 'up', namespace, []))
    const run = await helm(
      variant,
      upgradeArgs(variant, 'up', namespace, ['--set', 'env.SIM_NEVER_READY=1'], '5s')
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(ATOMIC_ROLLED_BACK)
    const revisions = await history(variant, 'up', namespace)
    expect(revisions.map(r => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'failed'],
      [3, 'deployed']
    ])
    expect(revisions[2]?.description).toBe('Rollback to 1')
    const env = (
      cluster.store.get('deployments', namespace, 'up-web')?.spec as {
        template: { spec: { containers: { env: { name: string }[] }[] } }
      }
    ).template.spec.containers[0]?.env.map(e => e.name)
    expect(env).toEqual(['GREETING'])
  })

  it.concurrent(
    'helm test: pods run to completion; a non-zero exit fails it; no tests is TEST SUITE: None',
    async () => {
      const namespace = ns('test')
      const tests = ['--set', 'tests.a-ok.SIM_LOG=fine', '--set', 'tests.b-bad.SIM_EXIT_CODE=3']
      await helmOk(variant, installArgs(variant, 'tested', namespace, tests))
      const run = await helm(variant, ['test', 'tested', '-n', namespace, '--timeout', '30s'])
      expect(run.code).toBe(1)
      expect(run.stdout).toMatch(/TEST SUITE: +tested-test-a-ok\n.*\n.*\nPhase: +Succeeded/)
      expect(run.stdout).toMatch(/TEST SUITE: +tested-test-b-bad\n.*\n.*\nPhase: +Failed/)
      // helm 3: `1 error occurred: * pod tested-test-b-bad failed`; helm 4 names the resource and its status.
      expect(run.stderr).toMatch(/pod tested-test-b-bad failed/)
      const phase = (name: string): unknown =>
        (cluster.store.get('pods', namespace, name)?.status as { phase?: string } | undefined)?.phase
      expect([phase('tested-test-a-ok'), phase('tested-test-b-bad')]).toEqual(['Succeeded', 'Failed'])
      const logs = await helm(variant, [
        'test',
        'tested',
        '-n',
        namespace,
        '--filter',
        'name=tested-test-a-ok',
        '--logs'
      ])
      expect(logs.code).toBe(0)
      expect(logs.stdout).toContain('POD LOGS: tested-test-a-ok\nfine')

      await helmOk(variant, installArgs(variant, 'untested', namespace, []))
      const none = await helmOk(variant, ['test', 'untested', '-n', namespace])
      expect(none.stdout).toContain('TEST SUITE: None')
    }
  )

  it.concurrent('a failed pre-upgrade hook fails the upgrade and rolls back', async () => {
    const namespace = ns('hook')
    await helmOk(variant, installArgs(variant, 'hooked', namespace, []))
    const run = await helm(
      variant,
      upgradeArgs(variant, 'hooked', namespace, [
        '--set',
        'hook.enabled=true',
        '--set',
        'hook.env.SIM_EXIT_CODE=1'
      ])
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('pre-upgrade hooks failed')
    expect(run.stderr).toMatch(ATOMIC_ROLLED_BACK)
    const revisions = await history(variant, 'hooked', namespace)
    expect(revisions.map(r => r.status)).toEqual(['superseded', 'failed', 'deployed'])
    expect(revisions[2]?.description).toBe('Rollback to 1')
  })
})

// One block, so that these run side by side: vitest runs describe blocks one after the other.
describe('across helm versions: CRDs, field ownership, the NodePort conflict (seed scenario)', () => {
  it.concurrent(
    'installs crds/ first, then a custom resource of the new kind and an HPA, in one run; upgrades; uninstalls',
    async () => {
      // One after the other: the CRD is cluster-wide, and a helm that finds it already there does not wait for it.
      for (const variant of VARIANTS) {
        const namespace = `${variant.id}-crd`
        const install = await helmOk(variant, [
          'install',
          'w',
          WIDGETS_CHART,
          '-n',
          namespace,
          '--create-namespace',
          ...variant.atomic,
          '--timeout',
          '20s'
        ])
        expect(install.stdout).toContain('STATUS: deployed')
        const crd = cluster.store.get('customresourcedefinitions', undefined, WIDGETS)
        const conditions = (crd?.status as { conditions: { type: string; status: string }[] }).conditions
        expect(conditions).toContainEqual(expect.objectContaining({ type: 'Established', status: 'True' }))
        expect(cluster.store.get(WIDGETS, namespace, 'w-widget')?.spec).toEqual({ size: 1, color: 'blue' })
        const hpa = cluster.store.get('horizontalpodautoscalers', namespace, 'w-hpa')
        expect(hpa).toMatchObject({ apiVersion: 'autoscaling/v2', spec: { maxReplicas: 3 } })
        expect(cluster.store.get('networkpolicies', namespace, 'w-deny-ingress')).toBeDefined()

        const upgradeStarted = Date.now()
        await helmOk(variant, [
          'upgrade',
          'w',
          WIDGETS_CHART,
          '-n',
          namespace,
          ...variant.atomic,
          '--timeout',
          '20s',
          '--set',
          'size=2'
        ])
        expect(cluster.store.get(WIDGETS, namespace, 'w-widget')?.spec).toEqual({ size: 2, color: 'blue' })
        // helm 3 patches custom resources with a JSON merge patch (no strategic merge for unstructured);
        // helm 4 applies them server-side.
        const patches = cluster.requestLog.filter(
          e =>
            e.time >= upgradeStarted &&
            e.method === 'PATCH' &&
            e.path.includes(`/namespaces/${namespace}/widgets/w-widget`)
        )
        expect(patches.map(e => [e.contentType, e.status])).toEqual([
          [variant.id === 'h3' ? 'application/merge-patch+json' : 'application/apply-patch+yaml', 200]
        ])

        await helmOk(variant, ['uninstall', 'w', '-n', namespace, '--wait', '--timeout', '10s'])
        expect(await eventually(() => cluster.store.list(WIDGETS, namespace).length === 0)).toBe(true)
        expect(cluster.store.get('horizontalpodautoscalers', namespace, 'w-hpa')).toBeUndefined()
        // crds/ are never deleted by helm.
        expect(cluster.store.get('customresourcedefinitions', undefined, WIDGETS)).toBeDefined()
      }
    }
  )

  it.concurrent(
    'helm 4 without --wait does not wait for crds/ to be established; helm 3 always does',
    async () => {
      // A control plane as slow to establish a CRD as an HA one (those wait 5 s): helm 4's hook-only waiter
      // skips the CRD wait (helm/helm#32671), so the custom resource finds no kind yet. helm 3 polls until Established.
      const [h3, h4] = [VARIANTS[0], VARIANTS[1]] as [Variant, Variant]
      const args = ['install', 'w', WIDGETS_CHART, '-n', 'crd', '--create-namespace']
      // One cluster each: a helm that finds the CRD already created skips waiting for it.
      const [slow3, slow4] = await Promise.all([
        startTestCluster({ timeScale: 0.05, crdEstablishDelayMs: 1500 }),
        startTestCluster({ timeScale: 0.05, crdEstablishDelayMs: 1500 })
      ])
      try {
        const [installed, failed] = await Promise.all([helm(h3, args, slow3), helm(h4, args, slow4)])
        expect(failed.code).toBe(1)
        expect(failed.stderr).toContain(
          'unable to build kubernetes objects from release manifest: resource mapping not found for name: "w-widget" namespace: "" from "": no matches for kind "Widget" in version "demo.example.com/v1"'
        )
        expect(failed.stderr).toContain('ensure CRDs are installed first')
        expect(installed.code).toBe(0)
        expect(slow3.store.get(WIDGETS, 'crd', 'w-widget')).toBeDefined()
      } finally {
        await Promise.all([slow3.stop(), slow4.stop()])
      }
    }
  )

  async function scaleAs(manager: string, namespace: string, replicas: number): Promise<void> {
    const response = await fetch(
      `${cluster.url}/apis/apps/v1/namespaces/${namespace}/deployments/app-web?fieldManager=${manager}`,
      {
        method: 'PATCH',
        headers: { 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ spec: { replicas } })
      }
    )
    expect(response.status).toBe(200)
  }

  function replicasOwners(namespace: string): string[] {
    const deployment = cluster.store.get('deployments', namespace, 'app-web') as KubeObject
    const entries = (deployment.metadata.managedFields ?? []) as { manager: string; fieldsV1: unknown }[]
    return entries.filter(e => JSON.stringify(e.fieldsV1).includes('"f:replicas"')).map(e => e.manager)
  }

  function replicas(namespace: string): unknown {
    return (cluster.store.get('deployments', namespace, 'app-web')?.spec as { replicas?: number }).replicas
  }

  const conflict =
    'Apply failed with 1 conflict: conflict with "hpa-controller" using apps/v1: .spec.replicas'

  it.concurrent(
    'helm 4 (server-side apply) fails on replicas another manager owns; --force-conflicts takes them',
    async () => {
      const h4 = VARIANTS[1] as Variant
      const namespace = 'h4-owned'
      await helmOk(h4, installArgs(h4, 'app', namespace, []))
      expect(replicasOwners(namespace)).toEqual(['helm'])
      await scaleAs('hpa-controller', namespace, 3)
      expect(replicasOwners(namespace)).toEqual(['hpa-controller'])

      const plain = await helm(h4, [
        'upgrade',
        'app',
        CHART,
        '-n',
        namespace,
        '--wait=watcher',
        '--timeout',
        '10s'
      ])
      expect(plain.code).toBe(1)
      expect(plain.stderr).toContain(
        `Error: UPGRADE FAILED: conflict occurred while applying object ${namespace}/app-web apps/v1, Kind=Deployment: ${conflict}`
      )
      expect(replicas(namespace)).toBe(3)

      // With rollback-on-failure the rollback applies the previous revision and meets the same conflict.
      const atomic = await helm(h4, upgradeArgs(h4, 'app', namespace, []))
      expect(atomic.code).toBe(1)
      expect(atomic.stderr).toContain(
        'an error occurred while rolling back the release. original upgrade error:'
      )
      expect(atomic.stderr).toContain(conflict)

      await helmOk(h4, upgradeArgs(h4, 'app', namespace, ['--force-conflicts']))
      expect(replicas(namespace)).toBe(1)
      expect(replicasOwners(namespace)).toEqual(['helm'])
      expect((await history(h4, 'app', namespace)).at(-1)?.status).toBe('deployed')
    }
  )

  it.concurrent(
    'helm 3 (client-side three-way merge) upgrades over the other manager and resets replicas',
    async () => {
      const h3 = VARIANTS[0] as Variant
      const namespace = 'h3-owned'
      await helmOk(h3, installArgs(h3, 'app', namespace, []))
      await scaleAs('hpa-controller', namespace, 3)
      await helmOk(h3, upgradeArgs(h3, 'app', namespace, ['--set', 'config.greeting=again']))
      // The patch from the chart's replicas to the live ones is part of the three-way merge: an Update, no conflict.
      expect(replicas(namespace)).toBe(1)
      expect(replicasOwners(namespace)).toEqual(['helm'])
    }
  )

  it.concurrent(
    'helm 4 --server-side=true moves a helm 3 release to server-side apply and prunes with it',
    async () => {
      const [h3, h4] = [VARIANTS[0], VARIANTS[1]] as [Variant, Variant]
      const namespace = 'h3-to-h4'
      await helmOk(h3, installArgs(h3, 'app', namespace, ['--set', 'env.EXTRA=1']))
      const managers = (): string[][] =>
        (
          (cluster.store.get('deployments', namespace, 'app-web')?.metadata.managedFields ?? []) as {
            manager: string
            operation: string
          }[]
        ).map(m => [m.manager, m.operation])
      expect(managers()).toEqual([['helm', 'Update']])
      const since = Date.now()
      await helmOk(h4, upgradeArgs(h4, 'app', namespace, ['--server-side=true']))
      // helm rewrites its client-side entry with a JSON patch of managedFields, then applies.
      const writes = cluster.requestLog.filter(
        e =>
          e.time >= since &&
          e.method === 'PATCH' &&
          e.path.includes(`/namespaces/${namespace}/deployments/app-web`)
      )
      expect(writes.map(e => e.contentType)).toEqual([
        'application/json-patch+json',
        'application/apply-patch+yaml'
      ])
      expect(managers()).toEqual([['helm', 'Apply']])
      await helmOk(h4, upgradeArgs(h4, 'app', namespace, ['--reset-values']))
      const env = (
        cluster.store.get('deployments', namespace, 'app-web')?.spec as {
          template: { spec: { containers: { env: { name: string }[] }[] } }
        }
      ).template.spec.containers[0]?.env.map(e => e.name)
      expect(env).toEqual(['GREETING'])
    }
  )

  it.concurrent(
    'qa101 gets the 422: uninstalled after install, rolled back after upgrade; dev101 untouched',
    async () => {
      for (const variant of VARIANTS) {
        const namespace = `${variant.id}-ports`
        const values = ['--set', 'service.nodePort=31231']
        await helmOk(variant, installArgs(variant, 'dev101', namespace, values))
        const devBefore = cluster.store.list('services', namespace).map(s => s.metadata.resourceVersion)
        const devObjects = leftovers('dev101', namespace).filter(
          o => !o.startsWith('pods/') && !o.startsWith('replicasets/')
        )

        const run = await helm(variant, installArgs(variant, 'qa101', namespace, values, '5s'))
        expect(run.code).toBe(1)
        expect(run.stderr).toContain(
          'Service "qa101-svc" is invalid: spec.ports[0].nodePort: Invalid value: 31231: provided port is already allocated'
        )
        expect(run.stderr).toMatch(ATOMIC_UNINSTALLED)
        expect(await releaseNames(variant, namespace)).toEqual(['dev101'])
        expect(await eventually(() => leftovers('qa101', namespace).length === 0)).toBe(true)
        expect(cluster.store.list('services', namespace).map(s => s.metadata.resourceVersion)).toEqual(
          devBefore
        )
        const devService = cluster.store.get('services', namespace, 'dev101-svc') as KubeObject
        expect((devService.spec as { ports: { nodePort: number }[] }).ports[0]?.nodePort).toBe(31231)
        expect(leftovers('dev101', namespace)).toEqual(expect.arrayContaining(devObjects))
        expect((await history(variant, 'dev101', namespace)).map(r => r.status)).toEqual(['deployed'])

        // The same conflict on upgrade: the PATCH gets the 422 and the release rolls back.
        await helmOk(variant, installArgs(variant, 'qa101', namespace, []))
        const upgrade = await helm(variant, upgradeArgs(variant, 'qa101', namespace, values, '5s'))
        expect(upgrade.code).toBe(1)
        expect(upgrade.stderr).toContain('provided port is already allocated')
        expect(upgrade.stderr).toMatch(ATOMIC_ROLLED_BACK)
        const qaHistory = await history(variant, 'qa101', namespace)
        expect(qaHistory.map(r => r.status)).toEqual(['superseded', 'failed', 'deployed'])
        expect(qaHistory[2]?.description).toBe('Rollback to 1')
        const qaPort = (
          cluster.store.get('services', namespace, 'qa101-svc')?.spec as { ports: { nodePort: number }[] }
        ).ports[0]?.nodePort
        expect(qaPort).not.toBe(31231)

        await helmOk(variant, ['uninstall', 'dev101', '-n', namespace, '--wait', '--timeout', '10s'])
      }
    }
  )
})
