/**
 * What `helm test` established, per test: helm's record of each test hook joined with what the test watcher saw of
 * its pod (phase, exit code, log tail, events) — helm prints only "Phase: Failed", and nothing at all for a pod
 * that never started. Pure.
 */
import type { FailureCause } from '../cause.js'
import type { ReleaseHook } from '../helm/hooks.js'
import type {
  ContainerDiagnosis,
  Diagnostics,
  EventRecord,
  LogTail,
  PodDiagnosis,
  Verdict
} from '../kube/diagnostics.js'

/** `NotRun`: helm stops at the first failing test, so later ones never start. */
export type TestPhase = 'Succeeded' | 'Failed' | 'NotRun' | 'Unknown'

export interface TestCase {
  /** The test hook's object name, e.g. `web-test-connection`. */
  name: string
  /** `Pod` usually; a `Job` test runs its own pods. */
  kind: string
  phase: TestPhase
  /** The pod the evidence comes from (a Job test's pod has its own name). */
  pod?: string
  /** The test container's exit code, when it ran to the end. */
  exitCode?: number
  /** helm's record: from the hook's start to its completion (or to the end of helm test when cut short). */
  durationMs?: number
  /** Why it failed, one line: `pod web-test exited with code 3`, a fail-fast verdict, what it waited for. */
  reason?: string
  /** The test container's log tail. */
  log?: LogTail
  /** Events about the test's pod (and Job), Warnings first. */
  events: EventRecord[]
}

export interface TestResults {
  /** `none`: the chart has no test hooks (helm test was not run). */
  result: 'passed' | 'failed' | 'none'
  tests: TestCase[]
  /** How long helm test ran. */
  durationMs: number
  /** helm test's own error, one line, when it failed. */
  helmError?: string
  /** The fail-fast verdict that ended helm test (a test pod that could not pull its image or be scheduled). */
  verdict?: Verdict
  /** Set when some reads failed: `partial: <why>`. */
  partial?: string
}

/** What one helm test run left behind. */
export interface TestEvidence {
  /** The release's test hooks after the run (helm's record), in the order helm ran them. */
  hooks: readonly ReleaseHook[]
  exitCode: number
  stderr: string
  durationMs: number
  /** Epoch ms when helm test ended: the end of a test it was stopped in. */
  endedAt: number
  /** helm test's --timeout, for a test that did not finish. */
  timeout: string
  /** The test watcher's capture; absent without a watcher. */
  diagnostics?: Diagnostics
  /** Reads that failed besides the watcher's. */
  partial?: string[]
}

/** helm's error for a failed test run in one line (helm 3 wraps it as `1 error occurred: * …`). */
export function testErrorText(stderr: string): string {
  const at = stderr.indexOf('Error: ')
  const message = at < 0 ? stderr : stderr.slice(at + 'Error: '.length)
  return message
    .replace(/^\s*\d+ errors? occurred:\s*/, '')
    .split(/\r?\n/)
    .map(line => line.replace(/^\s*\*\s*/, '').trim())
    .filter(line => line !== '')
    .join('; ')
}

export function buildTestResults(evidence: TestEvidence): TestResults {
  const verdict = evidence.diagnostics?.verdict
  const failed = evidence.exitCode !== 0 || verdict !== undefined
  const tests = evidence.hooks.map(hook => testCase(hook, evidence))
  const results: TestResults = {
    result: failed ? 'failed' : 'passed',
    tests,
    durationMs: evidence.durationMs
  }
  const helmError = failed ? testErrorText(evidence.stderr) : ''
  if (helmError) results.helmError = helmError
  if (verdict) results.verdict = verdict
  const partial = [
    ...(evidence.diagnostics?.partial ? [evidence.diagnostics.partial.replace(/^partial: /, '')] : []),
    ...(evidence.partial ?? [])
  ]
  if (partial.length > 0) results.partial = `partial: ${partial.join('; ')}`
  return results
}

/** The cause of a failed test run: the first failed test's reason, else helm's error. */
export function testFailureCause(results: TestResults): FailureCause {
  const failed = results.tests.find(t => t.phase === 'Failed' && t.reason)
  const message =
    failed?.reason ??
    results.verdict?.message ??
    results.helmError ??
    'helm test failed without an error message'
  return { source: 'test', message, ...(results.verdict ? { rule: results.verdict.rule } : {}) }
}

