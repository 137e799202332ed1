import { describe, expect, it } from 'vitest'
import type {
  ContainerDiagnosis,
  EventRecord,
  PodDiagnosis,
  WorkloadState
} from '../../../src/kube/diagnostics.js'
import {
  configReference,
  DEFAULT_VERDICT_OPTIONS,
  evaluateFailFast,
  newVerdictMemory,
  referenceKey,
  type LookupResult,
  type VerdictInput
} from '../../../src/kube/verdicts.js'

const POD = 'api-7d9f-x2b4c'

function container(overrides: Partial<ContainerDiagnosis> = {}): ContainerDiagnosis {
  return { name: 'web', image: 'nginx:1.27', ready: false, restartCount: 0, state: 'waiting', ...overrides }
}

function pod(containers: ContainerDiagnosis[], overrides: Partial<PodDiagnosis> = {}): PodDiagnosis {
  return {
    name: POD,
    phase: 'Pending',
    revision: 'new',
    conditions: [],
    ready: false,
    containers,
    terminating: false,
    deleted: false,
    ...overrides
  }
}

function event(reason: string, message: string, overrides: Partial<EventRecord> = {}): EventRecord {
  return { type: 'Warning', reason, object: `Pod/${POD}`, message, count: 1, ...overrides }
}

interface Step {
  at: number
  pods?: PodDiagnosis[]
  workloads?: WorkloadState[]
  events?: EventRecord[]
  lookups?: Record<string, LookupResult>
}

/** Runs observations in order through one memory; returns each verdict message (or undefined). */
function sequence(
  steps: Step[],
  options: Partial<typeof DEFAULT_VERDICT_OPTIONS> = {}
): (string | undefined)[] {
  const memory = newVerdictMemory()
  return steps.map(step => {
    const input: VerdictInput = {
      at: step.at,
      pods: step.pods ?? [],
      workloads: step.workloads ?? [],
      events: step.events ?? [],
      lookups: new Map(Object.entries(step.lookups ?? {}))
    }
    return evaluateFailFast(input, memory, { ...DEFAULT_VERDICT_OPTIONS, ...options }).verdict?.message
  })
}

const once = (p: PodDiagnosis, events: EventRecord[] = []): string | undefined =>
  sequence([{ at: 0, pods: [p], events }])[0]

describe('crash loops and invalid images', () => {
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
      `container web in pod ${POD} crash-looping (exit code 1, 2 restarts)`
    ],
    [
      'OOMKilled says so',
      [
        container({
          reason: 'CrashLoopBackOff',
          restartCount: 3,
          lastTermination: { exitCode: 137, reason: 'OOMKilled' }
        })
      ],
      `container web in pod ${POD} crash-looping (exit code 137 OOMKilled, 3 restarts)`
    ],
    ['running and ready', [container({ state: 'running', ready: true })], undefined],
    ['ContainerCreating', [container({ reason: 'ContainerCreating' })], undefined],
    [
      'InvalidImageName at once',
      [container({ reason: 'InvalidImageName', image: 'Bad::Image' })],
      `container web in pod ${POD} has an invalid image name "Bad::Image"`
    ]
  ])('%s', (_name, containers, expected) => {
    expect(once(pod(containers))).toBe(expected)
  })

  it('the restart threshold is the fail-fast-restarts input', () => {
    const crash = [pod([container({ reason: 'CrashLoopBackOff', restartCount: 3 })])]
    expect(sequence([{ at: 0, pods: crash }], { restarts: 4 })).toEqual([undefined])
    expect(sequence([{ at: 0, pods: crash }], { restarts: 3 })[0]).toMatch(/crash-looping \(3 restarts\)/)
  })

  it("a Job's pods are judged by the Job's backoffLimit, not as a crash loop", () => {
    const jobPod = pod([container({ reason: 'CrashLoopBackOff', restartCount: 5 })], { owner: 'Job/migrate' })
    expect(once(jobPod)).toBeUndefined()
  })
})

