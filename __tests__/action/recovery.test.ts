/**
 * Stale pending locks and workflow cancellation, with the real helm binaries against the test cluster:
 * a release must never be left pending by us, and one left by a killed helm must be repaired.
 */
import { spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { helmBinary } from '../fixtures/binaries.js'
import { APP_CHART, useDeployHarness, type DeployRun, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(200)
  }
}

const NEVER_READY = 'env.SIM_NEVER_READY=1'

describe.each<[HelmVersion, string]>([
  ['v3.17.1', 'h3'],
  ['v4.1.4', 'h4']
])('helm %s', (version, id) => {
  const atomic = version === 'v3.17.1' ? ['--atomic'] : ['--rollback-on-failure']

  it('a fresh pending-upgrade lock is refused untouched; once stale it is rolled back and the deploy goes on', async () => {
    const ns = `${id}-lock`
    const base = {
      chart: APP_CHART,
      release: 'locked',
      namespace: ns,
      'create-namespace': 'true',
      timeout: '30s'
    }
    expect((await harness().deploy(version, base)).outputs.status).toBe('deployed')

    // A helm killed hard mid-wait leaves its revision pending-upgrade, as a lost runner would.
    const helm = spawn(
      helmBinary(version),
      ['upgrade', 'locked', APP_CHART, '-n', ns, '--set-string', NEVER_READY, ...atomic, '--timeout', '60s'],
      { env: harness().cluster.env, stdio: 'ignore' }
    )
    await waitFor('pending-upgrade', async () =>
      (await harness().history(version, 'locked', ns)).some(r => r.status === 'pending-upgrade')
    )
    await sleep(1_000)
    helm.kill('SIGKILL')
    await new Promise(resolve => helm.on('close', resolve))
    const locked = await harness().history(version, 'locked', ns)
    expect(locked.map(r => r.status)).toEqual(['deployed', 'pending-upgrade'])

    const refused = await harness().deploy(version, base)
    expect(refused.exitCode).toBe(1)
    expect(refused.outputs.status).toBe('failed')
    expect(refused.outputs['failure-reason']).toMatch(
      /^another operation is in progress on release locked \(pending-upgrade since \S+Z\); not stale until \S+Z$/
    )
    expect(await harness().history(version, 'locked', ns)).toEqual(locked)

    harness().ageRevision('locked', ns, 2, 10 * 60_000)
    const recovered = await harness().deploy(version, base)
    expect(recovered.exitCode, recovered.stdout).toBe(0)
    expect(recovered.stdout).toContain(
      'Recovering a stale lock on release locked: revision 2 is pending-upgrade'
    )
    expect(recovered.report?.recoveries).toMatchObject([
      { kind: 'rollback', fromStatus: 'pending-upgrade', fromRevision: 2, toRevision: 1, ok: true }
    ])
    const history = await harness().history(version, 'locked', ns)
    expect(history.at(-1)).toMatchObject({ status: 'deployed', description: 'Upgrade complete' })
    // helm leaves the abandoned revision marked pending; what matters is that nothing after it is.
    expect(history.filter(r => r.revision > 2).map(r => r.status)).toEqual(['superseded', 'deployed'])
  })

  /** A healthy release, then an upgrade that never becomes ready, already in helm's wait when this returns. */
  async function upgradeInWait(
    release: string,
    ns: string,
    detached: boolean
  ): Promise<{ pid: number; running: Promise<DeployRun>; base: Record<string, string> }> {
    const base = { chart: APP_CHART, release, namespace: ns, 'create-namespace': 'true', timeout: '60s' }
    expect((await harness().deploy(version, base)).outputs.status).toBe('deployed')
    let pid = 0
    const running = harness().deploy(
      version,
      { ...base, 'set-string': NEVER_READY, 'fail-fast': 'false' },
      { onStart: child => (pid = child.pid ?? 0), detached }
    )
    await waitFor('the upgrade to wait', async () =>
      (await harness().history(version, release, ns)).some(r => r.status === 'pending-upgrade')
    )
    await sleep(1_000)
    return { pid, running, base }
  }

  it('cancelling the action (SIGINT) during the wait makes helm roll back: nothing is left pending', async () => {
    const ns = `${id}-cancel`
    const { pid, running } = await upgradeInWait('cancelled', ns, false)
    process.kill(pid, 'SIGINT')
    const run = await running
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('received SIGINT: asked helm to cancel and clean up')
    expect(run.outputs).toMatchObject({ status: 'rolled-back', revision: '3', 'previous-revision': '1' })
    expect(run.outputs['failure-reason']).toContain('context canceled')
    const history = await harness().history(version, 'cancelled', ns)
    expect(history.map(r => r.status)).toEqual(['superseded', 'failed', 'deployed'])
  })

  it('SIGINT, then SIGKILL 2 s later while helm rolls back: the post step repairs the pending release', async () => {
    const ns = `${id}-killed`
    const { pid, running, base } = await upgradeInWait('killed', ns, true)
    // helm's rollback will hang on the Deployment, as on a slow cluster, so the kill lands mid-cleanup.
    harness().cluster.faults.add({
      method: 'PATCH',
      path: new RegExp(`/namespaces/${ns}/deployments/killed`),
      count: 10,
      action: 'hang'
    })
    process.kill(pid, 'SIGINT')
    await sleep(2_000)
    process.kill(-pid, 'SIGKILL')
    const killed = await running
    harness().cluster.faults.clear()
    expect(killed.exitCode).toBe(null)
    const left = await harness().history(version, 'killed', ns)
    expect(left.at(-1)?.status).toMatch(/^pending-/)

    const post = await harness().deploy(version, base, { state: killed.state })
    expect(post.exitCode, post.stdout).toBe(0)
    expect(post.stdout).toMatch(
      /::warning::the main step did not finish; rolled release killed back to revision 1/
    )
    const repaired = await harness().history(version, 'killed', ns)
    expect(repaired.at(-1)).toMatchObject({ status: 'deployed', description: 'Rollback to 1' })
    expect(repaired.filter(r => r.revision > (left.at(-1)?.revision ?? 0)).map(r => r.status)).toEqual([
      'deployed'
    ])
    // The live Deployment is revision 1's again, not what the interrupted upgrade left.
    const live = JSON.stringify(harness().cluster.store.get('deployments', ns, 'killed'))
    expect(live).not.toContain('SIM_NEVER_READY')
  })
})
