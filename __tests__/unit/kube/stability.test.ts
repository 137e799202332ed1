import { describe, expect, it } from 'vitest'
import type { ContainerDiagnosis, PodDiagnosis, WorkloadState } from '../../../src/kube/diagnostics.js'
import {
  evaluateStability,
  newReadinessTracker,
  newStabilityMemory,
  trackReadiness,
  type StabilityState
} from '../../../src/kube/stability.js'

const T0 = Date.parse('2026-11-25T10:00:00Z')
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')

function container(overrides: Partial<ContainerDiagnosis> = {}): ContainerDiagnosis {
  return { name: 'server', image: 'web:2', ready: true, restartCount: 0, state: 'running', ...overrides }
}

function pod(
  name: string,
  ready: boolean,
  containers: ContainerDiagnosis[],
  readySince?: number
): PodDiagnosis {
  return {
    name,
    phase: 'Running',
    revision: 'new',
    conditions: ready ? [] : ['Ready=False ContainersNotReady: containers with unready status: [server]'],
    ready,
    ...(readySince === undefined ? {} : { readySince: iso(readySince) }),
    containers,
    terminating: false,
    deleted: false
  }
}

/** Observations during helm's wait (tracked only), then verification from `verifyFrom` on; the last state. */
function run(
  observations: { at: number; pods: PodDiagnosis[]; workloads?: WorkloadState[] }[],
  verifyFrom: number,
  minReadyMs = 10_000
): StabilityState[] {
  const tracker = newReadinessTracker()
  const memory = newStabilityMemory(verifyFrom)
  const states: StabilityState[] = []
  for (const o of observations) {
    trackReadiness(tracker, o.at, o.pods)
    if (o.at >= verifyFrom)
      states.push(
        evaluateStability(
          { at: o.at, pods: o.pods, workloads: o.workloads ?? [] },
          memory,
          tracker,
          minReadyMs
        )
      )
  }
  return states
}

describe('min-ready', () => {
  it('pods Ready for 10 s before helm returned: stable at the first look, nothing to wait for', () => {
    const up = pod('web-1', true, [container({ startedAt: iso(T0) })], T0)
    const states = run(
      [
        { at: T0 + 1_000, pods: [up] },
        { at: T0 + 10_500, pods: [up] }
      ],
      T0 + 10_500
    )
    expect(states).toEqual([{ state: 'stable', pods: 1 }])
  })

  it('helm returned the moment the pod became Ready: pending for the rest of the window, then stable', () => {
    const up = pod('web-1', true, [container({ startedAt: iso(T0) })], T0)
    const states = run(
      [0, 4_000, 9_000, 10_000].map(d => ({ at: T0 + 200 + d, pods: [up] })),
      T0 + 200
    )
    expect(states.map(s => s.state)).toEqual(['pending', 'pending', 'pending', 'stable'])
    expect(states[0]).toMatchObject({ waitMs: 9_800 })
  })

  it('a container that crashes a second after it became Ready: unstable, with the exit code and how long it ran', () => {
    const up = pod('web-1', true, [container({ startedAt: iso(T0) })], T0)
    const crashed = pod('web-1', false, [
      container({
        ready: false,
        state: 'waiting',
        reason: 'CrashLoopBackOff',
        restartCount: 1,
        lastTermination: { exitCode: 3, reason: 'Error', startedAt: iso(T0), finishedAt: iso(T0 + 1_000) }
      })
    ])
    const states = run(
      [
        { at: T0 + 300, pods: [up] },
        { at: T0 + 1_500, pods: [crashed] }
      ],
      T0 + 300
    )
    expect(states[1]).toMatchObject({
      state: 'unstable',
      verdict: {
        rule: 'unstable',
        phase: 'verify',
        pod: 'web-1',
        message: 'container server in pod web-1 exited with code 3, 1.0 s after it became Ready (1 restart)'
      }
    })
  })

  it('a restart between two looks (running and Ready again) is a crash in the window too', () => {
    const up = pod('web-1', true, [container({ startedAt: iso(T0) })], T0)
    const again = pod(
      'web-1',
      true,
      [
        container({
          restartCount: 1,
          startedAt: iso(T0 + 1_000),
          lastTermination: { exitCode: 137, reason: 'OOMKilled', finishedAt: iso(T0 + 1_000) }
        })
      ],
      T0 + 1_000
    )
    const states = run(
      [
        { at: T0 + 300, pods: [up] },
        { at: T0 + 1_300, pods: [again] }
      ],
      T0 + 300
    )
    expect(states[1]?.state).toBe('unstable')
    expect(JSON.stringify(states[1])).toContain('exited with code 137 (OOMKilled)')
  })

  it('Ready, then not Ready without being deleted: unstable', () => {
    const up = pod('web-1', true, [container()], T0)
    const down = pod('web-1', false, [container({ ready: false })])
    const state = run(
      [
        { at: T0 + 300, pods: [up] },
        { at: T0 + 2_000, pods: [down] }
      ],
      T0 + 300
    )[1]
    expect(state?.state === 'unstable' && state.verdict.message).toMatch(
      /^pod web-1 stopped being Ready after helm's wait \(Ready=False/
    )
  })

  it('a failed Job of the release in the window: unstable', () => {
    const job: WorkloadState = {
      kind: 'Job',
      name: 'seed',
      desired: 1,
      ready: 0,
      conditions: [],
      failure: { reason: 'BackoffLimitExceeded', message: 'limit' }
    }
    expect(run([{ at: T0, pods: [], workloads: [job] }], T0)[0]).toMatchObject({
      state: 'unstable',
      verdict: { message: "Job seed failed after helm's wait (BackoffLimitExceeded: limit)" }
    })
  })

  it("the cluster's clock ahead of ours cannot stretch the window past what we saw", () => {
    // The cluster says Ready since T0 + 60 s (its clock runs a minute ahead); we saw it Ready at T0 + 1 s.
    const up = pod('web-1', true, [container({ startedAt: iso(T0 + 60_000) })], T0 + 60_000)
    const states = run(
      [
        { at: T0 + 1_000, pods: [up] },
        { at: T0 + 11_000, pods: [up] }
      ],
      T0 + 11_000
    )
    expect(states).toEqual([{ state: 'stable', pods: 1 }])
  })

  it("the cluster's clock behind ours cannot shorten it below what we saw not Ready", () => {
    const starting = pod('web-1', false, [container({ ready: false })])
    // The cluster says Ready since T0 - 60 s; we saw it not Ready at T0 + 1 s.
    const up = pod('web-1', true, [container({ startedAt: iso(T0 - 60_000) })], T0 - 60_000)
    const states = run(
      [
        { at: T0 + 1_000, pods: [starting] },
        { at: T0 + 2_000, pods: [up] }
      ],
      T0 + 2_000
    )
    expect(states[0]).toMatchObject({ state: 'pending' })
  })

  it('no pods (a release of ConfigMaps): stable at once', () => {
    expect(run([{ at: T0, pods: [] }], T0)).toEqual([{ state: 'stable', pods: 0 }])
  })
})
