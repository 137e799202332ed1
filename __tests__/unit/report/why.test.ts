import { marked } from 'marked'
import { describe, expect, it } from 'vitest'
import type { Diagnostics, EventRecord, PodDiagnosis } from '../../../src/kube/diagnostics.js'
import type { DeployReport } from '../../../src/report/model.js'
import { renderComment, renderSummary } from '../../../src/report/render.js'
import { timelineOf, timelineText } from '../../../src/report/timeline.js'
import { whyOf, type FailureClass } from '../../../src/report/why.js'
import { tableShapes } from '../../support/first-screen.js'
import {
  atomicOff as atomicOffScenario,
  crashLoop as crashLoopScenario,
  NOW,
  nodePort as nodePortScenario,
  RUN_URL,
  testFailed as testFailedScenario,
  type Scenario
} from './fixtures.js'

/** The report as the renderer reads it: the watcher's diagnostics inside. */
function full(s: Scenario): DeployReport {
  return s.diagnostics ? { ...s.report, diagnostics: s.diagnostics } : s.report
}
const crashLoop = { report: full(crashLoopScenario) }
const nodePort = { report: full(nodePortScenario) }
const atomicOff = { report: full(atomicOffScenario) }
const testFailed = { report: full(testFailedScenario) }

const POD = 'web-7d9f8c6b5-x2k4p'

function pod(overrides: Partial<PodDiagnosis>): PodDiagnosis {
  return {
    name: POD,
    phase: 'Pending',
    revision: 'new',
    conditions: [],
    ready: false,
    containers: [
      { name: 'web', image: 'ghcr.io/acme/web:2.2.0', ready: false, restartCount: 0, state: 'waiting' }
    ],
    terminating: false,
    deleted: false,
    ...overrides
  }
}

function warning(reason: string, message: string, object = `Pod/${POD}`, source?: string): EventRecord {
  return { type: 'Warning', reason, object, message, count: 3, ...(source ? { source } : {}) }
}

/** A rolled-back upgrade whose fail-fast verdict (or helm error, when rule is undefined) is `message`. */
function failed(rule: string | undefined, message: string, d: Partial<Diagnostics>): DeployReport {
  const diagnostics: Diagnostics = { workloads: [], pods: [], events: [], logs: [], observations: 5, ...d }
  if (rule)
    diagnostics.verdict = {
      rule: rule as 'crash-loop',
      message,
      at: NOW,
      phase: 'wait',
      pod: POD,
      revision: 'new'
    }
  return {
    ...crashLoop.report,
    cause: rule ? { source: 'fail-fast', rule, message } : { source: 'helm', message },
    failureReason: message,
    helmError: rule ? 'context canceled' : null,
    changes: [],
    diagnostics
  }
}

const QUOTA =
  'pods "web-7d9f8c6b5-x2k4p" is forbidden: exceeded quota: shop-quota, requested: requests.cpu=2, used: requests.cpu=3, limited: requests.cpu=4'

