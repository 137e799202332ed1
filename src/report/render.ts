/**
 * Renders a deploy report as markdown for the job summary and (shorter) for the sticky PR comment.
 * Pure: no @actions imports, no clock (the caller passes `now`), `\n` line endings only.
 */
import type { HistoryEntry } from '../helm/outcome.js'
import type {
  Diagnostics,
  EventRecord,
  LogTail,
  PodDiagnosis,
  ReleaseResource,
  WorkloadState
} from '../kube/diagnostics.js'
import {
  age,
  cap,
  cell,
  compare,
  escapeHtml,
  formatDuration,
  plainLine,
  sentence,
  table,
  text,
  url,
  utf8Length
} from './markdown.js'
import type { TestCase } from '../deploy/test-results.js'
import { isFailure, type DeployReport } from './model.js'
import { renderPlan } from '../plan/render.js'
import { changesBlock, factsTable, timelineLine, whyBlock } from './first-screen.js'
import { notReadyForMs, whyOf, type Why } from './why.js'

export { escapeHtml, formatDuration, text }

export { isFailure }

/** GitHub rejects a step summary above 1 MiB (bytes). */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024
/** GitHub rejects an issue comment body above 65,536 characters. */
export const COMMENT_LIMIT_CHARS = 65_536

/** Hidden in the comment so a later run can tell a failure comment from a success one. */
export const OUTCOME_MARKER_PREFIX = '<!-- helm-atomic-deploy-outcome:'

export interface RenderInput {
  /** Already redacted: rendering only escapes. */
  report: DeployReport
  /** `${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}`; linked when folding. */
  runUrl?: string
  /** Epoch ms, for event ages. */
  now: number
  /** GITHUB_WORKSPACE: a chart path inside it is shown relative to it. */
  workspace?: string
}

export interface CommentOptions {
  /** First line of the comment (the sticky comment's hidden marker); counted against the limit. */
  marker?: string
  /**
   * A successful run replacing an earlier failure comment: say it is resolved and when. Set by comment.ts when
   * the existing comment reports a failure.
   */
  resolved?: boolean
  /** Defaults to COMMENT_LIMIT_CHARS; lower only in tests. */
  limit?: number
  /** The comment this one replaces: a plan in it is carried along (folded) under a deploy's result. */
  previousBody?: string
}

export interface SummaryOptions {
  /** Defaults to SUMMARY_LIMIT_BYTES; lower only in tests. */
  limitBytes?: number
}

/** The one-line root cause of a failure: the verdict when there is one, else helm's or the action's error. */
export function rootCause(report: DeployReport): string | undefined {
  return whyOf(report)?.cause
}

/** How much of each part to show; the renderers walk from generous to terse until the document fits. */
interface Detail {
  logTails: number
  logLines: number
  lineChars: number
  events: number
  history: number
  podRows: number
  cellChars: number
}

const SUMMARY_DETAILS: Detail[] = [
  { logTails: 20, logLines: 200, lineChars: 2000, events: 100, history: 20, podRows: 100, cellChars: 2000 },
  { logTails: 20, logLines: 50, lineChars: 500, events: 100, history: 20, podRows: 100, cellChars: 1000 },
  { logTails: 10, logLines: 20, lineChars: 300, events: 50, history: 10, podRows: 50, cellChars: 500 },
  { logTails: 5, logLines: 10, lineChars: 200, events: 20, history: 10, podRows: 20, cellChars: 300 },
  { logTails: 0, logLines: 0, lineChars: 0, events: 10, history: 5, podRows: 10, cellChars: 200 }
]

// Log tails first, then events, then history, then the pod table.
const COMMENT_DETAILS: Detail[] = [
  { logTails: 6, logLines: 30, lineChars: 500, events: 20, history: 5, podRows: 20, cellChars: 500 },
  { logTails: 4, logLines: 15, lineChars: 300, events: 20, history: 5, podRows: 20, cellChars: 500 },
  { logTails: 2, logLines: 5, lineChars: 200, events: 20, history: 5, podRows: 20, cellChars: 500 },
  { logTails: 0, logLines: 0, lineChars: 0, events: 20, history: 5, podRows: 20, cellChars: 500 },
  { logTails: 0, logLines: 0, lineChars: 0, events: 5, history: 5, podRows: 20, cellChars: 300 },
  { logTails: 0, logLines: 0, lineChars: 0, events: 0, history: 3, podRows: 20, cellChars: 300 },
  { logTails: 0, logLines: 0, lineChars: 0, events: 0, history: 0, podRows: 10, cellChars: 200 }
]

