/**
 * The first screen of a report, above every table: the Why block (root cause, evidence, what to do, helm's line),
 * what the failed upgrade changed, the facts and the timeline. Never folded away. Pure.
 */
import type { HistoryEntry } from '../helm/outcome.js'
import { cap, cell, escapeHtml, formatDuration, plainLine, table, text } from './markdown.js'
import { isFailure, type DeployReport } from './model.js'
import { timelineOf, timelineText } from './timeline.js'
import type { Why } from './why.js'

const CAUSE_CHARS = 2000
const CHANGES_SHOWN = 10

const EVIDENCE_LABELS: Record<NonNullable<Why['evidence']>['kind'], string> = {
  log: 'Last log lines of',
  event: 'From',
  helm: 'From',
  pods: 'From'
}

/** `**Why:** …`, the evidence in a block that nothing in it can break, `**What to do:** …`, helm's line. */
export function whyBlock(why: Why): string {
  const cause = cap(why.cause, CAUSE_CHARS)
  const parts = [`**Why:** ${text(/[.!?…:]$/.test(cause) ? cause : `${cause}.`)}`]
  if (why.evidence && why.evidence.lines.length > 0) {
    const label = `${EVIDENCE_LABELS[why.evidence.kind]} ${why.evidence.source}`
    const lines = why.evidence.lines.map(line => escapeHtml(plainLine(line)))
    parts.push(`${text(label)}:\n\n<pre>${lines.join('\n')}</pre>`)
  }
  parts.push(`**What to do:** ${text(why.hint)}`)
  if (why.helm) parts.push(`**Helm:** ${text(cap(why.helm, CAUSE_CHARS))}`)
  return parts.join('\n\n')
}

/** What the failed upgrade changed against the revision live before. */
export function changesBlock(changes: readonly string[]): string {
  const shown = changes.slice(0, CHANGES_SHOWN).map(c => `- ${text(cap(c, 300))}`)
  const more = changes.length - Math.min(changes.length, CHANGES_SHOWN)
  if (more > 0) shown.push(`- _and ${more} more_`)
  return ['**What changed in this deploy:**', ...shown].join('\n')
}

/** The revision the run attempted (not a rollback's copy of an older one), as helm recorded it. */
export function attemptedEntry(history: readonly HistoryEntry[]): HistoryEntry | undefined {
  const attempted = [...history].reverse().find(h => !/^Rollback to \d+$/.test(h.description))
  return attempted ?? history[history.length - 1]
}

/** The chart input as a person reads it: relative to the workspace when it is a path inside it. */
export function chartInputText(chart: string, workspace: string | undefined): string {
  if (!workspace) return chart
  const root = workspace.endsWith('/') ? workspace : `${workspace}/`
  return chart.startsWith(root) ? chart.slice(root.length) || '.' : chart
}

/** `fromRelease`: the chart as the release recorded it (a plan shows what it would deploy: the input). */
export function factsTable(report: DeployReport, workspace: string | undefined, fromRelease = true): string {
  const entry = fromRelease ? attemptedEntry(report.history) : undefined
  const input = chartInputText(report.chart, workspace)
  const chart = entry?.chart
    ? cell(entry.chart, 300)
    : report.chart
      ? cell(report.chartVersion ? `${input}@${report.chartVersion}` : input, 300)
      : ''
  const revision = (r: number | null): string => (r === null ? 'none' : String(r))
  const columns: [string, string][] = [
    ['Environment', report.environment ? cell(report.environment, 100) : ''],
    ['Release', cell(report.release, 100)],
    ['Namespace', cell(report.namespace || '(context default)', 100)],
    ['Chart', chart || '–'],
    ['App version', entry?.appVersion ? cell(entry.appVersion, 100) : ''],
    ['Revision', `${revision(report.previousRevision)} → ${revision(report.revision)}`],
    ['Duration', formatDuration(report.timings.durationMs)],
    ['Helm', cell(report.helm.version, 50)],
    ['Kube context', report.kubeContext ? cell(report.kubeContext, 100) : '']
  ]
  const shown = columns.filter(([, value]) => value !== '')
  return table(
    shown.map(([name]) => name),
    [shown.map(([, value]) => value)]
  )
}

/** The failure's timeline in one line, or nothing when helm did not run. */
export function timelineLine(report: DeployReport, why: Why | undefined): string | undefined {
  if (!isFailure(report.status)) return undefined
  const entries = timelineOf(report, why)
  return entries.length > 1 ? `**Timeline:** ${text(timelineText(entries))}` : undefined
}