/** One row per failure class of the seed's table (and a few more): the report, then what the Why must say. */
const CLASSES: {
  name: string
  report: DeployReport
  class: FailureClass
  evidence: RegExp
  hint: RegExp
}[] = [
  {
    name: 'crash loop: the previous instance log',
    report: crashLoop.report,
    class: 'crash-loop',
    evidence: /FATAL missing required setting DATABASE_URL/,
    hint: /start-up error in the log/
  },
  {
    name: 'OOMKilled',
    report: failed('crash-loop', `container web in pod ${POD} crash-looping (OOMKilled, 2 restarts)`, {
      pods: [
        pod({
          phase: 'Running',
          containers: [
            {
              name: 'web',
              image: 'x',
              ready: false,
              restartCount: 2,
              state: 'waiting',
              reason: 'CrashLoopBackOff',
              lastTermination: { exitCode: 137, reason: 'OOMKilled' }
            }
          ]
        })
      ]
    }),
    class: 'oom-killed',
    evidence: /exit code 137 \(OOMKilled\)/,
    hint: /raise its memory limit/
  },
  {
    name: 'NodePort already allocated: the 422',
    report: nodePort.report,
    class: 'node-port',
    evidence: /provided port is already allocated/,
    hint: /another nodePort than 31231, or leave it empty/
  },
  {
    name: 'quota exceeded: the FailedCreate event',
    report: failed(
      'quota-exceeded',
      'ReplicaSet web-7d9f8c6b5 cannot create pods: exceeded quota shop-quota',
      {
        events: [
          warning(
            'FailedCreate',
            `Error creating: ${QUOTA}`,
            'ReplicaSet/web-7d9f8c6b5',
            'replicaset-controller'
          )
        ]
      }
    ),
    class: 'quota',
    evidence: /exceeded quota: shop-quota, requested: requests\.cpu=2/,
    hint: /Raise ResourceQuota shop-quota in namespace shop/
  },
  {
    name: 'slow start: the pods not Ready, and the probe',
    report: failed(undefined, 'context deadline exceeded', {
      pods: [
        pod({
          phase: 'Running',
          notReadySince: '2026-11-25T10:03:10Z',
          observedAt: '2026-11-25T10:04:10.000Z'
        })
      ],
      events: [warning('Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503')]
    }),
    class: 'slow-start',
    evidence: new RegExp(`pod ${POD} not Ready for 1m 0s[\\s\\S]*Readiness probe failed`),
    hint: /increase the timeout input/
  },
  {
    name: 'PVC not binding: ProvisioningFailed',
    report: failed('claim-unbound', 'claim web-data is Pending', {
      events: [
        warning(
          'ProvisioningFailed',
          'storageclass.storage.k8s.io "fast-ssd" not found',
          'PersistentVolumeClaim/web-data',
          'persistentvolume-controller'
        )
      ]
    }),
    class: 'claim',
    evidence: /storageclass\.storage\.k8s\.io "fast-ssd" not found/,
    hint: /Create storage class fast-ssd/
  },
  {
    name: 'image pull: the pull error, not the back-off',
    report: atomicOff.report,
    class: 'image-pull',
    evidence: /no such host/,
    hint: /image name and tag/
  },
  {
    name: 'missing Secret key: the kubelet message',
    report: failed('config-error', `container web in pod ${POD} cannot start: CreateContainerConfigError`, {
      pods: [
        pod({
          containers: [
            {
              name: 'web',
              image: 'x',
              ready: false,
              restartCount: 0,
              state: 'waiting',
              reason: 'CreateContainerConfigError',
              message: `couldn't find key password in Secret shop/db`
            }
          ]
        })
      ]
    }),
    class: 'missing-config',
    evidence: /couldn't find key password in Secret shop\/db/,
    hint: /mark the reference optional/
  },
  {
    name: 'unschedulable: the scheduler',
    report: failed('unschedulable', `pod ${POD} cannot be scheduled`, {
      pods: [pod({ unschedulable: '0/3 nodes are available: 3 Insufficient cpu.' })],
      events: [
        warning(
          'FailedScheduling',
          '0/3 nodes are available: 3 Insufficient cpu.',
          `Pod/${POD}`,
          'default-scheduler'
        )
      ]
    }),
    class: 'unschedulable',
    evidence: /3 Insufficient cpu/,
    hint: /Lower the pods' resource requests/
  },
  {
    name: 'failed hook: the condition and the log',
    report: failed('job-failed', 'Job web-migrate failed: BackoffLimitExceeded', {
      workloads: [
        {
          kind: 'Job',
          name: 'web-migrate',
          desired: 1,
          ready: 0,
          conditions: [],
          hook: 'pre-upgrade',
          failure: { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }
        }
      ],
      pods: [pod({ name: 'web-migrate-x1', owner: 'Job/web-migrate', phase: 'Failed' })],
      logs: [
        {
          pod: 'web-migrate-x1',
          container: 'migrate',
          previous: false,
          lines: ['ERROR relation "users" exists'],
          truncated: false
        }
      ]
    }),
    class: 'hook',
    evidence: /BackoffLimitExceeded[\s\S]*relation "users" exists/,
    hint: /Fix the hook Job/
  },
  {
    name: 'failed test: its log',
    report: testFailed.report,
    class: 'test',
    evidence: /./,
    hint: /failing test/
  }
]