/** The root cause and other free text in the heading part are capped so the minimal document always fits. */
const ROOT_CAUSE_CHARS = 2000

interface Model {
  report: DeployReport
  diagnostics?: Diagnostics
  why?: Why
  workspace?: string
  runUrl?: string
  now: number
  /** Under the heading: what this run did, for a comment that carries an earlier plan. */
  statusLine?: string
}

function renderModel(input: RenderInput): Model {
  const why = whyOf(input.report)
  return {
    report: input.report,
    diagnostics: input.report.diagnostics,
    runUrl: input.runUrl,
    now: input.now,
    ...(why ? { why } : {}),
    ...(input.workspace ? { workspace: input.workspace } : {})
  }
}

export function renderSummary(input: RenderInput, options: SummaryOptions = {}): string {
  const limit = options.limitBytes ?? SUMMARY_LIMIT_BYTES
  const m = renderModel(input)
  const fits = (text: string): boolean => utf8Length(text) <= limit
  if (m.report.plan) return renderPlanned(m, 'summary', '', fits)
  return renderWithin(m, SUMMARY_DETAILS, 'summary', '', fits)
}

export function renderComment(input: RenderInput, options: CommentOptions = {}): string {
  const limit = options.limit ?? COMMENT_LIMIT_CHARS
  const m = renderModel(input)
  const head = options.marker ? `${options.marker}\n` : ''
  const fits = (text: string): boolean => text.length <= limit
  if (m.report.plan) return renderPlanned(m, 'comment', head, fits)
  const kind = options.resolved && !isFailure(m.report.status) ? 'resolved' : 'comment'
  const carried = carriedPlan(options.previousBody, m.report)
  if (carried) {
    const withStatus = { ...m, statusLine: statusLine(m) }
    const withPlan = renderWithin(withStatus, COMMENT_DETAILS, kind, head, t => fits(`${t}\n${carried}\n`))
    if (fits(`${withPlan}\n${carried}\n`)) return `${withPlan}\n${carried}\n`
  }
  return renderWithin(m, COMMENT_DETAILS, kind, head, fits)
}

/** `Deployed revision 4 in run 4242.`: what the run that follows a plan did. */
function statusLine(m: Model): string {
  const { report } = m
  const where = m.runUrl ? ` in [run ${text(m.runUrl.split('/').pop() ?? '')}](${url(m.runUrl)})` : ''
  const revision = report.revision === null ? '' : ` revision ${report.revision}`
  const what: Record<DeployReport['status'], string> = {
    deployed: `Deployed${revision}`,
    'rolled-back': `Rolled back${report.revision === null ? ' (uninstalled)' : ` to${revision}`}`,
    failed: 'Failed',
    uninstalled: 'Uninstalled',
    planned: 'Planned'
  }
  return `**${what[report.status]}${where}.**`
}

/** Wraps a plan part in the markers a later run finds it by. */
const PLAN_START = '<!-- helm-atomic-deploy-plan:'
const PLAN_END = '<!-- /helm-atomic-deploy-plan -->'

/** The plan an earlier run left in its comment, and the commit it planned. */
export function previousPlan(body: string | undefined): { commit: string; markdown: string } | undefined {
  if (!body) return undefined
  const start = body.indexOf(PLAN_START)
  const end = body.indexOf(PLAN_END, start)
  if (start < 0 || end < 0) return undefined
  const open = body.indexOf(' -->', start)
  const commit = body.slice(start + PLAN_START.length, open).trim()
  let markdown = body.slice(open + ' -->'.length, end).trim()
  // A plan carried before is folded already: carry its content, not its fold.
  const folded = /^<details><summary>📋 Plan for [^<]*<\/summary>\n\n([\s\S]*)\n\n<\/details>$/.exec(markdown)
  if (folded) markdown = folded[1] ?? markdown
  return { commit, markdown }
}

function short(commit: string): string {
  return /^[0-9a-f]{12,}$/.test(commit) ? commit.slice(0, 7) : commit
}

