/**
 * This run's private files: a work folder (mode 0700) for the kubeconfig, values files and helm's repository and
 * registry configuration (credentials included), removed at the end.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Session {
  /** RUNNER_TEMP (or the OS temp dir): downloads, report.json. */
  tempDir: string
  /** Private to this run; removed by cleanup(). */
  workDir: string
  /**
   * Environment for helm and kubectl: KUBECONFIG from the kubeconfig input when given; helm's repository config,
   * repository cache and registry config in workDir, never the runner's home.
   */
  env: NodeJS.ProcessEnv
  cleanup(): Promise<void>
}

export async function openSession(kubeconfig: string): Promise<Session> {
  const tempDir = process.env.RUNNER_TEMP || tmpdir()
  await mkdir(tempDir, { recursive: true })
  const workDir = await mkdtemp(join(tempDir, 'helm-atomic-deploy-'))
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (kubeconfig !== '') {
    const path = join(workDir, 'kubeconfig')
    await writeFile(path, kubeconfig, { mode: 0o600 })
    env.KUBECONFIG = path
  }
  Object.assign(env, await isolateHelmConfig(workDir))
  return { tempDir, workDir, env, cleanup: () => rm(workDir, { recursive: true, force: true }) }
}

/**
 * helm's repository and registry configuration for this run only. The registry config starts with one entry:
 * a config without any makes helm (both majors) store a login in the platform's credential helper
 * (docker-credential-pass or -secretservice) when one is on PATH, which would outlive the run.
 */
async function isolateHelmConfig(workDir: string): Promise<NodeJS.ProcessEnv> {
  const dir = join(workDir, 'helm')
  await mkdir(join(dir, 'registry'), { recursive: true, mode: 0o700 })
  const registryConfig = join(dir, 'registry', 'config.json')
  await writeFile(registryConfig, JSON.stringify({ auths: { 'helm-atomic-deploy.invalid': {} } }), {
    mode: 0o600
  })
  return {
    HELM_REPOSITORY_CONFIG: join(dir, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(dir, 'repository-cache'),
    HELM_REGISTRY_CONFIG: registryConfig
  }
}
