import { describe, expect, it } from 'vitest'
import {
  belongsToRelease,
  podRevision,
  sortEvents,
  toEventRecord,
  toPodDiagnosis,
  toWorkloadState,
  type KubeItem
} from '../../../src/kube/objects.js'

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
      'Deployment/web',
      'new'
    )
    expect(pod).toEqual({
      name: 'web-7d9f-x2b4c',
      phase: 'Running',
      node: 'node-1',
      owner: 'Deployment/web',
      revision: 'new',
      conditions: ['Ready=False ContainersNotReady: containers with unready status: [web]'],
      ready: false,
      terminating: false,
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
          lastTermination: {
            exitCode: 137,
            reason: 'OOMKilled',
            startedAt: undefined,
            finishedAt: '2026-11-25T10:00:00Z'
          }
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
      undefined,
      'new'
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

describe('events.k8s.io/v1 events seen through core/v1', () => {
  it('take count and last-seen from series, and the reporting controller as source', () => {
    expect(
      toEventRecord({
        metadata: meta('big-1.abc'),
        type: 'Warning',
        reason: 'FailedScheduling',
        message: '0/1 nodes are available: 1 Insufficient cpu.',
        count: 0,
        firstTimestamp: null,
        lastTimestamp: null,
        eventTime: '2026-11-25T10:00:00.000001Z',
        series: { count: 7, lastObservedTime: '2026-11-25T10:05:00.000002Z' },
        reportingComponent: 'default-scheduler',
        source: {},
        involvedObject: { kind: 'Pod', name: 'big-1' }
      })
    ).toEqual({
      type: 'Warning',
      reason: 'FailedScheduling',
      object: 'Pod/big-1',
      message: '0/1 nodes are available: 1 Insufficient cpu.',
      count: 7,
      source: 'default-scheduler',
      firstSeen: '2026-11-25T10:00:00.000001Z',
      lastSeen: '2026-11-25T10:05:00.000002Z'
    })
  })
})

describe('which revision a pod belongs to', () => {
  const uid = (name: string): string => `uid-${name}`
  const item = (kind: string, name: string, extra: Partial<KubeItem> & { owner?: string } = {}): KubeItem => {
    const { owner, ...rest } = extra
    return {
      kind,
      ...rest,
      metadata: {
        ...meta(name),
        uid: uid(name),
        ...(owner
          ? { ownerReferences: [{ kind: 'X', name: owner, uid: uid(owner), controller: true }] }
          : {}),
        ...rest.metadata
      }
    }
  }
  const revision = (n: string): Record<string, string> => ({ 'deployment.kubernetes.io/revision': n })
  const deployment = (rev: string, observed = true): KubeItem =>
    item('Deployment', 'web', {
      metadata: { ...meta('web'), uid: uid('web'), generation: 4, annotations: revision(rev) },
      status: { observedGeneration: observed ? 4 : 3 }
    })
  const rs = (name: string, rev: string): KubeItem =>
    item('ReplicaSet', name, {
      owner: 'web',
      metadata: {
        ...meta(name),
        uid: uid(name),
        annotations: revision(rev),
        ownerReferences: [{ kind: 'Deployment', name: 'web', uid: uid('web'), controller: true }]
      }
    })
  const podOf = (owner: string, labels: Record<string, string> = {}): KubeItem =>
    item('Pod', `${owner}-x`, {
      metadata: {
        ...meta(`${owner}-x`),
        uid: uid(`${owner}-x`),
        labels,
        ownerReferences: [{ kind: 'X', name: owner, uid: uid(owner), controller: true }]
      }
    })
  const index = (...items: KubeItem[]): Map<string, KubeItem> => new Map(items.map(i => [i.metadata.uid, i]))
  const template = (tag: string, hash?: string): NonNullable<KubeItem['spec']>['template'] => ({
    metadata: { labels: { app: 'web', ...(hash ? { 'pod-template-hash': hash } : {}) } },
    spec: { containers: [{ name: 'web', image: `web:${tag}` }] }
  })

  it.each<[string, KubeItem, Map<string, KubeItem>, 'new' | 'old']>([
    [
      "a Deployment's current ReplicaSet",
      podOf('web-new'),
      index(deployment('3'), rs('web-new', '3'), rs('web-old', '2')),
      'new'
    ],
    [
      'an older ReplicaSet',
      podOf('web-old'),
      index(deployment('3'), rs('web-new', '3'), rs('web-old', '2')),
      'old'
    ],
    [
      'while the controller has not seen the new spec',
      podOf('web-new'),
      index(deployment('3', false), rs('web-new', '3')),
      'old'
    ],
    ['a bare ReplicaSet', podOf('solo'), index(item('ReplicaSet', 'solo')), 'new'],
    [
      "the ReplicaSet of the Deployment's template, whatever the revision annotations say (controller lag)",
      podOf('web-new'),
      index(
        { ...deployment('2'), spec: { template: template('v3') } },
        { ...rs('web-new', '2'), spec: { template: template('v3', 'abc12') } }
      ),
      'new'
    ],
    [
      'a ReplicaSet of another template, even with the current revision number',
      podOf('web-old'),
      index(
        { ...deployment('3'), spec: { template: template('v3') } },
        { ...rs('web-old', '3'), spec: { template: template('v2', 'def34') } }
      ),
      'old'
    ],
    [
      "a StatefulSet's update revision",
      podOf('db', { 'controller-revision-hash': 'db-7f' }),
      index(item('StatefulSet', 'db', { status: { updateRevision: 'db-7f' } })),
      'new'
    ],
    [
      "a StatefulSet's older revision",
      podOf('db', { 'controller-revision-hash': 'db-6a' }),
      index(item('StatefulSet', 'db', { status: { updateRevision: 'db-7f' } })),
      'old'
    ],
    [
      "a DaemonSet's template generation",
      podOf('agent', { 'pod-template-generation': '2' }),
      index(
        item('DaemonSet', 'agent', {
          metadata: {
            ...meta('agent'),
            uid: uid('agent'),
            generation: 5,
            annotations: { 'deprecated.daemonset.template.generation': '2' }
          },
          status: { observedGeneration: 5 }
        })
      ),
      'new'
    ],
    [
      "a DaemonSet's older template",
      podOf('agent', { 'pod-template-generation': '1' }),
      index(item('DaemonSet', 'agent', { metadata: { ...meta('agent'), uid: uid('agent'), generation: 2 } })),
      'old'
    ],
    ["a Job's pod", podOf('migrate'), index(item('Job', 'migrate')), 'new'],
    ['a bare pod', item('Pod', 'tester'), index(), 'new']
  ])('%s', (_name, pod, byUid, expected) => {
    expect(podRevision(pod, byUid)).toBe(expected)
  })
})
