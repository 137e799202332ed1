import { describe, expect, it } from 'vitest'
import {
  buildTestResults,
  testErrorText,
  testFailureCause,
  type TestEvidence
} from '../../../src/deploy/test-results.js'
import type { ReleaseHook } from '../../../src/helm/hooks.js'
import type {
  ContainerDiagnosis,
  Diagnostics,
  EventRecord,
  LogTail,
  PodDiagnosis,
  Verdict
} from '../../../src/kube/diagnostics.js'

const T0 = Date.parse('2026-11-25T10:04:00Z')

function hook(name: string, phase: string, ran?: [number, number?], kind = 'Pod'): ReleaseHook {
  const h: ReleaseHook = { kind, name, events: ['test'], weight: 0, phase }
  if (ran) h.startedAt = T0 + ran[0]
  if (ran?.[1] !== undefined) h.completedAt = T0 + ran[1]
  return h
}

function container(overrides: Partial<ContainerDiagnosis> = {}): ContainerDiagnosis {
  return {
    name: 'test',
    image: 'registry.example.com/smoke:1',
    ready: false,
    restartCount: 0,
    state: 'terminated',
    exitCode: 0,
    reason: 'Completed',
    ...overrides
  }
}

function pod(name: string, phase: string, containers: ContainerDiagnosis[], owner?: string): PodDiagnosis {
  return {
    name,
    phase,
    revision: 'new',
    conditions: [],
    ready: false,
    containers,
    terminating: false,
    deleted: false,
    ...(owner ? { owner } : {})
  }
}

function log(podName: string, lines: string[], containerName = 'test'): LogTail {
  return { pod: podName, container: containerName, previous: false, lines, truncated: false }
}

function event(object: string, reason: string, type = 'Normal', message = ''): EventRecord {
  return { type, reason, object, message, count: 1 }
}

function diagnostics(d: Partial<Diagnostics>): Diagnostics {
  return { workloads: [], pods: [], events: [], logs: [], observations: 3, ...d }
}

function evidence(e: Partial<TestEvidence>): TestEvidence {
  return {
    hooks: [],
    exitCode: 0,
    stderr: '',
    durationMs: 1_500,
    endedAt: T0 + 2_000,
    timeout: '5m0s',
    ...e
  }
}

const PULL_VERDICT: Verdict = {
  rule: 'image-pull',
  message:
    'container test in pod web-test-pull cannot pull image registry.invalid/smoke:1 (ImagePullBackOff, 2 failed pulls: lookup registry.invalid: no such host)',
  at: T0 + 1_500,
  phase: 'wait',
  pod: 'web-test-pull',
  revision: 'new'
}

