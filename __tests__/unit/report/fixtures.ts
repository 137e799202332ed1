/** Deploy reports and diagnostics for the renderer and comment tests: one per scenario the issue names. */
import type { Diagnostics } from '../../../src/kube/diagnostics.js'
import type { HistoryEntry } from '../../../src/helm/outcome.js'
import { REPORT_SCHEMA, type DeployReport } from '../../../src/report/model.js'

/** A report and what the watcher captured (the renderer reads both from the report). */
export interface Scenario {
  report: DeployReport
  diagnostics?: Diagnostics
}

export const NOW = Date.parse('2026-11-25T10:05:00Z')
export const RUN_URL = 'https://github.com/acme/shop/actions/runs/4242'

function entry(revision: number, status: string, description: string): HistoryEntry {
  return {
    revision,
    updated: `2026-11-25T10:0${revision - 1}:00.123456789Z`,
    status,
    chart: 'web-1.4.0',
    appVersion: '2.1.0',
    description
  }
}

function base(overrides: Partial<DeployReport>): DeployReport {
  return {
    schema: REPORT_SCHEMA,
    release: 'web',
    namespace: 'shop',
    environment: 'staging',
    kubeContext: '',
    mode: 'upgrade-install',
    chart: './charts/web',
    chartVersion: '1.4.0',
    helm: { version: 'v4.1.4', path: '/opt/hostedtoolcache/helm/4.1.4/x64/helm' },
    kubectl: { path: '/usr/local/bin/kubectl' },
    status: 'deployed',
    revision: 4,
    previousRevision: 3,
    rolledBack: false,
    failureReason: null,
    cause: null,
    commit: '',
    helmError: null,
    detail: null,
    recoveries: [],
    history: [
      entry(1, 'superseded', 'Install complete'),
      entry(2, 'superseded', 'Upgrade complete'),
      entry(3, 'superseded', 'Upgrade complete'),
      entry(4, 'deployed', 'Upgrade complete')
    ],
    timings: {
      startedAt: '2026-11-25T10:03:00.000Z',
      finishedAt: '2026-11-25T10:04:12.500Z',
      durationMs: 72_500,
      installMs: 2_300,
      helmMs: 68_900
    },
    ...overrides
  }
}

export const success: Scenario = {
  report: base({}),
  diagnostics: {
    workloads: [
      { kind: 'Deployment', name: 'web', desired: 2, ready: 2, conditions: [] },
      { kind: 'StatefulSet', name: 'web-cache', desired: 1, ready: 1, conditions: [] }
    ],
    pods: [],
    events: [],
    logs: [],
    observations: 14
  }
}

const rolledBackHistory = [
  entry(2, 'superseded', 'Upgrade complete'),
  entry(3, 'superseded', 'Upgrade complete'),
  entry(4, 'failed', 'Upgrade "web" failed: context canceled'),
  entry(5, 'deployed', 'Rollback to 3')
]

