import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  classifyOutcome,
  helmErrorText,
  isReleaseNotFound,
  liveRevision,
  parseHelmTimestamp,
  parseHistory,
  pendingLockDecision,
  type HistoryEntry,
  type Outcome,
  type OutcomeFacts
} from '../../../src/helm/outcome.js'

function fixture(name: string): string {
  return readFileSync(new URL(`../../fixtures/helm/${name}`, import.meta.url), 'utf8')
}

function history(name: string): HistoryEntry[] {
  return parseHistory(fixture(`history-${name}.stdout`))
}

function entry(revision: number, status: string, description: string, updated = ''): HistoryEntry {
  return { revision, status, description, updated, chart: 'demo-0.1.0', appVersion: '1.16.0' }
}

describe('parseHistory', () => {
  it('reads helm history -o json into typed entries, oldest first', () => {
    expect(history('rolled-back')).toEqual([
      {
        revision: 1,
        updated: '2026-11-25T16:10:01.100000001Z',
        status: 'superseded',
        chart: 'demo-0.1.0',
        appVersion: '1.16.0',
        description: 'Install complete'
      },
      {
        revision: 2,
        updated: '2026-11-25T16:12:30.250000002Z',
        status: 'failed',
        chart: 'demo-0.1.0',
        appVersion: '1.16.0',
        description: 'Upgrade "r1" failed: context deadline exceeded'
      },
      {
        revision: 3,
        updated: '2026-11-25T16:12:40.123456789Z',
        status: 'deployed',
        chart: 'demo-0.1.0',
        appVersion: '1.16.0',
        description: 'Rollback to 1'
      }
    ])
  })

  it('recognises "release: not found" (an empty history)', () => {
    expect(isReleaseNotFound(fixture('history-not-found.stderr'))).toBe(true)
    expect(isReleaseNotFound(fixture('h4-upgrade-install-unreachable.stderr'))).toBe(false)
  })

  it('tolerates the cancel notice helm prints on stdout before the JSON', () => {
    const stdout = `${fixture('h3-install-cancelled.stdout')}${fixture('history-deployed-v1.stdout')}`
    expect(parseHistory(stdout).map(e => [e.revision, e.status])).toEqual([[1, 'deployed']])
  })

  it('returns an empty history for empty output and for null', () => {
    expect(parseHistory('')).toEqual([])
    expect(parseHistory('null\n')).toEqual([])
  })

  it('keeps Helm 4 entries whose zero updated time is omitted', () => {
    expect(history('h4-zero-updated')).toEqual([entry(1, 'pending-install', 'Initial install underway')])
    expect(history('h3-zero-updated')).toEqual([entry(1, 'pending-install', 'Initial install underway')])
  })

  it('sorts by revision', () => {
    const json = JSON.stringify([
      { revision: 3, status: 'deployed' },
      { revision: 1, status: 'superseded' }
    ])
    expect(parseHistory(json).map(e => e.revision)).toEqual([1, 3])
  })

  it('throws on output that is not a history', () => {
    expect(() => parseHistory('Error: Kubernetes cluster unreachable')).toThrow(/not JSON/)
    expect(() => parseHistory('{"revision":1}')).toThrow(/not a JSON array/)
  })
})

describe('liveRevision', () => {
  it.each([
    ['deployed-v1', 1],
    ['upgraded', 2],
    ['rolled-back', 3],
    ['rollback-failed', 1],
    ['failed-non-atomic', 1],
    ['pending-upgrade', 2],
    ['no-good-revision', undefined],
    ['pending-install', undefined]
  ])('%s → %s', (name, expected) => {
    expect(liveRevision(history(name))).toBe(expected)
  })

  it('is undefined for an empty history', () => {
    expect(liveRevision([])).toBeUndefined()
  })
})

