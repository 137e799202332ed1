import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DEMO_CHART,
  startDeployHarness,
  type DeployHarness,
  type HelmVersion
} from '../support/deploy-harness.js'

let h: DeployHarness

beforeAll(async () => {
  h = await startDeployHarness()
})
afterAll(async () => {
  await h.stop()
})

// Node ports are cluster-wide: each major gets its own.
describe.each<[HelmVersion, string, number]>([
  ['v3.17.1', 'h3', 31231],
  ['v4.1.4', 'h4', 31232]
])('helm %s, the bundled action', (version, id, nodePort) => {
  it('seed scenario: dev101 deploys; qa101 with the same nodePort is rolled back and leaves nothing behind', async () => {
    const ns = `${id}-seed`
    const common = {
      chart: DEMO_CHART,
      namespace: ns,
      'create-namespace': 'true',
      timeout: '30s',
      set: `service.nodePort=${nodePort}`
    }
    const dev = await h.deploy(version, { ...common, release: 'dev101' })
    expect(dev.exitCode, dev.stdout).toBe(0)
    expect(dev.outputs).toMatchObject({
      status: 'deployed',
      revision: '1',
      'previous-revision': '',
      'rolled-back': 'false'
    })

    const qa = await h.deploy(version, { ...common, release: 'qa101' })
    expect(qa.exitCode).toBe(1)
    expect(qa.outputs).toMatchObject({ status: 'rolled-back', revision: '', 'rolled-back': 'true' })
    expect(qa.outputs['failure-reason']).toContain(
      `Service "qa101-svc" is invalid: spec.ports[0].nodePort: Invalid value: ${nodePort}: provided port is already allocated`
    )
    const list = await h.helm(version, [
      'list',
      '-n',
      ns,
      '-o',
      'json',
      ...(version === 'v3.17.1' ? ['--all'] : [])
    ])
    expect((JSON.parse(list.stdout) as { name: string }[]).map(r => r.name)).toEqual(['dev101'])
    expect(h.objectsOf('qa101', ns)).toEqual([])
    const history = await h.helm(version, ['history', 'dev101', '-n', ns, '-o', 'json'])
    expect(JSON.parse(history.stdout)).toMatchObject([{ revision: 1, status: 'deployed' }])
    expect(qa.report).toMatchObject({
      release: 'qa101',
      status: 'rolled-back',
      revision: null,
      rolledBack: true
    })
  })
})