function testCase(hook: ReleaseHook, evidence: TestEvidence): TestCase {
  const pod = podOf(hook, evidence.diagnostics?.pods ?? [])
  const verdict = evidence.diagnostics?.verdict
  const stoppedHere = verdict !== undefined && hook.phase === 'Running'
  const phase: TestPhase =
    hook.phase === 'Succeeded' || hook.phase === 'Failed'
      ? hook.phase
      : stoppedHere
        ? 'Failed'
        : hook.startedAt === undefined
          ? 'NotRun'
          : 'Unknown'
  const test: TestCase = { name: hook.name, kind: hook.kind, phase, events: [] }
  if (hook.startedAt !== undefined) {
    test.durationMs = Math.max(0, (hook.completedAt ?? evidence.endedAt) - hook.startedAt)
  }
  if (!pod) {
    if (phase === 'Failed') test.reason = stoppedHere ? verdict.message : helmReason(evidence)
    return test
  }
  test.pod = pod.name
  const container = testContainer(pod)
  if (container?.exitCode !== undefined) test.exitCode = container.exitCode
  const log = evidence.diagnostics?.logs.find(
    l => l.pod === pod.name && !l.previous && (!container || l.container === container.name)
  )
  if (log) test.log = log
  const objects = new Set([`Pod/${pod.name}`, `${hook.kind}/${hook.name}`])
  test.events = (evidence.diagnostics?.events ?? []).filter(e => objects.has(e.object))
  if (phase === 'Failed') {
    test.reason = stoppedHere && verdict ? verdict.message : failureReason(hook, pod, container, evidence)
  }
  return test
}

/** A Pod test's pod by name; a Job test's newest pod (the failed one, when there is one). */
function podOf(hook: ReleaseHook, pods: readonly PodDiagnosis[]): PodDiagnosis | undefined {
  if (hook.kind === 'Pod') return pods.find(p => p.name === hook.name)
  const own = pods.filter(p => p.owner === `${hook.kind}/${hook.name}`)
  return own.find(p => p.phase === 'Failed') ?? own[own.length - 1]
}

/** The container that decided the test: the first that failed, else the last that ran. */
function testContainer(pod: PodDiagnosis): ContainerDiagnosis | undefined {
  const ended = pod.containers.filter(c => c.state === 'terminated')
  return (
    ended.find(c => c.exitCode !== 0) ??
    pod.containers.find(c => c.state !== 'terminated') ??
    ended[ended.length - 1] ??
    pod.containers[0]
  )
}

function failureReason(
  hook: ReleaseHook,
  pod: PodDiagnosis,
  container: ContainerDiagnosis | undefined,
  evidence: TestEvidence
): string {
  const owner = hook.kind === 'Pod' ? '' : ` of ${hook.kind} ${hook.name}`
  const several = pod.containers.length > 1 && container ? `container ${container.name} in ` : ''
  if (container?.state === 'terminated' && container.exitCode !== undefined && container.exitCode !== 0) {
    const why = container.reason && container.reason !== 'Error' ? ` (${container.reason})` : ''
    return `${several}pod ${pod.name}${owner} exited with code ${container.exitCode}${why}`
  }
  if (pod.phase === 'Pending' || pod.phase === 'Running' || container?.state === 'waiting') {
    return `pod ${pod.name}${owner} did not finish within ${evidence.timeout} (${waitingFor(pod, container)})`
  }
  return helmReason(evidence)
}

/** What a pod that did not finish was doing: its container's waiting reason, the scheduler's message, its phase. */
function waitingFor(pod: PodDiagnosis, container: ContainerDiagnosis | undefined): string {
  if (pod.unschedulable) return `unschedulable: ${pod.unschedulable}`
  if (container?.state === 'waiting' && container.reason) {
    return `${container.reason}${container.message ? `: ${container.message}` : ''}`
  }
  return pod.phase === 'Running' && container?.state === 'running' ? 'still running' : pod.phase
}

function helmReason(evidence: TestEvidence): string {
  return testErrorText(evidence.stderr) || `helm test exited with code ${evidence.exitCode}`
}
