import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll } from 'vitest'
import { startTestCluster, type TestCluster } from '../cluster/index.js'
import type { KubeObject, ResourceName } from '../cluster/types.js'
import { helmBinary, MIRROR_DIR } from '../fixtures/binaries.js'
import { installTool } from '../../src/install/installer.js'
import type { DeployReport } from '../../src/report/model.js'
import { runBundledAction, type ActionRun, type ActionRunOptions } from './action-runner.js'
import { startMirror, type MirrorServer } from './mirror-server.js'

const exec = promisify(execFile)

export const DEMO_CHART = join(import.meta.dirname, '..', 'cluster', 'charts', 'demo')
/** The action's sample chart: Deployment (no app.kubernetes.io labels), NodePort Service, optional hook Job. */
export const APP_CHART = join(import.meta.dirname, '..', 'fixtures', 'charts', 'app')

export type HelmVersion = 'v3.17.1' | 'v4.1.4'

export interface DeployHarness {
  cluster: TestCluster
  mirror: MirrorServer
  /** Runs the bundled action against the test cluster with helm `version` from the loopback mirror. */
  deploy(
    version: HelmVersion,
    inputs: Record<string, string>,
    options?: Partial<ActionRunOptions>
  ): Promise<DeployRun>
  /** The real helm binary against the test cluster (for assertions on the release store). */
  helm(version: HelmVersion, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>
  objectsOf(release: string, namespace: string): KubeObject[]
  /** `helm history -o json` as the real helm sees it. */
  history(version: HelmVersion, release: string, namespace: string): Promise<HistoryRow[]>
  /** Moves a revision's recorded time back, as if it had been written `ms` earlier. */
  ageRevision(release: string, namespace: string, revision: number, ms: number): void
  stop(): Promise<void>
}

export interface HistoryRow {
  revision: number
  status: string
  description: string
  updated: string
}

export interface DeployRun extends ActionRun {
  report?: DeployReport
}

const LISTED: ResourceName[] = ['deployments', 'replicasets', 'pods', 'services', 'configmaps', 'jobs']

/**
 * Verified helm and kubectl in a tool cache before any test runs, so concurrent action runs find them there
 * (one runner never installs into the same cache from two steps at once).
 */
async function warmToolCache(toolCache: string, mirrorUrl: string): Promise<void> {
  const saved = { ...process.env }
  const work = await mkdtemp(join(tmpdir(), 'had-warm-'))
  try {
    process.env.RUNNER_TOOL_CACHE = toolCache
    process.env.RUNNER_TEMP = work
    process.env.GITHUB_PATH = join(work, 'path')
    await writeFile(process.env.GITHUB_PATH, '')
    for (const version of ['v3.17.1', 'v4.1.4']) {
      await installTool({ tool: 'helm', version, mirror: `${mirrorUrl}/helm`, tempDir: work })
    }
    await installTool({ tool: 'kubectl', version: 'v1.35.2', mirror: `${mirrorUrl}/kubectl`, tempDir: work })
  } finally {
    for (const key of ['RUNNER_TOOL_CACHE', 'RUNNER_TEMP', 'GITHUB_PATH', 'PATH']) {
      if (saved[key] === undefined) delete process.env[key]
      else process.env[key] = saved[key]
    }
    await rm(work, { recursive: true, force: true })
  }
}

export async function startDeployHarness(options: { timeScale?: number } = {}): Promise<DeployHarness> {
  const cluster = await startTestCluster({ timeScale: options.timeScale ?? 0.05 })
  const mirror = await startMirror(MIRROR_DIR)
  const toolCache = await mkdtemp(join(tmpdir(), 'had-toolcache-'))
  await warmToolCache(toolCache, mirror.url)
  const runs: string[] = []
  const runHelm = async (
    version: HelmVersion,
    args: string[]
  ): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const { stdout, stderr } = await exec(helmBinary(version), args, { env: cluster.env })
      return { code: 0, stdout, stderr }
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string }
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
    }
  }
  return {
    cluster,
    mirror,
    async deploy(version, inputs, extra = {}) {
      const run: DeployRun = await runBundledAction({
        ...extra,
        inputs: {
          'helm-version': version,
          'helm-mirror': `${mirror.url}/helm`,
          'kubectl-version': 'v1.35.2',
          'kubectl-mirror': `${mirror.url}/kubectl`,
          // At the harness's time scale 1 s is 20 simulated seconds of verification; tests of min-ready set their own.
          'min-ready': '1s',
          ...inputs
        },
        toolCache,
        env: { KUBECONFIG: cluster.kubeconfigPath, HOME: cluster.home, ...extra.env }
      })
      runs.push(run.dir)
      const reportPath = run.outputs['report-path']
      if (reportPath) run.report = JSON.parse(await readFile(reportPath, 'utf8')) as DeployReport
      return run
    },
    helm: runHelm,
    objectsOf(release, namespace) {
      return LISTED.flatMap(resource => cluster.store.list(resource, namespace)).filter(
        o =>
          o.metadata.name.startsWith(`${release}-`) ||
          o.metadata.annotations?.['meta.helm.sh/release-name'] === release
      )
    },
    async history(version, release, namespace) {
      const run = await runHelm(version, ['history', release, '-n', namespace, '-o', 'json'])
      return run.code === 0 ? (JSON.parse(run.stdout) as HistoryRow[]) : []
    },
    ageRevision(release, namespace, revision, ms) {
      const secret = cluster.store.get('secrets', namespace, `sh.helm.release.v1.${release}.v${revision}`)
      if (!secret) throw new Error(`no revision ${revision} of ${release}`)
      const data = secret.data as Record<string, string>
      // The store keeps Secret data base64-encoded; helm's record is itself base64(gzip(JSON)).
      const record = JSON.parse(
        gunzipSync(Buffer.from(Buffer.from(data.release ?? '', 'base64').toString(), 'base64')).toString()
      ) as {
        info: Record<string, string>
      }
      const aged = (value: string | undefined): string => new Date(Date.parse(value ?? '') - ms).toISOString()
      record.info.last_deployed = aged(record.info.last_deployed)
      record.info.first_deployed = aged(record.info.first_deployed)
      const encoded = gzipSync(Buffer.from(JSON.stringify(record))).toString('base64')
      cluster.store.update('secrets', {
        ...secret,
        data: { ...data, release: Buffer.from(encoded).toString('base64') }
      })
    },
    async stop() {
      await mirror.stop()
      await cluster.stop()
      await rm(toolCache, { recursive: true, force: true })
      for (const dir of runs) await rm(dir, { recursive: true, force: true })
    }
  }
}

/** One harness for a test file: started before its tests, stopped after. Call at the top level of the file. */
export function useDeployHarness(options: { timeScale?: number } = {}): () => DeployHarness {
  let harness: DeployHarness | undefined
  beforeAll(async () => {
    harness = await startDeployHarness(options)
  })
  afterAll(async () => {
    await harness?.stop()
  })
  return () => {
    if (!harness) throw new Error('the deploy harness is not started yet')
    return harness
  }
}
