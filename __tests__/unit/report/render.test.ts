import { describe, expect, it } from 'vitest'
import type { Diagnostics } from '../../../src/kube/diagnostics.js'
import {
  COMMENT_LIMIT_CHARS,
  formatDuration,
  renderComment,
  renderSummary,
  rootCause,
  text,
  type RenderInput
} from '../../../src/report/render.js'
import { buildReport } from '../../../src/report/model.js'
import { Redactor } from '../../../src/report/redact.js'
import {
  atomicOff,
  crashLoop,
  huge,
  nodePort,
  NOW,
  RUN_URL,
  success,
  testFailed,
  testsPassed,
  type Scenario
} from './fixtures.js'

const MARKER = '<!-- helm-atomic-deploy:0123456789abcdef -->'

/** As publish does it: the report (with what the watcher captured) redacted once, then rendered. */
function input(scenario: Scenario, secrets: string[] = []): RenderInput {
  const report = new Redactor({ values: secrets }).data({
    ...scenario.report,
    diagnostics: scenario.diagnostics
  })
  return { report, runUrl: RUN_URL, now: NOW }
}

function snapshot(name: string): string {
  return `./__snapshots__/${name}.md`
}

describe('rendered reports (snapshots)', () => {
  const scenarios = {
    success,
    'crash-loop-rolled-back': crashLoop,
    'nodeport-422-rolled-back': nodePort,
    'failed-atomic-off': atomicOff,
    'tests-passed': testsPassed,
    'test-failed-rolled-back': testFailed
  }
  for (const [name, scenario] of Object.entries(scenarios)) {
    it(`${name}: summary`, async () => {
      await expect(renderSummary(input(scenario))).toMatchFileSnapshot(snapshot(`${name}.summary`))
    })
    it(`${name}: comment`, async () => {
      await expect(renderComment(input(scenario), { marker: MARKER })).toMatchFileSnapshot(
        snapshot(`${name}.comment`)
      )
    })
  }

  it('resolved: a success replacing a failure comment says so and when', async () => {
    const body = renderComment(input(success), { marker: MARKER, resolved: true })
    expect(body).toContain('**Resolved** at 2026-11-25T10:04:12.500Z')
    await expect(body).toMatchFileSnapshot(snapshot('resolved.comment'))
  })

  it('truncated: a comment that would overflow stays within 65,536 characters and links the run summary', async () => {
    const scenario = huge()
    const full = renderSummary(input(scenario))
    expect(full.length).toBeGreaterThan(COMMENT_LIMIT_CHARS)
    const body = renderComment(input(scenario), { marker: MARKER })
    expect(body.length).toBeLessThanOrEqual(COMMENT_LIMIT_CHARS)
    expect(body.startsWith(MARKER + '\n')).toBe(true)
    expect(body).toContain(`the full report is in the [run summary](${RUN_URL})`)
    // Log tails are folded before events, events before history.
    expect(body).toContain('#### Helm history')
    expect((body.match(/<pre>/g) ?? []).length).toBeLessThan(scenario.diagnostics?.logs.length ?? 0)
    expect(body).toMatch(/_\d+ more log tails not shown\._/)
    expect(body).toContain('Some details were shortened')
    await expect(body).toMatchFileSnapshot(snapshot('truncated.comment'))
  })
})

describe('renderComment folding order', () => {
  const scenario = huge()
  const sizes = (limit: number): string => renderComment(input(scenario), { limit })

  it('drops log tails first, then events, then history', () => {
    const roomy = sizes(500_000)
    expect(roomy).toContain('#### Logs')
    expect(roomy).toContain('#### Events')

    const noLogs = sizes(roomy.length - 1)
    expect(noLogs.length).toBeLessThan(roomy.length)
    expect(noLogs).toContain('#### Events')
    expect(noLogs).toContain('#### Helm history')

    const tight = sizes(6_000)
    expect(tight.length).toBeLessThanOrEqual(6_000)
    expect(tight).not.toContain('#### Logs')
    expect(tight).not.toContain('#### Events')
    // The Why block, its evidence and the hint are never folded away.
    expect(tight).toContain('**Why:**')
    expect(tight.match(/<pre>/g)).toHaveLength(1)
    expect(tight).toContain('**What to do:**')
    expect(tight).toContain(RUN_URL)
  })

  it('never exceeds even a tiny limit', () => {
    expect(sizes(300).length).toBeLessThanOrEqual(300)
  })
})