/** The earlier plan, folded under a deploy's result: applied when it planned this commit, outdated otherwise. */
function carriedPlan(previousBody: string | undefined, report: DeployReport): string | undefined {
  const plan = previousPlan(previousBody)
  if (!plan) return undefined
  const same = plan.commit !== '' && plan.commit === report.commit
  const state = same
    ? 'the plan of this commit'
    : `outdated: this run deployed ${text(short(report.commit) || 'another commit')}`
  return [
    `${PLAN_START}${plan.commit} -->`,
    `<details><summary>📋 Plan for ${text(short(plan.commit))} (${state})</summary>`,
    '',
    plan.markdown,
    '',
    '</details>',
    PLAN_END
  ].join('\n')
}

/** A plan's document: heading, facts, the commit it planned, and the plan itself (folded to fit). */
function renderPlanned(
  m: Model,
  kind: 'summary' | 'comment',
  head: string,
  fits: (text: string) => boolean
): string {
  const { report } = m
  const plan = report.plan
  if (!plan) return ''
  const before = [
    ...(kind === 'comment' ? [`${head}${OUTCOME_MARKER_PREFIX}${report.status} -->`] : []),
    heading(report, false),
    factsTable(report, m.workspace, false),
    report.commit
      ? `Planned for commit ${text(short(report.commit))}; nothing was changed in the cluster.`
      : 'Nothing was changed in the cluster.',
    `${PLAN_START}${report.commit} -->`
  ].join('\n\n')
  const link = m.runUrl ? `\n\n[The plan in the run summary](${url(m.runUrl)})` : ''
  const after = `\n${PLAN_END}${kind === 'comment' ? link : ''}\n`
  return `${before}\n${renderPlan(plan, { fits, before: `${before}\n`, after })}${after}`
}

type Kind = 'summary' | 'comment' | 'resolved'

function renderWithin(
  m: Model,
  details: Detail[],
  kind: Kind,
  head: string,
  fits: (text: string) => boolean
): string {
  let folded = false
  for (const detail of details) {
    const rendered = head + renderDocument(m, detail, kind, folded)
    if (fits(rendered)) return rendered
    folded = true
  }
  // Only the heading, root cause and link are left; their parts are capped, so this fits any sane limit.
  const minimal = head + renderDocument(m, undefined, kind, true)
  return fits(minimal) ? minimal : hardCut(minimal, fits)
}

/** Last resort for absurdly small limits (tests): cut whole lines from the end. */
function hardCut(text: string, fits: (text: string) => boolean): string {
  const lines = text.split('\n')
  while (lines.length > 1 && !fits(lines.join('\n'))) lines.pop()
  return lines.join('\n')
}

const STATUS_TITLES: Record<DeployReport['status'], string> = {
  deployed: '✅ Deployed',
  'rolled-back': '↩️ Rolled back',
  failed: '❌ Failed',
  uninstalled: '🗑️ Uninstalled',
  planned: '📋 Planned'
}

function renderDocument(m: Model, detail: Detail | undefined, kind: Kind, folded: boolean): string {
  const { report, diagnostics } = m
  const parts: string[] = []
  if (kind === 'comment' || kind === 'resolved') parts.push(`${OUTCOME_MARKER_PREFIX}${report.status} -->`)
  parts.push(heading(report, kind === 'resolved'))
  // The first screen: why, what changed, the facts and the timeline; never folded away.
  if (m.why) parts.push(whyBlock(m.why))
  if (m.statusLine) parts.push(m.statusLine)
  if (isFailure(report.status) && report.changes?.length) parts.push(changesBlock(report.changes))
  parts.push(factsTable(report, m.workspace))
  const timeline = timelineLine(report, m.why)
  if (timeline) parts.push(timeline)

  if (kind === 'resolved') {
    parts.push(
      `**Resolved** at ${text(report.timings.finishedAt)}: the failure reported here earlier is fixed; ` +
        `${revisionPhrase(report)}.`
    )
  }
  const actions = actionsTaken(report)
  if (actions.length > 0) {
    parts.push(
      ['**What the action did:**', ...actions.map(a => `- ${text(cap(a, ROOT_CAUSE_CHARS))}`)].join('\n')
    )
  }
  if (diagnostics?.partial) parts.push(`> [!NOTE]\n> Diagnostics are ${text(cap(diagnostics.partial, 500))}`)

  if (detail) {
    if (isFailure(report.status)) parts.push(...failureSections(m, detail))
    else parts.push(...successSections(m, detail))
  }

  if (folded) {
    parts.push(
      m.runUrl
        ? `_Some details were shortened to fit; the full report is in the [run summary](${url(m.runUrl)})._`
        : '_Some details were shortened to fit._'
    )
  } else if (kind !== 'summary' && m.runUrl) {
    parts.push(`[Full report in the run summary](${url(m.runUrl)})`)
  }
  return parts.join('\n\n') + '\n'
}