export const crashLoop: Scenario = {
  report: base({
    status: 'rolled-back',
    revision: 5,
    previousRevision: 3,
    rolledBack: true,
    failureReason:
      'fail-fast: container web in pod web-7d9f8c6b5-x2k4p crash-looping (exit code 1, 2 restarts)',
    cause: {
      source: 'fail-fast',
      rule: 'crash-loop',
      message: 'container web in pod web-7d9f8c6b5-x2k4p crash-looping (exit code 1, 2 restarts)'
    },
    helmError: 'context canceled',
    detail: 'rolled back to revision 3 as revision 5',
    history: rolledBackHistory,
    changes: ['image ghcr.io/acme/web 2.1.0 → 2.2.0', 'replicas 2 → 3'],
    timings: {
      startedAt: '2026-11-25T10:03:00.000Z',
      finishedAt: '2026-11-25T10:04:12.500Z',
      durationMs: 72_500,
      installMs: 2_300,
      helmMs: 68_900,
      helmStartedAt: '2026-11-25T10:03:02.300Z'
    }
  }),
  diagnostics: {
    workloads: [
      {
        kind: 'Deployment',
        name: 'web',
        desired: 2,
        ready: 1,
        conditions: [
          'Available=False MinimumReplicasUnavailable: Deployment does not have minimum availability.'
        ]
      }
    ],
    pods: [
      {
        name: 'web-7d9f8c6b5-x2k4p',
        phase: 'Running',
        node: 'kind-control-plane',
        owner: 'Deployment/web',
        conditions: ['Ready=False ContainersNotReady: containers with unready status: [web]'],
        containers: [
          {
            name: 'web',
            image: 'ghcr.io/acme/web:2.2.0',
            ready: false,
            restartCount: 2,
            state: 'waiting',
            reason: 'CrashLoopBackOff',
            message: 'back-off 20s restarting failed container=web pod=web-7d9f8c6b5-x2k4p_shop(6b1c)',
            lastTermination: { exitCode: 1, reason: 'Error', finishedAt: '2026-11-25T10:03:50Z' }
          }
        ],
        revision: 'new' as const,
        ready: false,
        notReadySince: '2026-11-25T10:03:12Z',
        observedAt: '2026-11-25T10:03:56.400Z',
        terminating: false,
        deleted: true
      }
    ],
    events: [
      {
        type: 'Normal',
        reason: 'Started',
        object: 'Pod/web-7d9f8c6b5-x2k4p',
        message: 'Started container web',
        count: 3,
        firstSeen: '2026-11-25T10:03:11Z',
        lastSeen: '2026-11-25T10:03:49Z'
      },
      {
        type: 'Normal',
        reason: 'Pulled',
        object: 'Pod/web-7d9f8c6b5-x2k4p',
        message: 'Container image "ghcr.io/acme/web:2.2.0" already present on machine',
        count: 3,
        firstSeen: '2026-11-25T10:03:10Z',
        lastSeen: '2026-11-25T10:03:48Z'
      },
      {
        type: 'Warning',
        reason: 'BackOff',
        object: 'Pod/web-7d9f8c6b5-x2k4p',
        message: 'Back-off restarting failed container web in pod web-7d9f8c6b5-x2k4p_shop(6b1c)',
        count: 2,
        firstSeen: '2026-11-25T10:03:30Z',
        lastSeen: '2026-11-25T10:03:55Z'
      }
    ],
    logs: [
      {
        pod: 'web-7d9f8c6b5-x2k4p',
        container: 'web',
        previous: true,
        lines: [
          '2026-11-25T10:03:49Z INFO starting web 2.2.0',
          '2026-11-25T10:03:49Z INFO reading config from /etc/web/config.yaml',
          '2026-11-25T10:03:50Z FATAL missing required setting DATABASE_URL'
        ],
        truncated: false
      },
      {
        // The current instance, back in its back-off, logged the same lines: shown once.
        pod: 'web-7d9f8c6b5-x2k4p',
        container: 'web',
        previous: false,
        lines: [
          '2026-11-25T10:03:49Z INFO starting web 2.2.0',
          '2026-11-25T10:03:49Z INFO reading config from /etc/web/config.yaml',
          '2026-11-25T10:03:50Z FATAL missing required setting DATABASE_URL'
        ],
        truncated: false
      }
    ],
    verdict: {
      rule: 'crash-loop',
      message: 'container web in pod web-7d9f8c6b5-x2k4p crash-looping (exit code 1, 2 restarts)',
      at: Date.parse('2026-11-25T10:03:56Z'),
      phase: 'wait',
      pod: 'web-7d9f8c6b5-x2k4p',
      revision: 'new'
    },
    observations: 31
  }
}

export const nodePort: Scenario = {
  report: base({
    status: 'rolled-back',
    revision: 5,
    previousRevision: 3,
    rolledBack: true,
    failureReason:
      'cannot patch "qa101-svc" with kind Service: Service "qa101-svc" is invalid: spec.ports[0].nodePort: Invalid value: 31231: provided port is already allocated',
    cause: {
      source: 'helm',
      message:
        'cannot patch "qa101-svc" with kind Service: Service "qa101-svc" is invalid: spec.ports[0].nodePort: Invalid value: 31231: provided port is already allocated'
    },
    detail: 'rolled back to revision 3 as revision 5',
    history: rolledBackHistory,
    timings: {
      startedAt: '2026-11-25T10:03:00.000Z',
      finishedAt: '2026-11-25T10:03:04.000Z',
      durationMs: 4_000,
      installMs: 1_200,
      helmMs: 2_400
    }
  })
}

export const atomicOff: Scenario = {
  report: base({
    status: 'failed',
    revision: 3,
    previousRevision: 3,
    rolledBack: false,
    failureReason:
      'fail-fast: container web in pod web-5c6d7e8f9-abcde cannot pull image registry.invalid/x:latest',
    cause: {
      source: 'fail-fast',
      rule: 'image-pull',
      message: 'container web in pod web-5c6d7e8f9-abcde cannot pull image registry.invalid/x:latest'
    },
    helmError: 'resource Deployment/shop/web not ready. status: InProgress, message: Available: 0/2',
    detail: 'atomic is off, so nothing was rolled back; revision 4 is failed',
    history: [
      entry(2, 'superseded', 'Upgrade complete'),
      entry(3, 'deployed', 'Upgrade complete'),
      entry(4, 'failed', 'Upgrade "web" failed: context deadline exceeded')
    ]
  }),
  diagnostics: {
    workloads: [{ kind: 'Deployment', name: 'web', desired: 2, ready: 0, conditions: [] }],
    pods: [
      {
        name: 'web-5c6d7e8f9-abcde',
        phase: 'Pending',
        owner: 'Deployment/web',
        conditions: [],
        containers: [
          {
            name: 'web',
            image: 'registry.invalid/x:latest',
            ready: false,
            restartCount: 0,
            state: 'waiting',
            reason: 'ImagePullBackOff',
            message: 'Back-off pulling image "registry.invalid/x:latest"'
          }
        ],
        revision: 'new' as const,
        ready: false,
        terminating: false,
        deleted: false
      }
    ],
    events: [
      {
        type: 'Warning',
        reason: 'Failed',
        object: 'Pod/web-5c6d7e8f9-abcde',
        message:
          'Failed to pull image "registry.invalid/x:latest": dial tcp: lookup registry.invalid: no such host',
        count: 4,
        lastSeen: '2026-11-25T10:04:00Z'
      }
    ],
    logs: [],
    verdict: {
      rule: 'image-pull',
      message: 'container web in pod web-5c6d7e8f9-abcde cannot pull image registry.invalid/x:latest',
      at: Date.parse('2026-11-25T10:04:01Z'),
      phase: 'wait',
      pod: 'web-5c6d7e8f9-abcde',
      revision: 'new'
    },
    observations: 9
  }
}

