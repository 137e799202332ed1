/** `npm run bench`: a plan through the action against `helm upgrade --install --dry-run=server` alone, same chart. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, bench, describe } from 'vitest'
import { helmBinary } from '../fixtures/binaries.js'
import { APP_CHART, startDeployHarness, type DeployHarness } from '../support/deploy-harness.js'

const exec = promisify(execFile)
let h: DeployHarness

beforeAll(async () => {
  h = await startDeployHarness({ timeScale: 0.05 })
  for (const version of ['v3.17.1', 'v4.1.4'] as const) {
    await h.deploy(version, {
      chart: APP_CHART,
      release: 'web',
      namespace: `plan-${version.replace(/\W/g, '')}`,
      'create-namespace': 'true'
    })
  }
})
afterAll(async () => h.stop())

for (const version of ['v3.17.1', 'v4.1.4'] as const) {
  describe(`plan of a live release with changed values, helm ${version}`, () => {
    bench(
      'helm upgrade --install --dry-run=server alone',
      async () => {
        await exec(
          helmBinary(version),
          [
            'upgrade',
            '--install',
            'web',
            APP_CHART,
            '-n',
            `plan-${version.replace(/\W/g, '')}`,
            '--set',
            'replicas=2',
            '--dry-run=server',
            '-o',
            'json'
          ],
          { env: h.cluster.env, maxBuffer: 64 * 1024 * 1024 }
        )
      },
      { iterations: 10, warmupIterations: 1, time: 0 }
    )
    bench(
      'the action, mode plan (tools cached)',
      async () => {
        const run = await h.deploy(version, {
          chart: APP_CHART,
          release: 'web',
          namespace: `plan-${version.replace(/\W/g, '')}`,
          mode: 'plan',
          set: 'replicas=2'
        })
        if (run.outputs.status !== 'planned') throw new Error(run.outputs['failure-reason'])
      },
      { iterations: 10, warmupIterations: 1, time: 0 }
    )
  })
}
