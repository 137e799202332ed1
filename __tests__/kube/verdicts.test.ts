import { describe, expect, it } from 'vitest'
import type { ContainerDiagnosis, PodDiagnosis, WorkloadState } from '../../src/kube/diagnostics.js'
import { evaluateFailFast, newVerdictMemory, type VerdictInput } from '../../src/kube/verdicts.js'

function container(overrides: Partial<ContainerDiagnosis> = {}): ContainerDiagnosis {
  return { name: 'web', image: 'nginx:1.27', ready: false, restartCount: 0, state: 'waiting', ...overrides }
}

function pod(containers: ContainerDiagnosis[], overrides: Partial<PodDiagnosis> = {}): PodDiagnosis {
  return {
    name: 'api-7d9f-x2b4c',
    phase: 'Pending',
    conditions: [],
    containers,
    deleted: false,
    ...overrides
  }
}

function observe(at: number, pods: PodDiagnosis[], workloads: WorkloadState[] = []): VerdictInput {
  return { at, pods, workloads }
}

/** Runs observations in order through one memory; returns each verdict message (or undefined). */
function sequence(inputs: VerdictInput[], restarts = 2): (string | undefined)[] {
  const memory = newVerdictMemory()
  return inputs.map(
    input =>
      evaluateFailFast(input, memory, { restarts, configErrorMs: 10_000, unschedulableMs: 30_000 })?.message
  )
}

describe('fail-fast verdicts', () => {
  it.each([
    [
      'CrashLoopBackOff with 1 restart (below the default 2)',
      [container({ reason: 'CrashLoopBackOff', restartCount: 1 })],
      undefined
    ],
    [
      'CrashLoopBackOff with 2 restarts',
      [
        container({
          reason: 'CrashLoopBackOff',
          restartCount: 2,
          lastTermination: { exitCode: 1, reason: 'Error' }
        })
      ],
      'container web in pod api-7d9f-x2b4c crash-looping (exit code 1, 2 restarts)'
    ],
    ['running and ready', [container({ state: 'running', ready: true })], undefined],
    ['ContainerCreating', [container({ reason: 'ContainerCreating' })], undefined],
    [
      'InvalidImageName at once',
      [container({ reason: 'InvalidImageName', image: 'Bad::Image' })],
      'container web in pod api-7d9f-x2b4c has an invalid image name "Bad::Image"'
    ]
  ])('%s', (_name, containers, expected) => {
    expect(sequence([observe(0, [pod(containers)])])[0]).toBe(expected)
  })

  it('the restart threshold is the fail-fast-restarts input', () => {
    const crash = [container({ reason: 'CrashLoopBackOff', restartCount: 3 })]
    expect(sequence([observe(0, [pod(crash)])], 4)).toEqual([undefined])
    expect(sequence([observe(0, [pod(crash)])], 3)[0]).toMatch(/crash-looping \(3 restarts\)/)
  })

  it('an image pull failure needs two observations in a row', () => {
    const pulling = pod([container({ reason: 'ErrImagePull', image: 'registry.invalid/app:1' })])
    const backoff = pod([container({ reason: 'ImagePullBackOff', image: 'registry.invalid/app:1' })])
    const healthy = pod([container({ state: 'running', ready: true })])
    expect(sequence([observe(0, [pulling]), observe(1000, [backoff])])).toEqual([
      undefined,
      'container web in pod api-7d9f-x2b4c cannot pull image registry.invalid/app:1 (ImagePullBackOff)'
    ])
    expect(sequence([observe(0, [pulling]), observe(1000, [healthy]), observe(2000, [pulling])])).toEqual([
      undefined,
      undefined,
      undefined
    ])
  })

  it('CreateContainerConfigError must persist 10 s', () => {
    const broken = pod([
      container({ reason: 'CreateContainerConfigError', message: 'configmap "app-config" not found' })
    ])
    expect(sequence([observe(0, [broken]), observe(9_999, [broken]), observe(10_000, [broken])])).toEqual([
      undefined,
      undefined,
      'container web in pod api-7d9f-x2b4c cannot start: configmap "app-config" not found'
    ])
  })

  it('insufficient resources must persist 30 s; other scheduling problems never count', () => {
    const insufficient = pod([container()], { unschedulable: '0/1 nodes are available: 1 Insufficient cpu.' })
    const tainted = pod([container()], {
      unschedulable: '0/1 nodes are available: 1 node(s) had untolerated taint.'
    })
    expect(
      sequence([observe(0, [insufficient]), observe(29_000, [insufficient]), observe(30_000, [insufficient])])
    ).toEqual([
      undefined,
      undefined,
      'pod api-7d9f-x2b4c cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu.'
    ])
    expect(sequence([observe(0, [tainted]), observe(60_000, [tainted])])).toEqual([undefined, undefined])
  })

  it('a symptom that clears restarts its clock', () => {
    const broken = pod([container({ reason: 'CreateContainerConfigError', message: 'x' })])
    const fine = pod([container({ state: 'running', ready: true })])
    expect(
      sequence([
        observe(0, [broken]),
        observe(5_000, [fine]),
        observe(6_000, [broken]),
        observe(15_000, [broken])
      ])
    ).toEqual([undefined, undefined, undefined, undefined])
  })

  it.each([
    [
      {
        kind: 'Job',
        name: 'demo-migrate',
        desired: 1,
        ready: 0,
        conditions: [],
        hook: 'pre-upgrade',
        failure: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
      },
      'pre-upgrade hook Job demo-migrate failed (BackoffLimitExceeded: Job has reached the specified backoff limit)'
    ],
    [
      {
        kind: 'Job',
        name: 'seed',
        desired: 1,
        ready: 0,
        conditions: [],
        failure: { reason: 'BackoffLimitExceeded', message: 'limit' }
      },
      'Job seed failed (BackoffLimitExceeded: limit)'
    ],
    [
      {
        kind: 'Deployment',
        name: 'web',
        desired: 1,
        ready: 0,
        conditions: [],
        failure: {
          reason: 'ProgressDeadlineExceeded',
          message: 'ReplicaSet "web-5d" has timed out progressing.'
        }
      },
      'Deployment web exceeded its progress deadline (ReplicaSet "web-5d" has timed out progressing.)'
    ],
    [{ kind: 'Deployment', name: 'web', desired: 2, ready: 1, conditions: [] }, undefined]
  ] satisfies [WorkloadState, string | undefined][])('workload %#', (workload, expected) => {
    expect(sequence([observe(0, [], [workload])])[0]).toBe(expected)
  })

  it('pods already deleted are not judged', () => {
    const gone = pod([container({ reason: 'CrashLoopBackOff', restartCount: 5 })], { deleted: true })
    expect(sequence([observe(0, [gone])])).toEqual([undefined])
  })
})