describe('only the new revision is judged', () => {
  const crashing = [container({ reason: 'CrashLoopBackOff', restartCount: 6 })]
  it.each<[string, Partial<PodDiagnosis>]>([
    ['a pod of the old revision (a fix rolling out over a crash loop)', { revision: 'old' }],
    ['a terminating pod', { terminating: true }],
    ['a deleted pod', { deleted: true }]
  ])('never: %s', (_name, overrides) => {
    expect(once(pod(crashing, overrides))).toBeUndefined()
    expect(
      once(pod([container({ reason: 'ImagePullBackOff', message: 'x: not found' })], overrides))
    ).toBeUndefined()
  })
})

describe('image pulls: a failed retry, or an image that does not exist', () => {
  const image = 'registry.example.com/app:1'
  const errPull = (message = 'rpc error: unexpected status: 503 Service Unavailable'): PodDiagnosis =>
    pod([container({ image, reason: 'ErrImagePull', message })])
  const backOff = pod([
    container({ image, reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` })
  ])
  const failed = (count: number, cause = 'failed to do request: 503 Service Unavailable'): EventRecord =>
    event('Failed', `Failed to pull image "${image}": ${cause}`, { count })

  it('one failed pull, then the back-off: no verdict (the kubelet has not retried yet)', () => {
    expect(
      sequence([
        { at: 0, pods: [errPull()], events: [failed(1)] },
        { at: 2_000, pods: [backOff], events: [failed(1)] }
      ])
    ).toEqual([undefined, undefined])
  })

  it('the retry after the back-off failed too (seen in the pod state): verdict', () => {
    expect(
      sequence([
        { at: 0, pods: [errPull()] },
        { at: 2_000, pods: [backOff] },
        { at: 12_000, pods: [errPull()] }
      ])[2]
    ).toBe(
      `container web in pod ${POD} cannot pull image ${image} (ErrImagePull, 2 failed pulls: unexpected status: 503 Service Unavailable)`
    )
  })

  it('the retry failed too (seen in the event count, between two observations): verdict', () => {
    expect(once(backOff, [failed(2)])).toBe(
      `container web in pod ${POD} cannot pull image ${image} (ImagePullBackOff, 2 failed pulls: failed to do request: 503 Service Unavailable)`
    )
  })

  it('the retry succeeded: no verdict', () => {
    const running = pod([container({ image, state: 'running', ready: true })])
    expect(
      sequence([
        { at: 0, pods: [errPull()] },
        { at: 2_000, pods: [backOff] },
        { at: 12_000, pods: [running] }
      ])
    ).toEqual([undefined, undefined, undefined])
  })

  it.each([
    [
      'containerd: tag not found',
      'failed to resolve reference "registry.example.com/app:1": registry.example.com/app:1: not found'
    ],
    [
      'docker: manifest unknown',
      'manifest for registry.example.com/app:1 not found: manifest unknown: manifest unknown'
    ]
  ])('an image that does not exist (%s): verdict at once', (_name, cause) => {
    expect(once(errPull(`rpc error: ${cause}`), [failed(1, cause)])).toMatch(
      new RegExp(
        `^container web in pod ${POD} cannot pull image registry\\.example\\.com/app:1 \\(ErrImagePull: `
      )
    )
  })

  it("the kubelet's own pull throttle is never final", () => {
    const throttled = errPull('pull QPS exceeded')
    const events = [event('Failed', `Failed to pull image "${image}": pull QPS exceeded`, { count: 5 })]
    expect(
      sequence([
        { at: 0, pods: [throttled], events },
        { at: 2_000, pods: [backOff], events },
        { at: 12_000, pods: [throttled], events }
      ])
    ).toEqual([undefined, undefined, undefined])
  })
})

describe('config errors: the missing object is looked up before a verdict', () => {
  const broken = (message = 'secret "app-secret" not found'): PodDiagnosis =>
    pod([container({ reason: 'CreateContainerConfigError', message })])
  const key = referenceKey({ kind: 'secret', name: 'app-secret' })

  it('asks for the lookup once the error lasted 10 s, and waits for its answer', () => {
    const memory = newVerdictMemory()
    const input = (at: number): VerdictInput => ({
      at,
      pods: [broken()],
      workloads: [],
      events: [],
      lookups: new Map()
    })
    expect(evaluateFailFast(input(0), memory).lookups).toEqual([])
    expect(evaluateFailFast(input(10_000), memory)).toEqual({
      lookups: [{ kind: 'secret', name: 'app-secret' }],
      verdict: undefined
    })
  })

  it('still missing: verdict', () => {
    expect(
      sequence([
        { at: 0, pods: [broken()] },
        { at: 10_000, pods: [broken()], lookups: { [key]: 'missing' } }
      ])[1]
    ).toBe(`container web in pod ${POD} cannot start: secret "app-secret" not found`)
  })

  it('present now (a controller created it late): the kubelet gets 20 s more to retry', () => {
    const steps: Step[] = [0, 10_000, 29_999, 30_000].map(at => ({
      at,
      pods: [broken()],
      lookups: { [key]: 'present' }
    }))
    expect(sequence(steps)).toEqual([
      undefined,
      undefined,
      undefined,
      `container web in pod ${POD} cannot start: secret "app-secret" not found (the secret exists now, but the kubelet has not started the container within 30 s)`
    ])
  })

  it('a message that names no object: verdict after 10 s, as before', () => {
    expect(
      sequence([
        { at: 0, pods: [broken('something odd')] },
        { at: 10_000, pods: [broken('something odd')] }
      ])[1]
    ).toBe(`container web in pod ${POD} cannot start: something odd`)
  })

  it('a symptom that clears restarts its clock', () => {
    const fine = pod([container({ state: 'running', ready: true })])
    expect(
      sequence([
        { at: 0, pods: [broken()] },
        { at: 5_000, pods: [fine] },
        { at: 6_000, pods: [broken()] },
        { at: 15_000, pods: [broken()], lookups: { [key]: 'missing' } }
      ])
    ).toEqual([undefined, undefined, undefined, undefined])
  })

  it.each([
    ['configmap "app-config" not found', { kind: 'configmap', name: 'app-config' }],
    ['secret "db" not found', { kind: 'secret', name: 'db' }],
    ["couldn't find key password in Secret shop/db", { kind: 'secret', name: 'db', key: 'password' }],
    [
      "couldn't find key LEVEL in ConfigMap shop/settings",
      { kind: 'configmap', name: 'settings', key: 'LEVEL' }
    ],
    ['no such thing', undefined]
  ])('the kubelet message %j names %j', (message, expected) => {
    expect(configReference(message)).toEqual(expected)
  })
})

describe('unschedulable: autoscalers are waited for', () => {
  const insufficient = pod([container()], { unschedulable: '0/1 nodes are available: 1 Insufficient cpu.' })
  const steps = (events: EventRecord[]): Step[] =>
    [0, 29_000, 30_000, 300_000].map(at => ({ at, pods: [insufficient], events }))

  it('no autoscaler: verdict after fail-fast-unschedulable (30 s)', () => {
    expect(sequence(steps([]))).toEqual([
      undefined,
      undefined,
      `pod ${POD} cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu.`,
      `pod ${POD} cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu.`
    ])
  })

  it('the grace is the fail-fast-unschedulable input', () => {
    expect(sequence(steps([]), { unschedulableMs: 300_000 })).toEqual([
      undefined,
      undefined,
      undefined,
      expect.any(String)
    ])
  })

  it.each([
    [
      'cluster-autoscaler TriggeredScaleUp',
      event('TriggeredScaleUp', 'pod triggered scale-up: [{ng-1 1->2 (max: 10)}]', {
        type: 'Normal',
        source: 'cluster-autoscaler'
      })
    ],
    [
      'Karpenter Nominated',
      event('Nominated', 'Pod should schedule on: nodeclaim/default-x2b4c', {
        type: 'Normal',
        source: 'karpenter'
      })
    ]
  ])('%s: no verdict, helm’s timeout decides', (_name, scaling) => {
    expect(sequence(steps([scaling]))).toEqual([undefined, undefined, undefined, undefined])
  })

  it('NotTriggerScaleUp: verdict at once, in the autoscaler’s words', () => {
    const refused = event('NotTriggerScaleUp', "pod didn't trigger scale-up: 1 max node group size reached", {
      type: 'Normal',
      source: 'cluster-autoscaler'
    })
    expect(sequence(steps([refused]))[0]).toBe(
      `pod ${POD} cannot be scheduled: 0/1 nodes are available: 1 Insufficient cpu.; cluster-autoscaler: pod didn't trigger scale-up: 1 max node group size reached`
    )
  })

  it('other scheduling problems never count', () => {
    const tainted = pod([container()], {
      unschedulable: '0/1 nodes are available: 1 node(s) had untolerated taint.'
    })
    expect(
      sequence([
        { at: 0, pods: [tainted] },
        { at: 60_000, pods: [tainted] }
      ])
    ).toEqual([undefined, undefined])
  })
})

describe('workloads', () => {
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
    expect(sequence([{ at: 0, workloads: [workload] }])[0]).toBe(expected)
  })
})

