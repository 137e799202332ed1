/**
 * `npm run bench` (not in CI). Time to rollback of a crash-looping upgrade at the kubelet's real timings
 * (timeScale 1, timeout 2m): helm's atomic alone against the action with fail-fast; and the action's overhead on a
 * successful deploy against bare helm.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, bench, describe } from 'vitest'
import { helmBinary } from '../fixtures/binaries.js'
import {
  APP_CHART,
  startDeployHarness,
  type DeployHarness,
  type HelmVersion
} from '../support/deploy-harness.js'

const exec = promisify(execFile)
const CRASH = ['--set-string', 'env.SIM_EXIT_CODE=1', '--set-string', 'env.SIM_READY_AFTER_SECONDS=5']
const ATOMIC: Record<HelmVersion, string[]> = { 'v3.17.1': ['--atomic'], 'v4.1.4': ['--rollback-on-failure'] }

let realTime: DeployHarness
let fast: DeployHarness
let n = 0

beforeAll(async () => {
  realTime = await startDeployHarness({ timeScale: 1 })
  fast = await startDeployHarness({ timeScale: 0.05 })
})
afterAll(async () => {
  await realTime.stop()
  await fast.stop()
})

async function helm(h: DeployHarness, version: HelmVersion, args: string[]): Promise<void> {
  await exec(helmBinary(version), args, { env: h.cluster.env }).catch(() => undefined)
}

/** A healthy release in its own namespace, ready to be upgraded. */
async function freshRelease(
  h: DeployHarness,
  version: HelmVersion
): Promise<{ ns: string; release: string }> {
  const ns = `bench-${n++}`
  await helm(h, version, [
    'upgrade',
    '--install',
    'shop',
    APP_CHART,
    '-n',
    ns,
    '--create-namespace',
    '--wait',
    '--timeout',
    '2m'
  ])
  return { ns, release: 'shop' }
}

for (const version of ['v3.17.1', 'v4.1.4'] as const) {
  describe(`crash-looping upgrade, helm ${version}, timeScale 1, timeout 2m: time to rollback`, () => {
    let target = { ns: '', release: '' }
    bench(
      'helm atomic alone',
      async () => {
        await helm(realTime, version, [
          'upgrade',
          target.release,
          APP_CHART,
          '-n',
          target.ns,
          ...CRASH,
          ...ATOMIC[version],
          '--timeout',
          '2m'
        ])
      },
      {
        iterations: 1,
        warmupIterations: 0,
        time: 0,
        setup: async () => void (target = await freshRelease(realTime, version))
      }
    )
    bench(
      'the action with fail-fast',
      async () => {
        await realTime.deploy(version, {
          release: target.release,
          chart: APP_CHART,
          namespace: target.ns,
          timeout: '2m',
          'set-string': 'env.SIM_EXIT_CODE=1\nenv.SIM_READY_AFTER_SECONDS=5'
        })
      },
      {
        iterations: 1,
        warmupIterations: 0,
        time: 0,
        setup: async () => void (target = await freshRelease(realTime, version))
      }
    )
  })

  describe(`successful upgrade --install, helm ${version}: the action's overhead`, () => {
    bench(
      'bare helm',
      async () => {
        await helm(fast, version, [
          'upgrade',
          '--install',
          `bare-${n++}`,
          APP_CHART,
          '-n',
          'overhead',
          '--create-namespace',
          ...ATOMIC[version],
          '--timeout',
          '1m'
        ])
      },
      { iterations: 5, warmupIterations: 1, time: 0 }
    )
    bench(
      'the action (tools cached)',
      async () => {
        await fast.deploy(version, {
          release: `act-${n++}`,
          chart: APP_CHART,
          namespace: 'overhead',
          'create-namespace': 'true',
          timeout: '1m'
        })
      },
      { iterations: 5, warmupIterations: 1, time: 0 }
    )
  })
}
