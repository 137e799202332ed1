/** Both tools the action needs, installed (or found) and verified: helm always, kubectl when the runner has none. */
import type { Inputs } from '../inputs/index.js'
import { installTool, resolveHelmVersion, resolveKubectl } from './installer.js'

export interface Tools {
  helm: { version: string; path: string }
  kubectl: { path: string }
  durationMs: number
}

export async function installTools(inputs: Inputs, tempDir: string): Promise<Tools> {
  const started = Date.now()
  const version = await resolveHelmVersion(inputs.helmVersion, inputs.helmMirror)
  const helm = await installTool({
    tool: 'helm',
    version,
    mirror: inputs.helmMirror,
    expectedSha256: inputs.helmSha256 || undefined,
    tempDir
  })
  const kubectl = await resolveKubectl(inputs.kubectlVersion, kubectlVersion =>
    installTool({ tool: 'kubectl', version: kubectlVersion, mirror: inputs.kubectlMirror, tempDir })
  )
  return {
    helm: { version: helm.version, path: helm.path },
    kubectl: { path: kubectl.path },
    durationMs: Date.now() - started
  }
}
