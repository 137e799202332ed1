/** What a helm run did to the release, read from helm's error and the release history. Pure. */
import type { FailureCause } from '../cause.js'
import type { DeployMode } from '../inputs/index.js'

/** One element of `helm history -o json`, oldest first. */
export interface HistoryEntry {
  revision: number
  /** RFC 3339 with nanoseconds; empty when Helm 4 omitted a zero time. */
  updated: string
  status: string
  chart: string
  appVersion: string
  description: string
}

export type OutcomeStatus = 'deployed' | 'rolled-back' | 'failed' | 'uninstalled' | 'planned'

export interface Outcome {
  status: OutcomeStatus
  /** Live (deployed) revision after the run. */
  revision?: number
  /** Live (deployed) revision before the run. */
  previousRevision?: number
  rolledBack: boolean
  cause?: FailureCause
  /** What happened to the release store, for the report. */
  detail?: string
}

export interface OutcomeFacts {
  release: string
  mode: DeployMode
  exitCode: number
  stderr: string
  historyBefore: readonly HistoryEntry[]
  historyAfter: readonly HistoryEntry[]
  atomic: boolean
}

const PENDING_STATUSES = new Set(['pending-install', 'pending-upgrade', 'pending-rollback'])
const ROLLBACK_DESCRIPTION = /^Rollback to (\d+)$/
const CANCELLED_NOTICE = /^Release \S+ has been cancelled\.$/
const NOT_FOUND = /^Error: (?:\S+: )?release: not found$/m
/** helm refusing because another helm holds the release, or lost the race to create its revision. */
const CONCURRENT =
  /another operation \(install\/upgrade\/rollback\) is in progress|release: already exists|cannot re-use a name that is still in use/

/** helm's answer for a release that does not exist (history, status, rollback). */
export function isReleaseNotFound(stderr: string): boolean {
  return NOT_FOUND.test(stderr)
}

/** Parses `helm history -o json` output, oldest first. */
export function parseHistory(stdout: string): HistoryEntry[] {
  // Helm prints the cancel notice on stdout even with -o json.
  const json = stdout
    .split(/\r?\n/)
    .filter(line => !CANCELLED_NOTICE.test(line.trim()))
    .join('\n')
    .trim()
  if (json === '') return []
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    throw new Error(`helm history output is not JSON: ${json.slice(0, 200)}`)
  }
  if (parsed === null) return []
  if (!Array.isArray(parsed)) throw new Error('helm history output is not a JSON array')
  return parsed
    .map((item: unknown): HistoryEntry => {
      const entry = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {}
      return {
        revision: typeof entry.revision === 'number' ? entry.revision : Number(entry.revision),
        updated: stringField(entry.updated),
        status: stringField(entry.status),
        chart: stringField(entry.chart),
        appVersion: stringField(entry.app_version),
        description: stringField(entry.description)
      }
    })
    .filter(entry => Number.isInteger(entry.revision))
    .sort((a, b) => a.revision - b.revision)
}

