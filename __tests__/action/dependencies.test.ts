/**
 * Issue "charts that plain helm deploys" (dependencies): a vendored dependency needs no repository; a missing one
 * from an https:// repository on loopback is built without any `helm repo add` step of the user's (the action
 * adds it to the run's own repository config); dependency-update refreshes; an unfetchable one fails before the
 * cluster, naming it. Both majors, through the bundled action.
 */
import { execFile } from 'node:child_process'
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { helmBinary } from '../fixtures/binaries.js'
import { startChartRepository, type TestChartRepository } from '../support/chart-sources.js'
import { APP_CHART, useDeployHarness, type DeployRun, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()
const exec = promisify(execFile)

let repository: TestChartRepository
const work: string[] = []

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  work.push(dir)
  return dir
}

/** The sample chart under another name and version (each test publishes its own, so none sees another's). */
async function renamedAppChart(name: string, version: string): Promise<string> {
  const dir = join(await tempDir('had-chart-'), name)
  await cp(APP_CHART, dir, { recursive: true })
  const meta = await readFile(join(dir, 'Chart.yaml'), 'utf8')
  await writeFile(
    join(dir, 'Chart.yaml'),
    meta.replace(/^name: .*$/m, `name: ${name}`).replace(/^version: .*$/m, `version: ${version}`)
  )
  return dir
}

/** A parent chart with no templates of its own and the given dependencies. */
async function parentChart(
  dependencies: { name: string; version: string; repository: string }[]
): Promise<string> {
  const dir = await tempDir('had-parent-')
  const lines = ['apiVersion: v2', 'name: storefront', 'version: 0.1.0', 'dependencies:']
  for (const dep of dependencies) {
    lines.push(`  - name: ${dep.name}`, `    version: '${dep.version}'`, `    repository: ${dep.repository}`)
  }
  await writeFile(join(dir, 'Chart.yaml'), `${lines.join('\n')}\n`)
  return dir
}

function helmCommandLines(run: DeployRun): string[] {
  return run.stdout.split('\n').filter(line => line.startsWith('$ helm '))
}

function clusterRequestsFor(namespace: string): string[] {
  return [...harness().cluster.requestLog]
    .map(r => r.path)
    .filter(path => path.includes(`/namespaces/${namespace}/`))
}

beforeAll(async () => {
  repository = await startChartRepository({ tls: true })
})

afterAll(async () => {
  await repository?.stop()
  for (const dir of work) await rm(dir, { recursive: true, force: true })
})

