import { describe, expect, it } from 'vitest'
import {
  belongsToRelease,
  sortEvents,
  toEventRecord,
  toPodDiagnosis,
  toWorkloadState,
  type KubeItem
} from '../../src/kube/objects.js'

const meta = (name: string, annotations: Record<string, string> = {}): KubeItem['metadata'] => ({
  name,
  uid: `uid-${name}`,
  annotations
})

describe('release ownership', () => {
  it.each([
    [{ 'meta.helm.sh/release-name': 'web', 'meta.helm.sh/release-namespace': 'prod' }, true],
    [{ 'meta.helm.sh/release-name': 'web', 'meta.helm.sh/release-namespace': 'staging' }, false],
    [{ 'meta.helm.sh/release-name': 'web-canary', 'meta.helm.sh/release-namespace': 'prod' }, false],
    [{ 'app.kubernetes.io/instance': 'web' }, false]
  ])('annotations %j → ours: %s', (annotations, expected) => {
    expect(belongsToRelease({ kind: 'Deployment', metadata: meta('web', annotations) }, 'web', 'prod')).toBe(
      expected
    )
  })
})

describe('workload state', () => {
  it('a Deployment past its progress deadline', () => {
    const state = toWorkloadState({
      kind: 'Deployment',
      metadata: meta('web'),
      spec: { replicas: 2 },
      status: {
        readyReplicas: 1,
        conditions: [
          {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.'
          },
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "web-5d" has timed out progressing.'
          }
        ]
      }
    })
    expect(state).toEqual({
      kind: 'Deployment',
      name: 'web',
      desired: 2,
      ready: 1,
      conditions: [
        'Available=False MinimumReplicasUnavailable: Deployment does not have minimum availability.',
        'Progressing=False ProgressDeadlineExceeded: ReplicaSet "web-5d" has timed out progressing.'
      ],
      failure: {
        reason: 'ProgressDeadlineExceeded',
        message: 'ReplicaSet "web-5d" has timed out progressing.'
      }
    })
  })

  it('a failed hook Job', () => {
    const state = toWorkloadState({
      kind: 'Job',
      metadata: meta('web-migrate', { 'helm.sh/hook': 'pre-upgrade' }),
      status: {
        failed: 1,
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'BackoffLimitExceeded',
            message: 'Job has reached the specified backoff limit'
          }
        ]
      }
    })
    expect(state).toMatchObject({
      desired: 1,
      ready: 0,
      hook: 'pre-upgrade',
      failure: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
    })
  })

  it('a DaemonSet counts scheduled and ready pods', () => {
    expect(
      toWorkloadState({
        kind: 'DaemonSet',
        metadata: meta('agent'),
        status: { desiredNumberScheduled: 3, numberReady: 2 }
      })
    ).toMatchObject({ desired: 3, ready: 2, conditions: [] })
  })
})

describe('pod diagnosis', () => {
  it('a crash-looping container with its last termination', () => {
    const pod = toPodDiagnosis(
      {
        kind: 'Pod',
        metadata: meta('web-7d9f-x2b4c'),
        spec: { nodeName: 'node-1', containers: [{ name: 'web', image: 'shop:1.3' }] },
        status: {
          phase: 'Running',
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'ContainersNotReady',
              message: 'containers with unready status: [web]'
            }
          ],
          containerStatuses: [
            {
              name: 'web',
              image: 'shop:1.3',
              ready: false,
              restartCount: 3,
              state: {
                waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' }
              },
              lastState: {
                terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-11-25T10:00:00Z' }
              }
            }
          ]
        }
      },
      'Deployment/web'
    )
    expect(pod).toEqual({
      name: 'web-7d9f-x2b4c',
      phase: 'Running',
      node: 'node-1',
      owner: 'Deployment/web',
      conditions: ['Ready=False ContainersNotReady: containers with unready status: [web]'],
      deleted: false,
      containers: [
        {
          name: 'web',
          image: 'shop:1.3',
          ready: false,
          restartCount: 3,
          state: 'waiting',
          reason: 'CrashLoopBackOff',
          message: 'back-off 40s restarting failed container',
          lastTermination: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-11-25T10:00:00Z' }
        }
      ]
    })
  })

  it('an unschedulable pod keeps its containers from the spec and the scheduler message', () => {
    const pod = toPodDiagnosis(
      {
        kind: 'Pod',
        metadata: meta('big-1'),
        spec: { containers: [{ name: 'web', image: 'shop:1.3' }] },
        status: {
          phase: 'Pending',
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/1 nodes are available: 1 Insufficient cpu.'
            }
          ]
        }
      },
      undefined
    )
    expect(pod.unschedulable).toBe('0/1 nodes are available: 1 Insufficient cpu.')
    expect(pod.containers).toEqual([
      { name: 'web', image: 'shop:1.3', ready: false, restartCount: 0, state: 'unknown' }
    ])
  })
})

describe('events', () => {
  it('records events and sorts Warnings first, then newest', () => {
    const event = (type: string, reason: string, last: string, name = 'web-1') =>
      toEventRecord({
        metadata: meta(`${name}.${reason}`),
        type,
        reason,
        message: ` ${reason} happened \n`,
        count: 2,
        firstTimestamp: '2026-11-25T10:00:00Z',
        lastTimestamp: last,
        involvedObject: { kind: 'Pod', name }
      })
    const sorted = sortEvents([
      event('Normal', 'Pulled', '2026-11-25T10:00:05Z'),
      event('Warning', 'BackOff', '2026-11-25T10:00:03Z'),
      event('Warning', 'Failed', '2026-11-25T10:00:04Z')
    ])
    expect(sorted.map(e => e.reason)).toEqual(['Failed', 'BackOff', 'Pulled'])
    expect(sorted[0]).toEqual({
      type: 'Warning',
      reason: 'Failed',
      object: 'Pod/web-1',
      message: 'Failed happened',
      count: 2,
      firstSeen: '2026-11-25T10:00:00Z',
      lastSeen: '2026-11-25T10:00:04Z'
    })
  })

  it('events.k8s.io-style records without first/last timestamps use eventTime', () => {
    const record = toEventRecord({
      metadata: meta('x'),
      reason: 'Scheduled',
      message: 'ok',
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: '2026-11-25T10:00:00.123456Z',
      involvedObject: { kind: 'Pod', name: 'web-1' }
    })
    expect(record).toMatchObject({
      type: 'Normal',
      count: 1,
      firstSeen: '2026-11-25T10:00:00.123456Z',
      lastSeen: '2026-11-25T10:00:00.123456Z'
    })
  })
})
