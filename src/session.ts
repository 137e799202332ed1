/** This run's private files: a work folder (mode 0700) for the kubeconfig and values files, removed at the end. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Session {
  /** RUNNER_TEMP (or the OS temp dir): downloads, report.json. */
  tempDir: string
  /** Private to this run; removed by cleanup(). */
  workDir: string
  /** Environment for helm and kubectl: KUBECONFIG from the kubeconfig input when given. */
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
  return { tempDir, workDir, env, cleanup: () => rm(workDir, { recursive: true, force: true }) }
}