describe.each<[HelmVersion, string]>([
  ['v3.17.1', 'h3'],
  ['v4.1.4', 'h4']
])('helm %s, chart dependencies', (version, id) => {
  it.concurrent(
    'a dependency vendored in charts/ (with Chart.lock) deploys with no repository reachable',
    async () => {
      const ns = `${id}-dep-vendored`
      // Vendored as a user would: helm dependency update against a repository that is gone by deploy time.
      const gone = await startChartRepository()
      await gone.publish(await renamedAppChart(`vendored-${id}`, '1.0.0'))
      const chart = await parentChart([{ name: `vendored-${id}`, version: '1.0.0', repository: gone.url }])
      const helmHome = await tempDir('had-vendor-')
      const env = {
        HOME: helmHome,
        HELM_REPOSITORY_CONFIG: join(helmHome, 'repositories.yaml'),
        HELM_REPOSITORY_CACHE: join(helmHome, 'cache')
      }
      await exec(helmBinary(version), ['dependency', 'update', chart], {
        env: { PATH: process.env.PATH, ...env }
      })
      await gone.stop()
      expect((await readdir(chart)).sort()).toEqual(['Chart.lock', 'Chart.yaml', 'charts'])

      const run = await harness().deploy(version, {
        release: 'front',
        namespace: ns,
        'create-namespace': 'true',
        chart
      })
      expect(run.outputs.status, run.stdout).toBe('deployed')
      expect(helmCommandLines(run).filter(line => /^\$ helm (dependency|repo) /.test(line))).toEqual([])
      expect(
        harness()
          .objectsOf('front', ns)
          .some(o => o.kind === 'Deployment')
      ).toBe(true)
    }
  )

  it.concurrent(
    'a missing dependency from an https:// repository is built without a helm repo add step',
    async () => {
      const ns = `${id}-dep-build`
      const name = `built-${id}`
      await repository.publish(await renamedAppChart(name, '1.0.0'))
      const chart = await parentChart([{ name, version: '^1.0.0', repository: `${repository.url}/` }])
      const run = await harness().deploy(version, {
        release: 'front',
        namespace: ns,
        'create-namespace': 'true',
        chart,
        // The repository's own certificate: for a local chart, it goes to the one host its dependencies use.
        'repo-ca-file': repository.caFile ?? ''
      })
      expect(run.outputs.status, run.stdout).toBe('deployed')
      const lines = helmCommandLines(run)
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^\\$ helm repo add had-[0-9a-f]{12} ${repository.url} --ca-file ${repository.caFile}$`)
        )
      )
      expect(lines).toContain(`$ helm dependency build ${chart}`)
      expect(await readdir(join(chart, 'charts'))).toEqual([`${name}-1.0.0.tgz`])
      expect(
        harness()
          .objectsOf('front', ns)
          .some(o => o.kind === 'Deployment')
      ).toBe(true)
    }
  )

  it.concurrent(
    'dependency-update: true refreshes charts/ and Chart.lock to the newest matching version',
    async () => {
      const ns = `${id}-dep-update`
      const name = `refreshed-${id}`
      await repository.publish(await renamedAppChart(name, '1.0.0'))
      const chart = await parentChart([{ name, version: '^1.0.0', repository: repository.url }])
      const inputs = {
        release: 'front',
        namespace: ns,
        'create-namespace': 'true',
        chart,
        'repo-ca-file': repository.caFile ?? ''
      }
      const first = await harness().deploy(version, inputs)
      expect(first.outputs.status, first.stdout).toBe('deployed')
      expect(await readdir(join(chart, 'charts'))).toEqual([`${name}-1.0.0.tgz`])

      await repository.publish(await renamedAppChart(name, '1.1.0'))
      // Without dependency-update nothing is missing, so nothing is fetched.
      const kept = await harness().deploy(version, inputs)
      expect(kept.outputs.status, kept.stdout).toBe('deployed')
      expect(helmCommandLines(kept).filter(line => line.startsWith('$ helm dependency'))).toEqual([])
      expect(await readdir(join(chart, 'charts'))).toEqual([`${name}-1.0.0.tgz`])

      const refreshed = await harness().deploy(version, { ...inputs, 'dependency-update': 'true' })
      expect(refreshed.outputs.status, refreshed.stdout).toBe('deployed')
      expect(helmCommandLines(refreshed)).toContain(`$ helm dependency update ${chart}`)
      expect(await readdir(join(chart, 'charts'))).toEqual([`${name}-1.1.0.tgz`])
      const lock = parseYaml(await readFile(join(chart, 'Chart.lock'), 'utf8')) as {
        dependencies: { name: string; version: string }[]
      }
      expect(lock.dependencies).toEqual([expect.objectContaining({ name, version: '1.1.0' })])
      const history = await harness().history(version, 'front', ns)
      expect(history.map(h => h.status)).toEqual(['superseded', 'superseded', 'deployed'])
    }
  )

  it.concurrent(
    'a dependency that cannot be fetched fails before the cluster is touched, naming it',
    async () => {
      const ns = `${id}-dep-missing`
      const absent = await parentChart([
        { name: 'no-such-chart', version: '1.0.0', repository: repository.url }
      ])
      const run = await harness().deploy(version, {
        release: 'front',
        namespace: ns,
        chart: absent,
        'repo-ca-file': repository.caFile ?? ''
      })
      expect(run.exitCode).toBe(1)
      const reason = run.outputs['failure-reason'] ?? ''
      expect(reason).toContain(
        `helm dependency build ${absent} failed for dependency no-such-chart (${repository.url})`
      )

      const unreachable = 'https://127.0.0.1:9/charts'
      const offline = await parentChart([{ name: 'cache', version: '1.0.0', repository: unreachable }])
      const second = await harness().deploy(version, { release: 'front', namespace: ns, chart: offline })
      expect(second.exitCode).toBe(1)
      expect(second.outputs['failure-reason']).toContain(
        `chart repository ${unreachable} (dependency cache) could not be added:`
      )
      expect(clusterRequestsFor(ns)).toEqual([])
    }
  )
})