describe('buildTestResults', () => {
  it('all passed: each test with its phase, exit code, duration, log and its own events only', () => {
    const results = buildTestResults(
      evidence({
        hooks: [hook('web-test-a', 'Succeeded', [0, 400]), hook('web-test-b', 'Succeeded', [500, 1_250])],
        diagnostics: diagnostics({
          pods: [
            pod('web-test-a', 'Succeeded', [container()]),
            pod('web-test-b', 'Succeeded', [container()])
          ],
          logs: [log('web-test-a', ['ok a']), log('web-test-b', ['ok b'])],
          events: [event('Pod/web-test-a', 'Started'), event('Pod/web-test-b', 'Started')]
        })
      })
    )
    expect(results).toEqual({
      result: 'passed',
      durationMs: 1_500,
      tests: [
        {
          name: 'web-test-a',
          kind: 'Pod',
          phase: 'Succeeded',
          pod: 'web-test-a',
          exitCode: 0,
          durationMs: 400,
          log: log('web-test-a', ['ok a']),
          events: [event('Pod/web-test-a', 'Started')]
        },
        {
          name: 'web-test-b',
          kind: 'Pod',
          phase: 'Succeeded',
          pod: 'web-test-b',
          exitCode: 0,
          durationMs: 750,
          log: log('web-test-b', ['ok b']),
          events: [event('Pod/web-test-b', 'Started')]
        }
      ]
    })
  })

  it.each<[string, TestEvidence, string, Record<string, unknown>]>([
    [
      'a test pod that exited non-zero (later tests never ran)',
      evidence({
        exitCode: 1,
        stderr: 'Error: 1 error occurred:\n\t* pod web-test-a failed\n\n',
        hooks: [hook('web-test-a', 'Failed', [0, 300]), hook('web-test-b', '')],
        diagnostics: diagnostics({
          pods: [pod('web-test-a', 'Failed', [container({ exitCode: 3, reason: 'Error' })])]
        })
      }),
      'pod web-test-a exited with code 3',
      { phase: 'Failed', exitCode: 3, durationMs: 300 }
    ],
    [
      'a test killed for its memory',
      evidence({
        exitCode: 1,
        hooks: [hook('web-test-a', 'Failed', [0, 300])],
        diagnostics: diagnostics({
          pods: [pod('web-test-a', 'Failed', [container({ exitCode: 137, reason: 'OOMKilled' })])]
        })
      }),
      'pod web-test-a exited with code 137 (OOMKilled)',
      { exitCode: 137 }
    ],
    [
      'a test pod with a sidecar: the container that failed is named',
      evidence({
        exitCode: 1,
        hooks: [hook('web-test-a', 'Failed', [0, 300])],
        diagnostics: diagnostics({
          pods: [
            pod('web-test-a', 'Failed', [
              container({ name: 'proxy' }),
              container({ name: 'check', exitCode: 2, reason: 'Error' })
            ])
          ]
        })
      }),
      'container check in pod web-test-a exited with code 2',
      { exitCode: 2 }
    ],
    [
      'a Job test: its failed pod',
      evidence({
        exitCode: 1,
        hooks: [hook('web-db-check', 'Failed', [0, 900], 'Job')],
        diagnostics: diagnostics({
          pods: [
            pod(
              'web-db-check-aaaaa',
              'Failed',
              [container({ exitCode: 1, reason: 'Error' })],
              'Job/web-db-check'
            )
          ]
        })
      }),
      'pod web-db-check-aaaaa of Job web-db-check exited with code 1',
      { kind: 'Job', pod: 'web-db-check-aaaaa', exitCode: 1 }
    ],
    [
      'fail-fast ended helm test: the running test failed with the verdict, until helm was stopped',
      evidence({
        exitCode: 128,
        hooks: [hook('web-test-pull', 'Running', [0])],
        diagnostics: diagnostics({
          verdict: PULL_VERDICT,
          pods: [
            pod('web-test-pull', 'Pending', [
              container({ state: 'waiting', reason: 'ImagePullBackOff', exitCode: undefined })
            ])
          ]
        })
      }),
      PULL_VERDICT.message,
      { phase: 'Failed', durationMs: 2_000 }
    ],
    [
      'helm test timed out (fail-fast off): what the pod was waiting for',
      evidence({
        exitCode: 1,
        timeout: '30s',
        stderr: 'Error: 1 error occurred:\n\t* timed out waiting for the condition\n',
        hooks: [hook('web-test-a', 'Failed', [0, 30_000])],
        diagnostics: diagnostics({
          pods: [
            pod('web-test-a', 'Pending', [
              container({
                state: 'waiting',
                reason: 'ImagePullBackOff',
                message: 'Back-off pulling image "x"',
                exitCode: undefined
              })
            ])
          ]
        })
      }),
      'pod web-test-a did not finish within 30s (ImagePullBackOff: Back-off pulling image "x")',
      { phase: 'Failed', durationMs: 30_000 }
    ],
    [
      'a test pod the scheduler could not place',
      evidence({
        exitCode: 1,
        hooks: [hook('web-test-a', 'Failed', [0, 30_000])],
        diagnostics: diagnostics({
          pods: [
            {
              ...pod('web-test-a', 'Pending', [container({ state: 'unknown', exitCode: undefined })]),
              unschedulable: '0/1 nodes are available: 1 Insufficient cpu.'
            }
          ]
        })
      }),
      'pod web-test-a did not finish within 5m0s (unschedulable: 0/1 nodes are available: 1 Insufficient cpu.)',
      {}
    ],
    [
      'no watcher (helm 4): helm’s own error',
      evidence({
        exitCode: 1,
        stderr:
          'Error: resource Pod/shop/web-test-a not ready. status: Failed, message: pod web-test-a failed\n',
        hooks: [hook('web-test-a', 'Failed', [0, 100])]
      }),
      'resource Pod/shop/web-test-a not ready. status: Failed, message: pod web-test-a failed',
      { events: [] }
    ]
  ])('%s', (_what, given, reason, fields) => {
    const results = buildTestResults(given)
    expect(results.result).toBe('failed')
    expect(results.tests[0]).toMatchObject({ reason, ...fields })
    expect(testFailureCause(results)).toMatchObject({ source: 'test', message: reason })
    if (given.hooks[1]) expect(results.tests[1]).toEqual({ ...results.tests[1], phase: 'NotRun' })
  })

  it('a verdict gives the cause its rule; reads that failed make the results partial', () => {
    const results = buildTestResults(
      evidence({
        exitCode: 128,
        hooks: [hook('web-test-pull', 'Running', [0])],
        diagnostics: diagnostics({
          verdict: PULL_VERDICT,
          partial: 'partial: reading events failed: timeout'
        }),
        partial: ['cannot read the hooks of release web: connection refused']
      })
    )
    expect(testFailureCause(results)).toEqual({
      source: 'test',
      rule: 'image-pull',
      message: PULL_VERDICT.message
    })
    expect(results.partial).toBe(
      'partial: reading events failed: timeout; cannot read the hooks of release web: connection refused'
    )
    expect(results.verdict).toBe(PULL_VERDICT)
  })

  it('helm test failing without any test record: helm’s error is the cause', () => {
    const results = buildTestResults(
      evidence({ exitCode: 1, stderr: 'Error: Kubernetes cluster unreachable\n' })
    )
    expect(results).toMatchObject({
      result: 'failed',
      tests: [],
      helmError: 'Kubernetes cluster unreachable'
    })
    expect(testFailureCause(results).message).toBe('Kubernetes cluster unreachable')
  })
})

describe('testErrorText', () => {
  it.each([
    ['helm 3', 'Error: 1 error occurred:\n\t* pod web-test-a failed\n\n\n', 'pod web-test-a failed'],
    [
      'helm 3, two errors',
      'Error: 2 errors occurred:\n\t* pod a failed\n\t* timed out waiting for the condition\n',
      'pod a failed; timed out waiting for the condition'
    ],
    [
      'helm 4',
      'Error: resource Pod/n4/a not ready. status: InProgress, message: Pod in progress\ncontext deadline exceeded\n',
      'resource Pod/n4/a not ready. status: InProgress, message: Pod in progress; context deadline exceeded'
    ],
    ['nothing', '', '']
  ])('%s', (_what, stderr, expected) => {
    expect(testErrorText(stderr)).toBe(expected)
  })
})
