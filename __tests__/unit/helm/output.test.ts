import { describe, expect, it } from 'vitest'
import { createDebugOutputFilter, waitStateAfter } from '../../../src/helm/output.js'

describe('helm --debug output', () => {
  it.each([
    [
      'wait.go:50: 2026-11-25 16:37:57.68776031 +0000 UTC m=+0.130612256 [debug] beginning wait for 1 resources with timeout of 20s',
      true
    ],
    ['level=DEBUG msg="waiting for resources" count=1 timeout=20s', true],
    [
      'client.go:142: 2026-11-25 16:37:57.686292838 +0000 UTC m=+0.129144784 [debug] creating 1 resource(s)',
      false
    ],
    ['level=DEBUG msg="creating resource(s)" resources=1', false],
    [
      'level=DEBUG msg="Created resource via patch" namespace=default name=r4-cm gvk="/v1, Kind=ConfigMap"',
      false
    ],
    [
      'level=DEBUG msg="all resources achieved desired status" desiredStatus=Current resourceCount=1',
      undefined
    ],
    ['STATUS: deployed', undefined]
  ])('waitStateAfter(%j) = %s', (line, expected) => {
    expect(waitStateAfter(line)).toBe(expected)
  })

  it('keeps helm 3 and 4 debug lines out of the log and never shows the values and manifest dump', () => {
    const filter = createDebugOutputFilter()
    const lines: ['stdout' | 'stderr', string, string][] = [
      [
        'stderr',
        'history.go:56: 2026-11-25 16:37:57.645226373 +0000 UTC m=+0.088078319 [debug] getting history for release r3',
        'debug'
      ],
      ['stderr', 'level=DEBUG msg="Chart path" path=/tmp/cm-chart', 'debug'],
      ['stderr', 'level=WARN msg="upgrade failed" name=r1 error="context canceled"', 'log'],
      ['stderr', 'Error: UPGRADE FAILED: context canceled', 'log'],
      ['stderr', 'helm.sh/helm/v3/pkg/action.(*Upgrade).failRelease', 'debug'],
      ['stderr', '\thelm.sh/helm/v3/pkg/action/upgrade.go:412', 'debug'],
      ['stderr', 'UPGRADE FAILED', 'debug'],
      ['stdout', 'Release "r3" does not exist. Installing it now.', 'log'],
      ['stdout', 'STATUS: deployed', 'log'],
      ['stdout', 'USER-SUPPLIED VALUES:', 'drop'],
      ['stdout', 'password: hunter22', 'drop'],
      ['stdout', 'MANIFEST:', 'drop'],
      ['stdout', '  secret: "hunter22"', 'drop']
    ]
    expect(lines.map(([stream, line]) => filter.classify(stream, line))).toEqual(lines.map(l => l[2]))
  })
})
