/**
 * The deploy in one line of plain text, seconds from helm's start:
 * `0 s helm started · 1.0 s started · 2.0 s exit 1 · 12.4 s restart 2 → fail-fast · 14.1 s rolled back to 3`.
 * Pure. Cluster timestamps have whole seconds; the runner's have milliseconds.
 */
import type { ContainerDiagnosis, Diagnostics } from '../kube/diagnostics.js'
import type { DeployReport } from './model.js'
import type { Why } from './why.js'

export interface TimelineEntry {
  atMs: number
  what: string
}

const MAX_ENTRIES = 8

export function timelineOf(report: DeployReport, why: Why | undefined): TimelineEntry[] {
  const start = Date.parse(report.timings.helmStartedAt ?? '')
  if (!Number.isFinite(start)) return []
  const end = Date.parse(report.timings.finishedAt)
  const entries: TimelineEntry[] = [{ atMs: 0, what: 'helm started' }]
  const at = (iso: string | undefined): number => Date.parse(iso ?? '') - start
  const add = (ms: number, what: string): void => {
    // Cluster clocks round to the second: allow a second before helm's start.
    if (Number.isFinite(ms) && ms >= -1000 && ms <= end - start + 1000)
      entries.push({ atMs: Math.max(0, ms), what })
  }
  const d = report.diagnostics
  if (d) podEntries(d, why, at, add)
  if (d?.verdict) add(d.verdict.at - start, verdictText(d))
  const helmEnd = report.timings.helmMs === null ? Number.NaN : report.timings.helmMs
  const undoneByAction = report.cause?.source === 'min-ready' || report.cause?.source === 'test'
  if (Number.isFinite(helmEnd))
    add(helmEnd, undoneByAction || !report.rolledBack ? helmReturned(report) : ending(report))
  if (undoneByAction && report.rolledBack) add(end - start, ending(report))
  return entries
    .sort((a, b) => a.atMs - b.atMs)
    .filter((e, i, all) => all.findIndex(x => x.what === e.what) === i)
    .slice(0, MAX_ENTRIES)
}

function podEntries(
  d: Diagnostics,
  why: Why | undefined,
  at: (iso: string | undefined) => number,
  add: (ms: number, what: string) => void
): void {
  const focus = why?.focus
  const pod = d.pods.find(p => p.name === focus?.pod) ?? d.pods.find(p => p.revision === 'new')
  const firstWarning = [...d.events]
    .filter(e => e.type === 'Warning' && e.firstSeen)
    .sort((a, b) => at(a.firstSeen) - at(b.firstSeen))[0]
  if (firstWarning) add(at(firstWarning.firstSeen), firstWarning.reason)
  if (!pod) return
  const started = d.events.find(e => e.object === `Pod/${pod.name}` && e.reason === 'Started')
  if (started) add(at(started.firstSeen), 'started')
  const container: ContainerDiagnosis | undefined =
    pod.containers.find(c => c.name === focus?.container) ?? pod.containers.find(c => c.lastTermination)
  const last = container?.lastTermination
  if (last?.finishedAt)
    add(at(last.finishedAt), last.reason === 'OOMKilled' ? 'OOMKilled' : `exit ${last.exitCode}`)
}

function verdictText(d: Diagnostics): string {
  const verdict = d.verdict
  if (!verdict) return ''
  const by = verdict.phase === 'wait' ? 'fail-fast' : 'min-ready'
  if (verdict.rule === 'crash-loop' || verdict.rule === 'unstable') {
    const pod = d.pods.find(p => p.name === verdict.pod)
    const restarts = Math.max(0, ...(pod?.containers.map(c => c.restartCount) ?? [0]))
    if (restarts > 0) return `restart ${restarts} → ${by}`
  }
  return `${verdict.rule} → ${by}`
}

function helmReturned(report: DeployReport): string {
  if (report.cause?.source === 'min-ready' || report.cause?.source === 'test') return 'helm succeeded'
  return report.status === 'failed' ? 'helm failed' : 'helm returned'
}

function ending(report: DeployReport): string {
  if (report.revision === null) return 'uninstalled'
  return `rolled back to ${report.previousRevision ?? report.revision}`
}

/** `0 s helm started · 2.0 s exit 1 · …` */
export function timelineText(entries: TimelineEntry[]): string {
  return entries.map(e => `${seconds(e.atMs)} ${e.what}`).join(' · ')
}

function seconds(ms: number): string {
  if (ms < 60_000) return ms === 0 ? '0 s' : `${(ms / 1000).toFixed(1)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}