describe('renderSummary', () => {
  it('stays within the byte limit, counting multi-byte characters as bytes', () => {
    const scenario = huge()
    const d = scenario.diagnostics!
    const wide = {
      ...scenario,
      diagnostics: { ...d, logs: d.logs.map(l => ({ ...l, lines: l.lines.map(x => x.replace(/x/g, 'é')) })) }
    }
    const limitBytes = 200_000
    const out = renderSummary(input(wide), { limitBytes })
    expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(limitBytes)
    expect(out).toContain(RUN_URL)
    expect(out).toContain('Some details were shortened')
  })

  it('the real 1 MiB limit holds for a report far above it', () => {
    const scenario = huge()
    const lines = Array.from({ length: 200 }, (_, i) => `${i} ${'y'.repeat(1900)}`)
    const d = scenario.diagnostics!
    const big = { ...scenario, diagnostics: { ...d, logs: d.logs.map(l => ({ ...l, lines })) } }
    const out = renderSummary(input(big))
    expect(Buffer.byteLength(out, 'utf8')).toBeLessThanOrEqual(1024 * 1024)
    expect(out).toContain('<pre>')
  })

  it('uses \\n only and is deterministic', () => {
    const d = crashLoop.diagnostics!
    const crlf: Diagnostics = { ...d, logs: [{ ...d.logs[0]!, lines: ['one\r\ntwo', 'three\r'] }] }
    const out = renderSummary(input({ report: crashLoop.report, diagnostics: crlf }))
    expect(out).not.toMatch(/\r/)
    expect(renderSummary(input({ report: crashLoop.report, diagnostics: crlf }))).toBe(out)
  })
})