describe('parseHelmTimestamp', () => {
  it.each([
    ['2026-11-25T16:20:43.123456789Z', Date.UTC(2026, 10, 25, 16, 20, 43, 123)],
    ['2026-11-25T16:20:43.123456789+00:00', Date.UTC(2026, 10, 25, 16, 20, 43, 123)],
    ['2026-11-25T18:20:43.123456789+02:00', Date.UTC(2026, 10, 25, 16, 20, 43, 123)],
    ['2026-11-25T16:21:43.5Z', Date.UTC(2026, 10, 25, 16, 21, 43, 500)],
    ['2026-11-25T16:21:53Z', Date.UTC(2026, 10, 25, 16, 21, 53, 0)],
    ['2026-11-25T11:21:53-05:00', Date.UTC(2026, 10, 25, 16, 21, 53, 0)]
  ])('%s', (value, expected) => {
    expect(parseHelmTimestamp(value)).toBe(expected)
  })

  it.each(['', '2026-11-25 16:20:43.36 +0000 UTC', 'yesterday'])('rejects %j', value => {
    expect(parseHelmTimestamp(value)).toBeUndefined()
  })
})

describe('extractFailureReason', () => {
  it.each([
    ['h3-install-atomic-timeout.stderr', 'context deadline exceeded'],
    ['h3-install-hook-failed.stderr', 'failed pre-install: job r1-demo-migrate failed: BackoffLimitExceeded'],
    ['h3-upgrade-install-first-install-timeout.stderr', 'context deadline exceeded'],
    ['h3-upgrade-rolled-back.stderr', 'context deadline exceeded'],
    ['h3-upgrade-no-good-revision.stderr', 'context deadline exceeded'],
    ['h3-upgrade-rollback-failed.stderr', 'context canceled'],
    ['h3-upgrade-rollback-hook-failed.stderr', 'context deadline exceeded'],
    ['h3-upgrade-pending-lock.stderr', 'another operation (install/upgrade/rollback) is in progress'],
    ['h3-install-cancelled.stderr', 'context canceled'],
    ['h3-upgrade-non-atomic-cancelled.stderr', 'context canceled'],
    [
      'h3-install-nodeport-422.stderr',
      'Service "c-3-svc" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
    ],
    [
      'h3-upgrade-install-new-nodeport-422.stderr',
      'Service "b-3-svc" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
    ],
    [
      'h4-install-nodeport-422.stderr',
      'Service "c-4-svc" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
    ],
    [
      'h4-upgrade-install-new-nodeport-422.stderr',
      'Service "b-4-svc" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
    ],
    [
      'h3-upgrade-nodeport-422-rollback-failed.stderr',
      'cannot patch "d-3-svc" with kind Service: Service "d-3-svc" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
    ],
    [
      'h4-upgrade-nodeport-422-rollback-failed.stderr',
      'Service "d-4-svc" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
    ],
    [
      'h3-install-unreachable.stderr',
      'Kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused'
    ],
    [
      'h4-upgrade-install-unreachable.stderr',
      'kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused'
    ],
    [
      'h4-install-atomic-flag-timeout.stderr',
      'resource Deployment/default/r1-demo not ready. status: InProgress, message: Available: 0/1'
    ],
    [
      'h4-upgrade-rolled-back.stderr',
      'resource Deployment/default/r1-demo not ready. status: InProgress, message: Available: 0/1'
    ],
    [
      'h4-install-progress-deadline.stderr',
      'resource Deployment/default/r1-demo not ready. status: Failed, message: Progress deadline exceeded'
    ],
    ['h4-upgrade-cancelled.stderr', 'context canceled']
  ])('%s', (name, expected) => {
    expect(helmErrorText(fixture(name))).toBe(expected)
  })

  it('keeps every not-ready resource of a Helm 4 watcher timeout', () => {
    const stderr = [
      'Error: UPGRADE FAILED: release r1 failed, and has been rolled back due to rollback-on-failure being set: resource Deployment/ns/web not ready. status: InProgress, message: Available: 0/2',
      'resource StatefulSet/ns/db not ready. status: InProgress, message: Ready: 0/1',
      'context deadline exceeded',
      ''
    ].join('\n')
    expect(helmErrorText(stderr)).toBe(
      'resource Deployment/ns/web not ready. status: InProgress, message: Available: 0/2\n' +
        'resource StatefulSet/ns/db not ready. status: InProgress, message: Ready: 0/1'
    )
  })

  it('stops at a --debug stack trace after the error line', () => {
    const stderr = [
      'install.go:504: 2026-11-25 16:20:43 [debug] Install failed and atomic is set, uninstalling release',
      'Error: INSTALLATION FAILED: release r1 failed, and has been uninstalled due to atomic being set: context deadline exceeded',
      'helm.go:86: 2026-11-25 16:20:44 [debug] context deadline exceeded',
      'release r1 failed, and has been uninstalled due to atomic being set',
      'helm.sh/helm/v3/pkg/action.(*Install).failRelease'
    ].join('\n')
    expect(helmErrorText(stderr)).toBe('context deadline exceeded')
  })

  it('uses the remaining text when there is no Error: line', () => {
    expect(helmErrorText('level=WARN msg="x"\nsegmentation fault\n')).toBe('segmentation fault')
    expect(helmErrorText('level=WARN msg="x"\n')).toBe('')
  })
})