function heading(report: DeployReport, resolved: boolean): string {
  const title = resolved ? '✅ Resolved' : STATUS_TITLES[report.status]
  const where = report.environment ? ` (${text(report.environment)})` : ''
  return `### ${title}: ${text(report.release)}${where}`
}

function revisionPhrase(report: DeployReport): string {
  if (report.status === 'uninstalled') return 'the release is uninstalled'
  return report.revision === null ? 'no revision is deployed' : `revision ${report.revision} is deployed`
}

function actionsTaken(report: DeployReport): string[] {
  const actions = report.recoveries.map(r =>
    r.ok ? `Recovered a stale lock: ${r.message}` : `Could not recover a stale lock: ${r.message}`
  )
  if (isFailure(report.status) && report.detail) actions.push(sentence(report.detail))
  return actions
}

function failureSections(m: Model, detail: Detail): string[] {
  const sections: string[] = testSections(m, detail)
  const d = m.diagnostics
  if (d) {
    const workloads = d.workloads.filter(w => w.ready < w.desired || w.conditions.length > 0)
    if (workloads.length > 0) sections.push('#### Workloads not ready\n\n' + workloadTable(workloads, detail))
    const pods = podRows(d.pods, detail)
    if (pods.length > 0) {
      sections.push(
        '#### Pods not ready\n\n' +
          table(
            [
              'Pod',
              'Container',
              'State',
              'Reason',
              'Exit code',
              'Restarts',
              'For',
              'Message',
              'Pod conditions'
            ],
            pods,
            detail.podRows
          )
      )
    }
    if (detail.events > 0 && d.events.length > 0) {
      sections.push('#### Events\n\n' + eventSection(d.events, m.now, detail))
    }
    const logs = logSections(d.logs, detail, m.why?.focus)
    if (logs) sections.push('#### Logs\n\n' + logs)
    const resources = resourcesSection(d.resources, detail)
    if (resources) sections.push(resources)
  }
  if (detail.history > 0 && m.report.history.length > 0) {
    sections.push('#### Helm history\n\n' + historyTable(m.report.history, detail))
  }
  return sections
}

function successSections(m: Model, detail: Detail): string[] {
  const sections: string[] = []
  const verification = m.diagnostics?.verification
  if (verification) {
    sections.push(
      `**Verified:** ${text(verification.summary)} after helm's wait (${formatDuration(verification.waitedMs)} more).`
    )
  }
  sections.push(...testSections(m, detail))
  const workloads = m.diagnostics?.workloads ?? []
  if (workloads.length > 0) sections.push('#### Resources\n\n' + workloadTable(workloads, detail))
  const resources = resourcesSection(m.diagnostics?.resources, detail)
  if (resources) sections.push(resources)
  const t = m.report.timings
  sections.push(
    '#### Timings\n\n' +
      table(
        ['Install', 'Helm', 'Total'],
        [
          [
            formatDuration(t.installMs),
            t.helmMs === null ? '–' : formatDuration(t.helmMs),
            formatDuration(t.durationMs)
          ]
        ]
      )
  )
  if (detail.history > 0 && m.report.history.length > 0) {
    sections.push('#### Helm history\n\n' + historyTable(m.report.history, detail))
  }
  return sections
}

const TEST_PHASES: Record<TestCase['phase'], string> = {
  Succeeded: '✅ passed',
  Failed: '❌ failed',
  NotRun: '⏭️ not run',
  Unknown: '❔ unknown'
}