/** Enough pods, events and log lines to overflow a comment many times over. */
export function huge(): Scenario {
  const pods = Array.from({ length: 40 }, (_, i) => ({
    name: `worker-${String(i).padStart(2, '0')}`,
    phase: 'Running',
    conditions: [],
    containers: [
      {
        name: 'worker',
        image: 'ghcr.io/acme/worker:1',
        ready: false,
        restartCount: 3,
        state: 'waiting' as const,
        reason: 'CrashLoopBackOff',
        message: 'back-off 40s restarting failed container '.repeat(10)
      }
    ],
    revision: 'new' as const,
    ready: false,
    terminating: false,
    deleted: false
  }))
  return {
    report: crashLoop.report,
    diagnostics: {
      workloads: [{ kind: 'Deployment', name: 'worker', desired: 40, ready: 0, conditions: [] }],
      pods,
      events: Array.from({ length: 200 }, (_, i) => ({
        type: i % 3 === 0 ? 'Normal' : 'Warning',
        reason: 'BackOff',
        object: `Pod/worker-${String(i % 40).padStart(2, '0')}`,
        message: `Back-off restarting failed container (${i}) `.repeat(8),
        count: i + 1,
        lastSeen: '2026-11-25T10:04:00Z'
      })),
      logs: pods.map(p => ({
        pod: p.name,
        container: 'worker',
        previous: true,
        lines: Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(400)}`),
        truncated: true
      })),
      verdict: crashLoop.diagnostics?.verdict,
      observations: 50
    }
  }
}

/** `test: true`: both tests passed after the deploy. */
export const testsPassed: Scenario = {
  report: base({
    tests: {
      result: 'passed',
      durationMs: 4_100,
      tests: [
        {
          name: 'web-test-connection',
          kind: 'Pod',
          phase: 'Succeeded',
          pod: 'web-test-connection',
          exitCode: 0,
          durationMs: 2_300,
          log: {
            pod: 'web-test-connection',
            container: 'wget',
            previous: false,
            lines: ['Connecting to web:80 (10.96.12.7:80)', "saving to 'index.html'"],
            truncated: false
          },
          events: []
        },
        {
          name: 'web-test-checkout',
          kind: 'Pod',
          phase: 'Succeeded',
          pod: 'web-test-checkout',
          exitCode: 0,
          durationMs: 1_700,
          events: []
        }
      ]
    }
  }),
  diagnostics: success.diagnostics
}

/** `test: true`: the upgrade was healthy, its test failed, and it was rolled back to revision 3. */
export const testFailed: Scenario = {
  report: base({
    status: 'rolled-back',
    revision: 5,
    previousRevision: 3,
    rolledBack: true,
    failureReason: 'helm test failed: pod web-test-checkout exited with code 3',
    cause: { source: 'test', message: 'pod web-test-checkout exited with code 3' },
    detail: 'rolled back to revision 3 as revision 5',
    history: [
      entry(2, 'superseded', 'Upgrade complete'),
      entry(3, 'superseded', 'Upgrade complete'),
      entry(4, 'superseded', 'Upgrade complete'),
      entry(5, 'deployed', 'Rollback to 3')
    ],
    tests: {
      result: 'failed',
      durationMs: 3_200,
      helmError: 'pod web-test-checkout failed',
      tests: [
        {
          name: 'web-test-connection',
          kind: 'Pod',
          phase: 'Succeeded',
          pod: 'web-test-connection',
          exitCode: 0,
          durationMs: 1_100,
          events: []
        },
        {
          name: 'web-test-checkout',
          kind: 'Pod',
          phase: 'Failed',
          pod: 'web-test-checkout',
          exitCode: 3,
          durationMs: 2_000,
          reason: 'pod web-test-checkout exited with code 3',
          log: {
            pod: 'web-test-checkout',
            container: 'check',
            previous: false,
            lines: ['POST /checkout -> 502 Bad Gateway', 'FAIL: expected 200 | got 502 <from upstream>'],
            truncated: false
          },
          events: [
            {
              type: 'Normal',
              reason: 'Started',
              object: 'Pod/web-test-checkout',
              message: 'Started container check',
              count: 1,
              source: 'kubelet',
              lastSeen: '2026-11-25T10:04:09Z'
            }
          ]
        },
        { name: 'web-test-zz-cleanup', kind: 'Job', phase: 'NotRun', events: [] }
      ]
    }
  }),
  diagnostics: success.diagnostics
}