describe('classifyOutcome', () => {
  const install = (over: Partial<OutcomeFacts>): OutcomeFacts => ({
    release: 'r1',
    mode: 'install',
    exitCode: 1,
    stderr: '',
    historyBefore: [],
    historyAfter: [],
    atomic: true,
    ...over
  })
  const upgrade = (over: Partial<OutcomeFacts>): OutcomeFacts => ({
    release: 'r1',
    mode: 'upgrade-install',
    exitCode: 1,
    stderr: '',
    historyBefore: history('deployed-v1'),
    historyAfter: history('deployed-v1'),
    atomic: true,
    ...over
  })

  const cases: [string, OutcomeFacts, Outcome][] = [
    [
      'successful upgrade → deployed with the live revision',
      upgrade({ exitCode: 0, historyAfter: history('upgraded') }),
      { status: 'deployed', revision: 2, previousRevision: 1, rolledBack: false }
    ],
    [
      'successful first install → deployed, no previous revision',
      install({ exitCode: 0, historyAfter: history('deployed-v1') }),
      { status: 'deployed', revision: 1, previousRevision: undefined, rolledBack: false }
    ],
    [
      'Helm 3 atomic install timed out and the release is gone → rolled-back',
      install({ stderr: fixture('h3-install-atomic-timeout.stderr') }),
      {
        status: 'rolled-back',
        revision: undefined,
        previousRevision: undefined,
        rolledBack: true,
        cause: { source: 'helm', message: 'context deadline exceeded' },
        detail: 'the failed install was uninstalled; no release is left'
      }
    ],
    [
      'Helm 4 rollback-on-failure install (deprecated --atomic) → rolled-back with the watcher reason',
      install({ stderr: fixture('h4-install-atomic-flag-timeout.stderr') }),
      {
        status: 'rolled-back',
        revision: undefined,
        previousRevision: undefined,
        rolledBack: true,
        cause: {
          source: 'helm',
          message:
            'resource Deployment/default/r1-demo not ready. status: InProgress, message: Available: 0/1'
        },
        detail: 'the failed install was uninstalled; no release is left'
      }
    ],
    [
      'upgrade --install of a new release (unprefixed error) → rolled-back',
      install({
        mode: 'upgrade-install',
        stderr: fixture('h3-upgrade-install-first-install-timeout.stderr')
      }),
      {
        status: 'rolled-back',
        revision: undefined,
        previousRevision: undefined,
        rolledBack: true,
        cause: { source: 'helm', message: 'context deadline exceeded' },
        detail: 'the failed install was uninstalled; no release is left'
      }
    ],
    [
      'Helm 3 atomic upgrade rolled back → rolled-back to a new revision',
      upgrade({ stderr: fixture('h3-upgrade-rolled-back.stderr'), historyAfter: history('rolled-back') }),
      {
        status: 'rolled-back',
        revision: 3,
        previousRevision: 1,
        rolledBack: true,
        cause: { source: 'helm', message: 'context deadline exceeded' },
        detail: 'rolled back to revision 1 as revision 3'
      }
    ],
    [
      'Helm 4 upgrade rolled back (WARN line ignored)',
      upgrade({ stderr: fixture('h4-upgrade-rolled-back.stderr'), historyAfter: history('rolled-back') }),
      {
        status: 'rolled-back',
        revision: 3,
        previousRevision: 1,
        rolledBack: true,
        cause: {
          source: 'helm',
          message:
            'resource Deployment/default/r1-demo not ready. status: InProgress, message: Available: 0/1'
        },
        detail: 'rolled back to revision 1 as revision 3'
      }
    ],
    [
      'rollback itself failed → failed, says so, old revision still live',
      upgrade({
        stderr: fixture('h3-upgrade-rollback-failed.stderr'),
        historyAfter: history('rollback-failed')
      }),
      {
        status: 'failed',
        revision: 1,
        previousRevision: 1,
        rolledBack: false,
        cause: { source: 'helm', message: 'context canceled' },
        detail: 'the rollback failed: release r1 failed: context deadline exceeded; revision 3 is failed'
      }
    ],
    [
      'a pre-rollback hook failed and left pending-rollback → failed, needs recovery',
      upgrade({
        stderr: fixture('h3-upgrade-rollback-hook-failed.stderr'),
        historyAfter: history('pending-rollback')
      }),
      {
        status: 'failed',
        revision: 1,
        previousRevision: 1,
        rolledBack: false,
        cause: { source: 'helm', message: 'context deadline exceeded' },
        detail:
          'revision 3 is pending-rollback: helm stopped before recording a result; the release needs recovery'
      }
    ],
    [
      'no earlier good revision → failed, says there was nothing to roll back to',
      upgrade({
        stderr: fixture('h3-upgrade-no-good-revision.stderr'),
        historyBefore: [entry(1, 'failed', 'Release "r1" failed: context deadline exceeded')],
        historyAfter: history('no-good-revision')
      }),
      {
        status: 'failed',
        revision: undefined,
        previousRevision: undefined,
        rolledBack: false,
        cause: { source: 'helm', message: 'context deadline exceeded' },
        detail: 'there was no earlier deployed or superseded revision to roll back to; revision 2 is failed'
      }
    ],
    [
      'atomic off → failed, the bad revision stays',
      upgrade({
        atomic: false,
        stderr: fixture('h3-upgrade-non-atomic-cancelled.stderr'),
        historyAfter: history('failed-non-atomic')
      }),
      {
        status: 'failed',
        revision: 1,
        previousRevision: 1,
        rolledBack: false,
        cause: { source: 'helm', message: 'context canceled' },
        detail: 'atomic is off, so nothing was rolled back; revision 2 is failed'
      }
    ],
    [
      'a pending lock held by another helm → failed, named as the other deploy',
      upgrade({
        stderr: fixture('h3-upgrade-pending-lock.stderr'),
        historyBefore: history('pending-upgrade'),
        historyAfter: history('pending-upgrade')
      }),
      {
        status: 'failed',
        revision: 2,
        previousRevision: 2,
        rolledBack: false,
        cause: {
          source: 'concurrent',
          message:
            'another deploy of release r1 is in progress (pending-upgrade since 2026-11-25T16:20:43.123Z)'
        },
        detail: 'this run changed nothing'
      }
    ],
    [
      'unreachable cluster on a first install → failed, nothing recorded',
      install({ stderr: fixture('h4-upgrade-install-unreachable.stderr') }),
      {
        status: 'failed',
        revision: undefined,
        previousRevision: undefined,
        rolledBack: false,
        cause: {
          source: 'helm',
          message:
            'kubernetes cluster unreachable: Get "https://127.0.0.1:1/version": dial tcp 127.0.0.1:1: connect: connection refused'
        },
        detail: 'helm failed before a release was recorded; there was nothing to roll back'
      }
    ],
    [
      'Helm 3 upgrade rejected with 422, then its rollback failed (test cluster run)',
      upgrade({
        stderr: fixture('h3-upgrade-nodeport-422-rollback-failed.stderr'),
        historyBefore: history('h3-nodeport-before'),
        historyAfter: history('h3-nodeport-after')
      }),
      {
        status: 'failed',
        revision: 1,
        previousRevision: 1,
        rolledBack: false,
        cause: {
          source: 'helm',
          message:
            'cannot patch "d-3-svc" with kind Service: Service "d-3-svc" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
        },
        detail: 'the rollback failed: release d-3 failed: context deadline exceeded; revision 3 is failed'
      }
    ],
    [
      'Helm 4 upgrade rejected with 422, then its rollback failed (test cluster run)',
      upgrade({
        stderr: fixture('h4-upgrade-nodeport-422-rollback-failed.stderr'),
        historyBefore: history('h4-nodeport-before'),
        historyAfter: history('h4-nodeport-after')
      }),
      {
        status: 'failed',
        revision: 1,
        previousRevision: 1,
        rolledBack: false,
        cause: {
          source: 'helm',
          message:
            'Service "d-4-svc" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
        },
        detail:
          'the rollback failed: release d-4 failed: resource Deployment/ns1/d-4-web not ready. status: InProgress, message: Replicas: 0/1\ncontext deadline exceeded; revision 3 is failed'
      }
    ],
    [
      'Helm 4 install rejected with 422 and uninstalled (test cluster run)',
      install({ stderr: fixture('h4-install-nodeport-422.stderr') }),
      {
        status: 'rolled-back',
        revision: undefined,
        previousRevision: undefined,
        rolledBack: true,
        cause: {
          source: 'helm',
          message:
            'Service "c-4-svc" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
        },
        detail: 'the failed install was uninstalled; no release is left'
      }
    ],
    [
      'uninstall succeeded → uninstalled',
      upgrade({ mode: 'uninstall', exitCode: 0, historyAfter: [] }),
      { status: 'uninstalled', revision: undefined, previousRevision: 1, rolledBack: false }
    ],
    [
      'uninstall failed → failed with helm reason',
      upgrade({
        mode: 'uninstall',
        stderr: 'Error: uninstall: Release not loaded: r1: release: not found\n'
      }),
      {
        status: 'failed',
        revision: 1,
        previousRevision: 1,
        rolledBack: false,
        cause: { source: 'helm', message: 'uninstall: Release not loaded: r1: release: not found' },
        detail: 'helm uninstall failed'
      }
    ]
  ]

  it.each(cases)('%s', (_name, facts, expected) => {
    expect(classifyOutcome(facts)).toEqual(expected)
  })

  it('does not call a failure rolled-back when the newest deployed revision is an old rollback', () => {
    const before = history('rolled-back')
    const outcome = classifyOutcome(
      upgrade({
        stderr: fixture('h3-upgrade-pending-lock.stderr'),
        historyBefore: before,
        historyAfter: before
      })
    )
    expect(outcome.status).toBe('failed')
    expect(outcome.rolledBack).toBe(false)
  })

  it('says when the atomic uninstall of a failed install failed', () => {
    const stderr =
      'Error: INSTALLATION FAILED: an error occurred while uninstalling the release. original install error: context deadline exceeded: uninstallation completed with 1 error(s): timed out\n'
    const outcome = classifyOutcome(
      install({
        stderr,
        historyAfter: [entry(1, 'uninstalling', 'Deletion in progress (or silently failed)')]
      })
    )
    expect(outcome).toMatchObject({
      status: 'failed',
      rolledBack: false,
      cause: { source: 'helm', message: 'context deadline exceeded' }
    })
    expect(outcome.detail).toBe(
      'the atomic uninstall failed: uninstallation completed with 1 error(s): timed out; revision 1 is uninstalling'
    )
  })

  it('falls back to the exit code when stderr is empty', () => {
    expect(classifyOutcome(install({ exitCode: 137 })).cause).toEqual({
      source: 'helm',
      message: 'helm exited with 137'
    })
  })
})