/** helm test's results: one row per test, then each failed test's events and log tail. */
function testSections(m: Model, detail: Detail): string[] {
  const tests = m.report.tests
  if (!tests) return []
  if (tests.result === 'none') return ['**Tests:** none (the chart has no `helm.sh/hook: test`).']
  const rows = tests.tests.map(t => [
    cell(t.name, 200),
    TEST_PHASES[t.phase],
    t.exitCode === undefined ? '–' : String(t.exitCode),
    t.durationMs === undefined ? '–' : formatDuration(t.durationMs),
    t.reason ? cell(t.reason, detail.cellChars) : '–'
  ])
  const sections = [
    `#### Tests: ${tests.result} (${formatDuration(tests.durationMs)})\n\n` +
      table(['Test', 'Result', 'Exit code', 'Duration', 'Reason'], rows, detail.podRows)
  ]
  if (tests.partial) sections.push(`> [!NOTE]\n> Test results are ${text(cap(tests.partial, 500))}`)
  for (const t of tests.tests.filter(t => t.phase === 'Failed')) {
    const parts: string[] = []
    if (detail.events > 0 && t.events.length > 0) parts.push(eventTable(t.events, m.now, detail))
    const log = t.log ? logSections([t.log], detail) : undefined
    if (log) parts.push(log)
    if (parts.length > 0) sections.push(`##### Test ${text(t.name)}\n\n${parts.join('\n\n')}`)
  }
  return sections
}

function workloadTable(workloads: WorkloadState[], detail: Detail): string {
  const rows = [...workloads]
    .sort((a, b) => compare(`${a.kind}/${a.name}`, `${b.kind}/${b.name}`))
    .map(w => [
      cell(`${w.kind}/${w.name}`, 200),
      `${w.ready}/${w.desired}`,
      w.conditions.length > 0 ? w.conditions.map(c => cell(c, detail.cellChars)).join('<br>') : '–'
    ])
  return table(['Workload', 'Ready', 'Conditions'], rows, detail.podRows)
}

function podRows(pods: PodDiagnosis[], detail: Detail): string[][] {
  const rows: string[][] = []
  for (const pod of [...pods].sort((a, b) => compare(a.name, b.name))) {
    const marks = [
      pod.revision === 'old' ? 'old revision' : '',
      pod.terminating ? 'terminating' : '',
      pod.deleted ? 'deleted' : ''
    ].filter(Boolean)
    const podName = cell(pod.name, 200) + (marks.length > 0 ? ` (${marks.join(', ')})` : '')
    const conditions = pod.conditions.map(c => cell(c, detail.cellChars)).join('<br>') || '–'
    const forMs = notReadyForMs(pod)
    const since = forMs === undefined ? '–' : formatDuration(forMs)
    const failing = pod.containers.filter(c => !c.ready)
    if (failing.length === 0 && pod.conditions.length === 0) continue
    if (failing.length === 0) {
      rows.push([podName, '–', cell(pod.phase, 50), '–', '–', '–', since, '–', conditions])
      continue
    }
    for (const c of failing) {
      const last = c.lastTermination
      const exitCode = c.exitCode ?? last?.exitCode
      const reason = [c.reason, last?.reason && last.reason !== c.reason ? `last: ${last.reason}` : undefined]
        .filter((r): r is string => Boolean(r))
        .join(', ')
      rows.push([
        podName,
        cell(c.name, 100),
        cell(c.state, 20),
        reason ? cell(reason, 200) : '–',
        exitCode === undefined ? '–' : String(exitCode),
        String(c.restartCount),
        since,
        c.message ? cell(c.message, detail.cellChars) : '–',
        conditions
      ])
    }
  }
  return rows
}

/** The release's other objects (custom resources with their Ready condition), folded. */
function resourcesSection(resources: ReleaseResource[] | undefined, detail: Detail): string | undefined {
  if (!resources || resources.length === 0 || detail.history === 0) return undefined
  const withReady = resources.some(r => r.ready !== undefined)
  const rows = resources.map(r => [
    cell(r.kind, 100),
    cell(r.name, 200),
    ...(withReady ? [r.ready ? cell(r.ready, detail.cellChars) : '–'] : [])
  ])
  const header = ['Kind', 'Name', ...(withReady ? ['Ready'] : [])]
  const what = `${resources.length} other object${resources.length === 1 ? '' : 's'} of the release`
  return `<details>\n<summary>${what}</summary>\n\n${table(header, rows, detail.podRows)}\n\n</details>`
}

