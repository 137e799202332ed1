/**
 * `npm run bench` (not in CI), ratios in one run:
 * - time to rollback at the kubelet's real timings (timeScale 1, timeout 2m) of an upgrade that crash-loops and is
 *   never Ready, and of one that crashes a second after it became Ready (no readiness probe): helm's atomic alone
 *   against the action (fail-fast, min-ready 10s);
 * - what min-ready 10s adds to a healthy deploy, when the pods became Ready 10 s before helm returned (a post-install
 *   hook Job ran that long) and when helm returned at once;
 * - the action's overhead on a successful deploy against bare helm.
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
/** Ready at once (no probe), exits 3 a second later. */
const CRASH_AFTER_READY = ['env.SIM_EXIT_CODE=3', 'env.SIM_RUN_SECONDS=1']
const ONCE = { iterations: 1, warmupIterations: 0, time: 0 }
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
          'min-ready': '10s',
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

  describe(`upgrade crashing a second after Ready, helm ${version}, timeScale 1, timeout 2m: time to rollback`, () => {
    let target = { ns: '', release: '' }
    const setup = async (): Promise<void> => void (target = await freshRelease(realTime, version))
    bench(
      'helm atomic alone (it may report success: the time is then to that false green)',
      async () => {
        const set = CRASH_AFTER_READY.flatMap(v => ['--set-string', v])
        await helm(realTime, version, [
          'upgrade',
          target.release,
          APP_CHART,
          '-n',
          target.ns,
          ...set,
          ...ATOMIC[version],
          '--timeout',
          '2m'
        ])
      },
      { ...ONCE, setup }
    )
    bench(
      'the action (fail-fast, min-ready 10s)',
      async () => {
        await realTime.deploy(version, {
          release: target.release,
          chart: APP_CHART,
          namespace: target.ns,
          timeout: '2m',
          'min-ready': '10s',
          'set-string': CRASH_AFTER_READY.join('\n')
        })
      },
      { ...ONCE, setup }
    )
  })

  describe(`healthy install, helm ${version}, timeScale 1: what min-ready 10s adds`, () => {
    const install = (minReady: string, hook: boolean) => async (): Promise<void> => {
      const run = await realTime.deploy(version, {
        release: `ready-${n++}`,
        chart: APP_CHART,
        namespace: 'min-ready',
        'create-namespace': 'true',
        timeout: '2m',
        'min-ready': minReady,
        ...(hook
          ? {
              set: 'hook.enabled=true',
              'set-string': 'hook.events=post-install\nhook.env.SIM_RUN_SECONDS=10'
            }
          : {})
      })
      if (run.outputs.status !== 'deployed')
        throw new Error(`not deployed: ${run.outputs['failure-reason'] ?? ''}`)
    }
    bench('pods Ready 10 s before helm returned, min-ready 0s', install('0s', true), ONCE)
    bench('pods Ready 10 s before helm returned, min-ready 10s', install('10s', true), ONCE)
    bench('helm returned at once, min-ready 0s', install('0s', false), ONCE)
    bench('helm returned at once, min-ready 10s', install('10s', false), ONCE)
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
          timeout: '1m',
          'min-ready': '0s'
        })
      },
      { iterations: 5, warmupIterations: 1, time: 0 }
    )
  })
}