describe('pendingLockDecision', () => {
  const T = Date.UTC(2026, 10, 25, 16, 20, 43, 123)
  const options = { release: 'r1', now: T, timeoutMs: 300_000, marginMs: 60_000, recoverPending: true }

  it('is none when the newest revision is not pending', () => {
    expect(pendingLockDecision(history('rolled-back'), options)).toEqual({ kind: 'none' })
    expect(pendingLockDecision(history('rollback-failed'), options)).toEqual({ kind: 'none' })
    expect(pendingLockDecision([], options)).toEqual({ kind: 'none' })
  })

  it('refuses a fresh pending revision with the exact message', () => {
    expect(pendingLockDecision(history('pending-upgrade'), { ...options, now: T + 10_000 })).toEqual({
      kind: 'refuse',
      message:
        'another operation is in progress on release r1 (pending-upgrade since 2026-11-25T16:20:43.123Z); not stale until 2026-11-25T16:26:43.123Z'
    })
  })

  it('treats the margin as part of the fresh period', () => {
    const justBefore = pendingLockDecision(history('pending-upgrade'), { ...options, now: T + 359_999 })
    expect(justBefore.kind).toBe('refuse')
    const atStale = pendingLockDecision(history('pending-upgrade'), { ...options, now: T + 360_000 })
    expect(atStale).toEqual({ kind: 'recover', action: 'rollback', toRevision: 2 })
  })

  it('rolls a stale pending-rollback back to the last good revision, skipping failed ones', () => {
    expect(pendingLockDecision(history('pending-rollback'), { ...options, now: T + 3_600_000 })).toEqual({
      kind: 'recover',
      action: 'rollback',
      toRevision: 1
    })
  })

  it('uninstalls a stale pending-install', () => {
    expect(pendingLockDecision(history('pending-install'), { ...options, now: T + 3_600_000 })).toEqual({
      kind: 'recover',
      action: 'uninstall'
    })
  })

  it('uninstalls a stale pending-upgrade with no good revision before it', () => {
    const stuck = [
      entry(1, 'failed', 'Release "r1" failed'),
      entry(2, 'pending-upgrade', 'Preparing upgrade', '2026-11-25T16:20:43.123456789Z')
    ]
    expect(pendingLockDecision(stuck, { ...options, now: T + 3_600_000 })).toEqual({
      kind: 'recover',
      action: 'uninstall'
    })
  })

  it('refuses a stale one when recover-pending is off', () => {
    const decision = pendingLockDecision(history('pending-upgrade'), {
      ...options,
      now: T + 3_600_000,
      recoverPending: false
    })
    expect(decision).toEqual({
      kind: 'refuse',
      message:
        'release r1 is stuck in pending-upgrade since 2026-11-25T16:20:43.123Z; recover-pending is off, so recover it by hand (helm rollback or helm uninstall)'
    })
  })

  it('refuses when Helm omitted the time, since the age is unknown', () => {
    expect(pendingLockDecision(history('h4-zero-updated'), { ...options, now: T + 3_600_000 })).toEqual({
      kind: 'refuse',
      message:
        'another operation is in progress on release r1 (pending-install since an unknown time); not stale until its age is known'
    })
  })

  it('recovers any pending revision, even of unknown age, when the holder is known to be gone (now = Infinity)', () => {
    const gone = { ...options, now: Number.POSITIVE_INFINITY }
    expect(pendingLockDecision(history('h4-zero-updated'), gone)).toEqual({
      kind: 'recover',
      action: 'uninstall'
    })
    expect(pendingLockDecision(history('pending-upgrade'), gone)).toEqual({
      kind: 'recover',
      action: 'rollback',
      toRevision: 2
    })
  })
})