describe('whyOf: the class, the evidence and the hint of each failure', () => {
  it.each(CLASSES)('$name', ({ report, class: cls, evidence, hint }) => {
    const why = whyOf(report)
    expect(why?.class).toBe(cls)
    expect(why?.evidence?.lines.join('\n') ?? '').toMatch(evidence)
    expect(why?.evidence?.lines.length ?? 0).toBeLessThanOrEqual(5)
    expect(why?.hint).toMatch(hint)
  })

  it('is absent when the run did not fail', () => {
    expect(whyOf({ ...crashLoop.report, status: 'deployed' })).toBeUndefined()
  })

  it("explains helm's 'context canceled' after fail-fast, and shows helm's error only when it adds something", () => {
    expect(whyOf(crashLoop.report)?.helm).toBe(
      "helm's wait was ended by fail-fast after 1m 9s, so that it could roll back"
    )
    expect(whyOf(nodePort.report)?.helm).toBeUndefined()
    const same = { ...crashLoop.report, helmError: crashLoop.report.cause?.message ?? '' }
    expect(whyOf(same)?.helm).toBeUndefined()
  })
})

describe('timeline', () => {
  it('reads the deploy in one line, seconds from helm start', () => {
    expect(timelineText(timelineOf(crashLoop.report, whyOf(crashLoop.report)))).toBe(
      '0 s helm started · 8.7 s started · 27.7 s BackOff · 47.7 s exit 1 · 53.7 s restart 2 → fail-fast · 1 min 9 s rolled back to 3'
    )
  })

  it('is empty when helm did not run', () => {
    expect(timelineOf(nodePort.report, whyOf(nodePort.report))).toEqual([])
  })
})

describe('the first screen as GitHub renders it (GFM, marked)', () => {
  const documents = CLASSES.flatMap(({ name, report }) => {
    const input = { report, now: NOW, runUrl: RUN_URL }
    return [
      { name: `${name} (summary)`, markdown: renderSummary(input) },
      { name: `${name} (comment)`, markdown: renderComment(input, { marker: '<!-- sticky -->' }) }
    ]
  })

  it.each(documents)(
    '$name: the Why block comes first after the heading, its evidence before any table',
    ({ markdown }) => {
      const tokens = marked.lexer(markdown, { gfm: true })
      const content = tokens.filter(
        t => t.type !== 'space' && !(t.type === 'html' && t.raw.trim().startsWith('<!--'))
      )
      expect(content[0]?.type).toBe('heading')
      expect(content[1]?.type).toBe('paragraph')
      expect(content[1]?.raw.startsWith('**Why:**')).toBe(true)
      const firstTable = markdown.indexOf('\n| ')
      const whatToDo = markdown.indexOf('**What to do:**')
      expect(whatToDo).toBeGreaterThan(0)
      expect(whatToDo).toBeLessThan(firstTable)
      const evidence = markdown.indexOf('<pre>')
      if (evidence >= 0) expect(evidence).toBeLessThan(firstTable)
    }
  )

  it.each(documents)('$name: every table has a consistent column count', ({ markdown }) => {
    const shapes = tableShapes(markdown)
    expect(shapes.length).toBeGreaterThan(0)
    for (const shape of shapes) for (const row of shape.rows) expect(row).toBe(shape.header)
  })

  it('the crash loop: the evidence renders as a <pre> block, and the identical current instance is not repeated', () => {
    const markdown = renderSummary({ report: crashLoop.report, now: NOW })
    const html = marked.parse(markdown, { gfm: true, async: false })
    expect(html.indexOf('FATAL missing required setting DATABASE_URL')).toBeLessThan(html.indexOf('<table>'))
    expect(markdown).toContain('(previous instance; the current instance logged the same)')
    expect(markdown).not.toContain('(current instance')
    // Once in the Why block, once in the open log section.
    expect(markdown.match(/FATAL missing required setting DATABASE_URL/g)).toHaveLength(2)
  })
})