function stringField(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

const HELM_TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/

/** Epoch ms of a history `updated` value (nanoseconds, `Z` or `+hh:mm`); undefined when unparsable. */
export function parseHelmTimestamp(value: string): number | undefined {
  const match = HELM_TIMESTAMP.exec(value.trim())
  if (!match) return undefined
  const [, seconds, fraction = '', zone] = match
  // Date.parse only promises millisecond precision.
  const ms = Date.parse(`${seconds}.${fraction.padEnd(3, '0').slice(0, 3)}${zone}`)
  return Number.isNaN(ms) ? undefined : ms
}

function latest(history: readonly HistoryEntry[]): HistoryEntry | undefined {
  let found: HistoryEntry | undefined
  for (const entry of history) if (!found || entry.revision > found.revision) found = entry
  return found
}

/** The highest revision whose status is deployed. */
export function liveRevision(history: readonly HistoryEntry[]): number | undefined {
  let live: number | undefined
  for (const entry of history) {
    if (entry.status === 'deployed' && (live === undefined || entry.revision > live)) live = entry.revision
  }
  return live
}

const HELM_LOG_LINE = /^(?:level=\w+ |\w+\.go:\d+: |WARNING: |Flag --\S+ has been deprecated)/
const ATOMIC_WRAPPER =
  /^release \S+ failed, and has been (uninstalled|rolled back) due to (?:atomic|rollback-on-failure) being set: /
const ROLLBACK_FAILED = 'an error occurred while rolling back the release. original upgrade error: '
const UNINSTALL_FAILED = 'an error occurred while uninstalling the release. original install error: '
const NO_GOOD_REVISION =
  'unable to find a previously successful release when attempting to rollback. original upgrade error: '
/**
 * How a rollback's or atomic uninstall's own error starts, to split it from the original error:
 * the release-level wordings first, then hook and multierror ones, which an original error may contain too.
 */
const CLEANUP_ERROR_STARTS = [
  /^(?:release \S+ failed|Rollback "|Release "|uninstall|failed to delete)/,
  /^(?:\d+ errors? occurred|(?:pre|post)-(?:rollback|delete))/
]

interface ParsedError {
  /** Root cause of the deploy failure. */
  reason: string
  /** What atomic cleanup did, when the error says so. */
  cleanup?: 'uninstalled' | 'rolled back' | 'rollback failed' | 'uninstall failed' | 'no good revision'
  /** The cleanup's own error. */
  cleanupError?: string
}

/** Helm's root error from stderr, without the `Error:`, phase and atomic-wrapper prefixes; '' when none. */
export function helmErrorText(stderr: string): string {
  return parseHelmError(stderr)?.reason ?? ''
}

function parseHelmError(stderr: string): ParsedError | undefined {
  const lines = stderr.split(/\r?\n/)
  const start = lines.findIndex(line => line.startsWith('Error: '))
  let message: string
  if (start < 0) {
    message = lines
      .filter(line => !HELM_LOG_LINE.test(line) && !CANCELLED_NOTICE.test(line.trim()))
      .join('\n')
  } else {
    // The message runs until the next log line (a --debug stack trace or a slog line).
    const body: string[] = []
    for (const line of lines.slice(start)) {
      if (body.length > 0 && HELM_LOG_LINE.test(line)) break
      body.push(line)
    }
    message = body.join('\n').slice('Error: '.length)
  }
  message = message.trim().replace(/^(?:INSTALLATION|UPGRADE) FAILED: /, '')
  if (message === '') return undefined

  const wrapper = ATOMIC_WRAPPER.exec(message)
  if (wrapper) {
    return {
      reason: tidy(message.slice(wrapper[0].length)),
      cleanup: wrapper[1] === 'uninstalled' ? 'uninstalled' : 'rolled back'
    }
  }
  for (const [prefix, cleanup] of [
    [ROLLBACK_FAILED, 'rollback failed'],
    [UNINSTALL_FAILED, 'uninstall failed']
  ] as const) {
    if (message.startsWith(prefix)) {
      const [original, cleanupError] = splitCleanupError(message.slice(prefix.length))
      return { reason: tidy(original), cleanup, cleanupError: tidy(cleanupError) }
    }
  }
  if (message.startsWith(NO_GOOD_REVISION)) {
    return { reason: tidy(message.slice(NO_GOOD_REVISION.length)), cleanup: 'no good revision' }
  }
  return { reason: tidy(message) }
}

/**
 * Helm joins `<original error>: <cleanup error>` with no marker, and either side may contain `: `;
 * split at the first `: ` followed by something that reads like a cleanup error.
 */
function splitCleanupError(text: string): [string, string] {
  for (const start of CLEANUP_ERROR_STARTS) {
    for (let at = text.indexOf(': '); at >= 0; at = text.indexOf(': ', at + 2)) {
      if (start.test(text.slice(at + 2))) return [text.slice(0, at), text.slice(at + 2)]
    }
  }
  return [text, '']
}

/**
 * Flattens hashicorp multierror lists (`1 error occurred:\n\t* x`) and drops the trailing
 * `context deadline exceeded` that Helm 4 appends after the resources that were not ready.
 */
function tidy(text: string): string {
  let result = text.replace(/(\d+) errors? occurred:\n((?:\t\* .*(?:\n|$))+)/g, (_all, _n, items: string) =>
    items
      .split('\n')
      .map(item => item.replace(/^\t\* /, '').trim())
      .filter(item => item !== '')
      .join('; ')
  )
  result = result.trim()
  const lines = result.split('\n')
  if (
    lines.length > 1 &&
    lines[lines.length - 1]?.trim() === 'context deadline exceeded' &&
    lines.slice(0, -1).every(line => line.startsWith('resource ') || line.trim() === '')
  ) {
    result = lines.slice(0, -1).join('\n').trim()
  }
  return result
}

/** What classifyOutcome works from once helm failed: the parsed error and the outcome's common fields. */
interface Failure {
  facts: OutcomeFacts
  error?: ParsedError
  cause: FailureCause
  base: Pick<Outcome, 'previousRevision' | 'revision' | 'rolledBack'>
}

export function classifyOutcome(facts: OutcomeFacts): Outcome {
  const previousRevision = liveRevision(facts.historyBefore)
  const revision = liveRevision(facts.historyAfter)
  if (facts.exitCode === 0) {
    return facts.mode === 'uninstall'
      ? { status: 'uninstalled', previousRevision, rolledBack: false }
      : { status: 'deployed', previousRevision, revision, rolledBack: false }
  }
  const error = parseHelmError(facts.stderr)
  const cause: FailureCause = {
    source: 'helm',
    message: error?.reason ?? `helm exited with ${facts.exitCode}`
  }
  const failure: Failure = { facts, error, cause, base: { previousRevision, revision, rolledBack: false } }
  if (facts.mode === 'uninstall')
    return { ...failure.base, status: 'failed', cause, detail: 'helm uninstall failed' }
  return concurrentOutcome(failure) ?? storeOutcome(failure)
}

/** Another helm holds the release or made the newest revision while ours ran: theirs, not ours to report. */
function concurrentOutcome({ facts, cause, base }: Failure): Outcome | undefined {
  const newest = latest(facts.historyAfter)
  if (!newest || !CONCURRENT.test(cause.message)) return undefined
  const since = parseHelmTimestamp(newest.updated)
  const when = since === undefined ? '' : ` since ${new Date(since).toISOString()}`
  const message = PENDING_STATUSES.has(newest.status)
    ? `another deploy of release ${facts.release} is in progress (${newest.status}${when})`
    : `another deploy of release ${facts.release} ran at the same time (it made revision ${newest.revision}, ${newest.status})`
  return {
    ...base,
    status: 'failed',
    cause: { source: 'concurrent', message },
    detail: 'this run changed nothing'
  }
}

/** What helm's failure left in the release store, and what its atomic cleanup did. */
function storeOutcome({ facts, error, cause, base }: Failure): Outcome {
  const newest = latest(facts.historyAfter)
  const newestBefore = latest(facts.historyBefore)?.revision ?? 0
  const failed = (detail: string): Outcome => ({ ...base, status: 'failed', cause, detail })
  if (!newest) {
    if (error?.cleanup === 'uninstalled') {
      const detail = 'the failed install was uninstalled; no release is left'
      return { ...base, status: 'rolled-back', revision: undefined, rolledBack: true, cause, detail }
    }
    if (newestBefore > 0) return failed('the release no longer exists')
    return failed('helm failed before a release was recorded; there was nothing to roll back')
  }
  if (newest.revision <= newestBefore) {
    const where =
      base.revision === undefined ? 'no revision is deployed' : `revision ${base.revision} is still live`
    return failed(`helm failed before creating a new revision; ${where}`)
  }
  const rollbackTarget = ROLLBACK_DESCRIPTION.exec(newest.description)
  if (newest.status === 'deployed' && rollbackTarget) {
    const detail = `rolled back to revision ${rollbackTarget[1]} as revision ${newest.revision}`
    return { ...base, status: 'rolled-back', revision: newest.revision, rolledBack: true, cause, detail }
  }
  const left = `revision ${newest.revision} is ${newest.status}`
  if (PENDING_STATUSES.has(newest.status)) {
    return failed(`${left}: helm stopped before recording a result; the release needs recovery`)
  }
  if (!facts.atomic) return failed(`atomic is off, so nothing was rolled back; ${left}`)
  switch (error?.cleanup) {
    case 'rollback failed':
      return failed(`the rollback failed: ${error.cleanupError || 'see the helm error'}; ${left}`)
    case 'uninstall failed':
      return failed(`the atomic uninstall failed: ${error.cleanupError || 'see the helm error'}; ${left}`)
    case 'no good revision':
      return failed(`there was no earlier deployed or superseded revision to roll back to; ${left}`)
    default:
      return failed(`the release was not restored; ${left}`)
  }
}

export type PendingLockDecision =
  | { kind: 'none' }
  | { kind: 'recover'; action: 'uninstall' }
  | { kind: 'recover'; action: 'rollback'; toRevision: number }
  | { kind: 'refuse'; message: string }

export interface PendingLockOptions {
  release: string
  /** Epoch ms. */
  now: number
  timeoutMs: number
  marginMs: number
  recoverPending: boolean
}

/**
 * Decides what to do about a release whose latest revision is pending, i.e. locked by a helm that was
 * killed or is still running. Only one older than timeout + margin is taken to be abandoned.
 */
export function pendingLockDecision(
  history: readonly HistoryEntry[],
  options: PendingLockOptions
): PendingLockDecision {
  const newest = latest(history)
  if (!newest || !PENDING_STATUSES.has(newest.status)) return { kind: 'none' }

  const since = parseHelmTimestamp(newest.updated)
  // A lock of unknown age is stale only for a caller that knows its holder is gone (now = +Infinity).
  const staleAt =
    since === undefined ? Number.POSITIVE_INFINITY : since + options.timeoutMs + options.marginMs
  const sinceText = since === undefined ? 'an unknown time' : new Date(since).toISOString()
  if (options.now < staleAt) {
    const until = since === undefined ? 'its age is known' : new Date(staleAt).toISOString()
    return {
      kind: 'refuse',
      message: `another operation is in progress on release ${options.release} (${newest.status} since ${sinceText}); not stale until ${until}`
    }
  }
  if (!options.recoverPending) {
    return {
      kind: 'refuse',
      message: `release ${options.release} is stuck in ${newest.status} since ${sinceText}; recover-pending is off, so recover it by hand (helm rollback or helm uninstall)`
    }
  }
  if (newest.status === 'pending-install') return { kind: 'recover', action: 'uninstall' }
  // Helm's own atomic rollback picks the same target: the newest revision that was once deployed.
  let target: number | undefined
  for (const entry of history) {
    if (
      entry.revision < newest.revision &&
      (entry.status === 'deployed' || entry.status === 'superseded') &&
      (target === undefined || entry.revision > target)
    ) {
      target = entry.revision
    }
  }
  return target === undefined
    ? { kind: 'recover', action: 'uninstall' }
    : { kind: 'recover', action: 'rollback', toRevision: target }
}