/** Warnings in a table; Normal events (Pulled, Created, Scheduled…) folded under their count. */
function eventSection(events: EventRecord[], now: number, detail: Detail): string {
  const warnings = events.filter(e => e.type !== 'Normal')
  const normal = events.filter(e => e.type === 'Normal')
  const parts: string[] = []
  if (warnings.length > 0) parts.push(eventTable(warnings, now, detail))
  if (normal.length > 0) {
    const table = eventTable(normal, now, detail)
    const what = `${normal.length} Normal event${normal.length === 1 ? '' : 's'}`
    parts.push(`<details>\n<summary>${what}</summary>\n\n${table}\n\n</details>`)
  }
  return parts.join('\n\n')
}

function eventTable(events: EventRecord[], now: number, detail: Detail): string {
  // Warnings first; otherwise the watcher's order (newest last seen first) is kept: the sort is stable.
  const sorted = [...events].sort((a, b) => Number(b.type === 'Warning') - Number(a.type === 'Warning'))
  const rows = sorted.map(e => [
    cell(e.type, 20),
    cell(e.reason, 100),
    cell(e.object, 200),
    cell(e.message, detail.cellChars),
    String(e.count),
    age(e.lastSeen ?? e.firstSeen, now)
  ])
  return table(['Type', 'Reason', 'Object', 'Message', 'Count', 'Age'], rows, detail.events)
}

function historyTable(history: HistoryEntry[], detail: Detail): string {
  const rows = [...history]
    .sort((a, b) => a.revision - b.revision)
    .slice(-detail.history)
    .map(h => [
      String(h.revision),
      h.updated ? cell(h.updated.replace(/\.\d+/, ''), 40) : '–',
      cell(h.status, 30),
      cell(h.chart, 100),
      h.appVersion ? cell(h.appVersion, 50) : '–',
      h.description ? cell(h.description, detail.cellChars) : '–'
    ])
  return table(['Revision', 'Updated', 'Status', 'Chart', 'App version', 'Description'], rows)
}

/** A current instance that logged exactly what the previous one did is not shown twice. */
function repeatsPrevious(tail: LogTail, logs: LogTail[]): boolean {
  if (tail.previous) return false
  const previous = logs.find(l => l.previous && l.pod === tail.pod && l.container === tail.container)
  return previous !== undefined && previous.lines.join('\n') === tail.lines.join('\n')
}

/** The evidence container's tail open and first; the others folded. */
function logSections(
  logs: LogTail[],
  detail: Detail,
  focus?: { pod: string; container?: string }
): string | undefined {
  if (detail.logTails === 0 || logs.length === 0) return undefined
  const isFocus = (t: LogTail): boolean =>
    focus !== undefined &&
    t.pod === focus.pod &&
    (focus.container === undefined || t.container === focus.container)
  const distinct = logs.filter(t => !repeatsPrevious(t, logs))
  const ordered = [...distinct.filter(isFocus), ...distinct.filter(t => !isFocus(t))]
  const focusTail = ordered.find(isFocus)
  const shown = ordered.slice(0, detail.logTails).map(tail => {
    const lines = tail.lines.slice(-detail.logLines).map(line => cap(plainLine(line), detail.lineChars))
    const dropped = tail.lines.length - Math.min(tail.lines.length, detail.logLines)
    const note = tail.truncated || dropped > 0 ? `, last ${lines.length} lines` : ''
    const same = !tail.previous
      ? ''
      : logs.some(t => repeatsPrevious(t, logs) && t.pod === tail.pod && t.container === tail.container)
        ? '; the current instance logged the same'
        : ''
    const which = tail.previous ? 'previous instance' : 'current instance'
    // <pre> with every character HTML-escaped: nothing in a log line can close the block or inject markup.
    return [
      tail === focusTail ? '<details open>' : '<details>',
      `<summary>${text(tail.pod)} / ${text(tail.container)} (${which}${note}${same})</summary>`,
      '',
      `<pre>${lines.map(line => escapeHtml(line)).join('\n')}</pre>`,
      '',
      '</details>'
    ].join('\n')
  })
  const omitted = ordered.length - shown.length
  if (omitted > 0) shown.push(`_${omitted} more log tail${omitted === 1 ? '' : 's'} not shown._`)
  return shown.join('\n\n')
}
