import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startTestCluster, type TestCluster } from '../cluster/index.js'
import type { KubeObject, ResourceName } from '../cluster/types.js'
import { helmBinary, MIRROR_DIR } from '../fixtures/binaries.js'
import type { DeployReport } from '../../src/report/report.js'
import { runBundledAction, type ActionRun, type ActionRunOptions } from './action-runner.js'
import { startMirror, type MirrorServer } from './mirror-server.js'

const exec = promisify(execFile)

export const DEMO_CHART = join(import.meta.dirname, '..', 'cluster', 'charts', 'demo')

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
  stop(): Promise<void>
}

export interface DeployRun extends ActionRun {
  report?: DeployReport
}

const LISTED: ResourceName[] = ['deployments', 'replicasets', 'pods', 'services', 'configmaps', 'jobs']

export async function startDeployHarness(options: { timeScale?: number } = {}): Promise<DeployHarness> {
  const cluster = await startTestCluster({ timeScale: options.timeScale ?? 0.05 })
  const mirror = await startMirror(MIRROR_DIR)
  const toolCache = await mkdtemp(join(tmpdir(), 'had-toolcache-'))
  const runs: string[] = []
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
    async helm(version, args) {
      try {
        const { stdout, stderr } = await exec(helmBinary(version), args, { env: cluster.env })
        return { code: 0, stdout, stderr }
      } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string }
        return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
      }
    },
    objectsOf(release, namespace) {
      return LISTED.flatMap(resource => cluster.store.list(resource, namespace)).filter(
        o =>
          o.metadata.name.startsWith(`${release}-`) ||
          o.metadata.annotations?.['meta.helm.sh/release-name'] === release
      )
    },
    async stop() {
      await mirror.stop()
      await cluster.stop()
      await rm(toolCache, { recursive: true, force: true })
      for (const dir of runs) await rm(dir, { recursive: true, force: true })
    }
  }
}