describe('quota and claims', () => {
  const quotaEvent = (count: number): EventRecord =>
    event(
      'FailedCreate',
      'Error creating: pods "web-7d9f-x" is forbidden: exceeded quota: team-quota, requested: pods=1, used: pods=1, limited: pods=1',
      { object: 'ReplicaSet/web-7d9f', count }
    )
  const notReady: WorkloadState = { kind: 'Deployment', name: 'web', desired: 2, ready: 1, conditions: [] }
  const run = (steps: { at: number; count: number; terminating?: boolean; owners?: string[] }[]) => {
    const memory = newVerdictMemory()
    return steps.map(
      s =>
        evaluateFailFast(
          {
            at: s.at,
            pods: [],
            workloads: [notReady],
            events: [quotaEvent(s.count)],
            lookups: new Map(),
            newOwners: new Set(s.owners ?? ['ReplicaSet/web-7d9f']),
            anyTerminating: s.terminating ?? false
          },
          memory
        ).verdict?.message
    )
  }

  it('exceeded quota on the new ReplicaSet for 30 s: verdict', () => {
    expect(
      run([
        { at: 0, count: 1 },
        { at: 29_000, count: 5 },
        { at: 30_000, count: 6 }
      ])
    ).toEqual([
      undefined,
      undefined,
      'ReplicaSet web-7d9f cannot create pods: pods "web-7d9f-x" is forbidden: exceeded quota: team-quota, requested: pods=1, used: pods=1, limited: pods=1'
    ])
  })

  it('not while a pod of the release terminates (a rolling update frees quota), nor on an old ReplicaSet', () => {
    expect(
      run([
        { at: 0, count: 1, terminating: true },
        { at: 40_000, count: 9, terminating: true }
      ])
    ).toEqual([undefined, undefined])
    expect(
      run([
        { at: 0, count: 1, owners: [] },
        { at: 40_000, count: 9, owners: [] }
      ])
    ).toEqual([undefined, undefined])
  })

  it('an event that stopped repeating (the controller stopped failing) is not a verdict', () => {
    expect(
      run([
        { at: 0, count: 3 },
        { at: 100_000, count: 3 },
        { at: 130_000, count: 3 }
      ])
    ).toEqual([undefined, undefined, undefined])
  })

  it('a claim whose storage class does not exist, Pending for 30 s: verdict; once Bound, none', () => {
    const claim = (phase: string, at: number, memory = newVerdictMemory()) =>
      evaluateFailFast(
        {
          at,
          pods: [],
          workloads: [],
          events: [
            event('ProvisioningFailed', 'storageclass.storage.k8s.io "fast-ssd" not found', {
              object: 'PersistentVolumeClaim/data-db-0'
            })
          ],
          lookups: new Map(),
          claims: new Map([['data-db-0', phase]])
        },
        memory
      ).verdict?.message
    const memory = newVerdictMemory()
    expect(claim('Pending', 0, memory)).toBeUndefined()
    expect(claim('Pending', 30_000, memory)).toBe(
      'PersistentVolumeClaim data-db-0 cannot bind: storageclass.storage.k8s.io "fast-ssd" not found'
    )
    const bound = newVerdictMemory()
    expect(claim('Bound', 0, bound)).toBeUndefined()
    expect(claim('Bound', 60_000, bound)).toBeUndefined()
  })
})
