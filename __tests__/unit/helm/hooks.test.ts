import { describe, expect, it } from 'vitest'
import { parseHooks, testHooks, type ReleaseHook } from '../../../src/helm/hooks.js'

/** `helm get all --template HOOKS_TEMPLATE` as helm 3.17.1 and 4.1.4 print it (captured against the test cluster). */
const AFTER_A_FAILED_TEST = [
  'Pod\tshop-test-bad\ttest,\t0\tFailed\t1796123339953\t1796123340077',
  'Pod\tshop-test-ok\ttest,\t0\t\t\t',
  'Job\tshop-migrate\tpre-upgrade,\t0\t\t\t',
  ''
].join('\n')

describe('parseHooks', () => {
  it('reads each hook: kind, name, events, weight and its last run (epoch ms, absent when it never ran)', () => {
    expect(parseHooks(AFTER_A_FAILED_TEST)).toEqual<ReleaseHook[]>([
      {
        kind: 'Pod',
        name: 'shop-test-bad',
        events: ['test'],
        weight: 0,
        phase: 'Failed',
        startedAt: 1796123339953,
        completedAt: 1796123340077
      },
      { kind: 'Pod', name: 'shop-test-ok', events: ['test'], weight: 0, phase: '' },
      { kind: 'Job', name: 'shop-migrate', events: ['pre-upgrade'], weight: 0, phase: '' }
    ])
  })

  it.each([
    ['no hooks', ''],
    ['a line of another shape', 'Release "shop" has been cancelled.\n'],
    ['an empty name', 'Pod\t\ttest,\t0\t\t\t\n']
  ])('ignores %s', (_what, stdout) => {
    expect(parseHooks(stdout)).toEqual([])
  })

  it('keeps several events, a negative weight, CRLF line ends and a run cut short (no completion)', () => {
    expect(parseHooks('Job\tdb-check\tpre-install,test,\t-5\tRunning\t1000\t\r\n')).toEqual([
      {
        kind: 'Job',
        name: 'db-check',
        events: ['pre-install', 'test'],
        weight: -5,
        phase: 'Running',
        startedAt: 1000
      }
    ])
  })
})

describe('testHooks', () => {
  const hook = (name: string, weight: number, events = ['test']): ReleaseHook => ({
    kind: 'Pod',
    name,
    events,
    weight,
    phase: ''
  })

  it('keeps test hooks in the order helm runs them: weight, then name', () => {
    const hooks = [
      hook('c', 0),
      hook('migrate', -10, ['pre-upgrade']),
      hook('b', 0),
      hook('a', 5),
      hook('z', -1)
    ]
    expect(testHooks(hooks).map(h => h.name)).toEqual(['z', 'b', 'c', 'a'])
  })

  it('is empty for a chart without tests', () => {
    expect(testHooks([hook('migrate', 0, ['pre-install', 'pre-upgrade'])])).toEqual([])
  })
})