describe('escaping and redaction', () => {
  const crash = crashLoop.diagnostics!
  const hostile: Diagnostics = {
    ...crash,
    pods: [
      {
        ...crash.pods[0]!,
        containers: [
          {
            ...crash.pods[0]!.containers[0]!,
            message: '<img src=x onerror=alert(1)> a | b\nsecond line'
          }
        ]
      }
    ],
    events: [
      {
        type: 'Warning',
        reason: 'Bad|Reason',
        object: 'Pod/x',
        message: 'value a|b <b>bold</b> @octocat #12 couldn\'t & "quoted"',
        count: 1
      }
    ],
    logs: [
      {
        pod: 'web-1',
        container: 'web',
        previous: true,
        lines: [
          '<script>alert("x")</script>',
          '</pre></details># heading',
          '```',
          'connecting with password hunter2-s3cret to db'
        ],
        truncated: false
      }
    ]
  }
  const out = renderSummary(input({ report: crashLoop.report, diagnostics: hostile }, ['hunter2-s3cret']))

  it('escapes HTML in pod messages, events and log lines', () => {
    expect(out).not.toContain('<img')
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(out).not.toContain('<script>')
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;')
    expect(out).not.toContain('<b>bold')
    // A log line cannot close the <pre> block or the <details> around it.
    // (one block is the Why's evidence, one the log section's)
    expect(out.match(/<\/pre>/g)).toHaveLength(2)
    expect(out.match(/<\/details>/g)).toHaveLength(1)
    expect(out).toContain('&lt;/pre&gt;&lt;/details&gt;# heading')
  })

  it('keeps tables intact when cells contain | and newlines', () => {
    const rows = out.split('\n').filter(line => line.startsWith('| '))
    for (const section of ['| Pod |', '| Type |']) {
      const header = rows.find(r => r.startsWith(section))
      expect(header).toBeDefined()
    }
    const columns = (line: string): number => line.split('|').length
    const eventRow = rows.find(r => r.includes('Bad'))
    expect(eventRow).toBeDefined()
    expect(columns(eventRow!)).toBe(columns(rows.find(r => r.startsWith('| Type |'))!))
    const podRow = rows.find(r => r.includes('onerror'))
    expect(podRow).toBeDefined()
    expect(columns(podRow!)).toBe(columns(rows.find(r => r.startsWith('| Pod |'))!))
    expect(podRow).toContain('a &#124; b<br>second line')
  })

  it("escapes each character once: an apostrophe renders as one, never as a literal '&#39;'", () => {
    const row = out.split('\n').find(line => line.includes('Bad&#124;Reason')) ?? ''
    expect(row).toContain('couldn&#39;t &amp; &quot;quoted&quot;')
    expect(out).not.toContain('&&#35;')
    expect(out).not.toContain('&amp;#')
  })

  it('does not let cluster text mention people or link issues', () => {
    expect(out).toContain('@&#8203;octocat')
    expect(out).toContain('&#35;12')
  })

  it('renders what the redacted report holds', () => {
    expect(out).not.toContain('hunter2-s3cret')
    expect(out).toContain('connecting with password *** to db')
    const comment = renderComment(
      input({ report: crashLoop.report, diagnostics: hostile }, ['hunter2-s3cret'])
    )
    expect(comment).not.toContain('hunter2-s3cret')
  })

  it('a snapshot with \', ", & and < in every table and log', async () => {
    const chars = `it's "q" & <b>`
    const everywhere: Scenario = {
      report: {
        ...crashLoop.report,
        release: 'web',
        chart: `./charts/${chars}`,
        cause: { source: 'fail-fast', rule: 'crash-loop', message: `couldn't start: ${chars}` },
        failureReason: `fail-fast: couldn't start: ${chars}`,
        helmError: `helm's error: ${chars}`,
        detail: `detail ${chars}`,
        history: crashLoop.report.history.map(h => ({ ...h, description: `${h.description} ${chars}` }))
      },
      diagnostics: {
        ...crash,
        workloads: crash.workloads.map(w => ({ ...w, conditions: w.conditions.map(c => `${c} ${chars}`) })),
        pods: crash.pods.map(p => ({
          ...p,
          conditions: [`Ready=False ${chars}`],
          containers: p.containers.map(c => ({ ...c, message: `${c.message ?? ''} ${chars}` }))
        })),
        events: crash.events.map(e => ({ ...e, message: `${e.message} ${chars}` })),
        logs: crash.logs.map(l => ({ ...l, lines: [...l.lines, chars] }))
      }
    }
    const summary = renderSummary(input(everywhere))
    expect(summary).not.toMatch(/&amp;(#\d+|amp|lt|gt|quot);/)
    expect(summary).not.toMatch(/&&#35;/)
    await expect(summary).toMatchFileSnapshot(snapshot('escaped.summary'))
    await expect(renderComment(input(everywhere), { marker: MARKER })).toMatchFileSnapshot(
      snapshot('escaped.comment')
    )
  })

  it('text() makes markdown inert', () => {
    expect(text('*a* _b_ `c` [d](e) ~f~ \\g')).toBe(
      '&#42;a&#42; &#95;b&#95; &#96;c&#96; &#91;d&#93;(e) &#126;f&#126; &#92;g'
    )
  })
})

describe('rootCause', () => {
  it('prefers the fail-fast verdict, falls back to helm, is one line, and is absent on success', () => {
    expect(rootCause(crashLoop.report)).toBe(
      'container web in pod web-7d9f8c6b5-x2k4p crash-looping (exit code 1, 2 restarts)'
    )
    expect(rootCause(nodePort.report)).toContain('provided port is already allocated')
    expect(rootCause({ ...nodePort.report, cause: { source: 'helm', message: 'a\nb\n' } })).toBe('a; b')
    expect(rootCause(success.report)).toBeUndefined()
  })
})

describe('formatDuration', () => {
  it('reads naturally at every scale', () => {
    expect(formatDuration(850)).toBe('850 ms')
    expect(formatDuration(4_200)).toBe('4.2 s')
    expect(formatDuration(72_500)).toBe('1m 13s')
    expect(formatDuration(3_723_000)).toBe('1h 2m 3s')
  })
})

describe('a report from buildReport', () => {
  const report = buildReport(
    {
      release: 'api',
      namespace: '',
      environment: '',
      kubeContext: 'kind-e2e',
      mode: 'upgrade-install',
      chart: 'oci://ghcr.io/acme/charts/api',
      chartVersion: '',
      helm: { version: 'v3.17.1', path: '/usr/bin/helm' },
      kubectl: { path: '/usr/bin/kubectl' },
      startedAt: Date.parse('2026-11-25T10:00:00.000Z'),
      finishedAt: Date.parse('2026-11-25T10:02:30.000Z'),
      installMs: 900,
      commit: ''
    },
    {
      outcome: {
        status: 'rolled-back',
        revision: 8,
        previousRevision: 6,
        rolledBack: true,
        cause: {
          source: 'fail-fast',
          rule: 'crash-loop',
          message: 'container api in pod api-1 crash-looping (exit code 2, 3 restarts)'
        },
        detail: 'rolled back to revision 6 as revision 8'
      },
      recoveries: [
        {
          kind: 'rollback',
          fromStatus: 'pending-upgrade',
          fromRevision: 5,
          toRevision: 4,
          ok: true,
          message: 'rolled release api back to revision 4 (revision 5 was stuck in pending-upgrade)'
        }
      ],
      history: [],
      diagnostics: {
        ...crashLoop.diagnostics!,
        verdict: {
          rule: 'crash-loop',
          message: 'container api in pod api-1 crash-looping (exit code 2, 3 restarts)',
          at: 0,
          phase: 'wait'
        },
        partial: 'partial: events could not be listed (forbidden)'
      }
    }
  )

  it('writes the failure reason from the structured cause', () => {
    expect(report.failureReason).toBe(
      'fail-fast: container api in pod api-1 crash-looping (exit code 2, 3 restarts)'
    )
    expect(report.timings.durationMs).toBe(150_000)
  })

  it('renders the diagnostics it carries, the stale-lock recovery and the partial note', async () => {
    const out = renderSummary({ report, now: NOW })
    expect(out).toContain('### ↩️ Rolled back: api\n')
    expect(out).toContain(
      '| (context default) | oci://ghcr.io/acme/charts/api | 6 → 8 | 2m 30s | v3.17.1 | kind-e2e |'
    )
    expect(out).toContain(
      '- Recovered a stale lock: rolled release api back to revision 4 (revision 5 was stuck in pending-upgrade)'
    )
    expect(out).toContain('- Rolled back to revision 6 as revision 8.')
    expect(out).toContain('Diagnostics are partial: events could not be listed (forbidden)')
    expect(out).toContain('#### Pods not ready')
    expect(out).not.toContain('**Helm:**')
    await expect(out).toMatchFileSnapshot(snapshot('stale-lock-recovered.summary'))
  })
})
