import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MIRROR_DIR } from '../fixtures/binaries.js'
import { runBundledAction } from '../support/action-runner.js'
import { startMirror, type MirrorServer } from '../support/mirror-server.js'

const run = promisify(execFile)
let mirror: MirrorServer

beforeAll(async () => {
  mirror = await startMirror(MIRROR_DIR)
})
afterAll(async () => {
  await mirror.stop()
})

describe('the bundled action installs verified tools (as the runner runs it)', () => {
  it('installs helm v3.17.1 and kubectl v1.32.0 from the mirror and writes the tool outputs', async () => {
    const result = await runBundledAction({
      inputs: {
        release: 'demo',
        chart: 'oci://127.0.0.1:1/charts/demo',
        'helm-version': 'v3.17.1',
        'helm-mirror': `${mirror.url}/helm`,
        'kubectl-version': 'v1.32.0',
        'kubectl-mirror': `${mirror.url}/kubectl`
      },
      // No cluster: the deploy itself fails, after the tools are installed and reported.
      env: { KUBECONFIG: '/nonexistent/kubeconfig' }
    })
    expect(result.outputs['helm-version']).toBe('v3.17.1')
    const helmPath = result.outputs['helm-path'] ?? ''
    expect(helmPath).toBe(join(result.dir, 'toolcache', 'helm', '3.17.1', 'x64', 'helm'))
    const { stdout } = await run(helmPath, ['version', '--template', '{{.Version}}'])
    expect(stdout).toBe('v3.17.1')
    expect(result.outputs['kubectl-path']).toBe(
      join(result.dir, 'toolcache', 'kubectl', '1.32.0', 'x64', 'kubectl')
    )
    expect(result.stdout).toMatch(/helm v3\.17\.1: downloaded .* sha256 [0-9a-f]{64} verified/)
    expect(result.exitCode).toBe(1)
  })

  it('fails before downloading anything when the inputs are invalid, listing every problem', async () => {
    mirror.requests.length = 0
    const result = await runBundledAction({
      inputs: {
        release: 'Bad_Name',
        chart: '',
        timeout: 'soon',
        'helm-version': 'v3.17.1',
        'helm-mirror': `${mirror.url}/helm`
      }
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain('release: "Bad_Name"')
    expect(result.stdout).toContain('timeout')
    expect(result.stdout).toContain('chart')
    expect(mirror.requests).toEqual([])
    // Nothing installed, but still reported.
    expect(result.outputs).toMatchObject({ status: 'failed', 'rolled-back': 'false' })
    expect(result.outputs['helm-path']).toBeUndefined()
    expect(result.outputs['failure-reason']).toMatch(/^invalid inputs: release: "Bad_Name"/)
  })
})
