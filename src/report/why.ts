/**
 * The first screen's answer to "why did it fail": the failure's class, its root cause in a sentence, the evidence
 * right under it (a log tail, the decisive event, helm's own error) and what to do. Pure: report in, data out.
 */
import type {
  ContainerDiagnosis,
  Diagnostics,
  EventRecord,
  LogTail,
  PodDiagnosis
} from '../kube/diagnostics.js'
import { formatDuration, oneLine } from './markdown.js'
import { isFailure, type DeployReport } from './model.js'

export type FailureClass =
  | 'crash-loop'
  | 'oom-killed'
  | 'node-port'
  | 'quota'
  | 'slow-start'
  | 'claim'
  | 'image-pull'
  | 'missing-config'
  | 'unschedulable'
  | 'hook'
  | 'progress-deadline'
  | 'test'
  | 'helm'
  | 'input'
  | 'install'
  | 'cluster'
  | 'concurrent'
  | 'cancelled'
  | 'refused'

export interface Evidence {
  /** `log`: a container's log tail; `event`: the decisive event or status message; `helm`: helm's error. */
  kind: 'log' | 'event' | 'helm' | 'pods'
  /** Where it comes from, e.g. `pod web-7d9f-x, container web, previous instance`. */
  source: string
  /** At most EVIDENCE_LINES lines, each one line. */
  lines: string[]
}

export interface Why {
  class: FailureClass
  /** The root cause in one sentence. */
  cause: string
  evidence?: Evidence
  /** One line: what to do about this class of failure. */
  hint: string
  /** helm's own error, only when it adds to the cause (or what helm's "context canceled" meant). */
  helm?: string
  /** The pod and container the evidence is about, so the log section can open that tail. */
  focus?: { pod: string; container?: string }
}

export const EVIDENCE_LINES = 5
const EVIDENCE_CHARS = 400

/** The Why of a failed run; undefined when the run did not fail. */
export function whyOf(report: DeployReport): Why | undefined {
  if (!isFailure(report.status)) return undefined
  const cause = causeSentence(report)
  const source = report.cause?.source
  const simple = source ? SIMPLE_CLASSES[source] : undefined
  if (simple) return { class: simple, cause, hint: HINTS[simple](report, { class: simple }) }
  const found = classify(report)
  const why: Why = { class: found.class, cause, hint: HINTS[found.class](report, found) }
  if (found.evidence) why.evidence = found.evidence
  if (found.focus) why.focus = found.focus
  const helm = helmLine(report, found.evidence)
  if (helm) why.helm = helm
  return why
}

/** Failures with nothing in the cluster to show: the cause is the whole story. */
const SIMPLE_CLASSES: Partial<Record<string, FailureClass>> = {
  input: 'input',
  install: 'install',
  cluster: 'cluster',
  concurrent: 'concurrent',
  cancelled: 'cancelled',
  refused: 'refused'
}

function causeSentence(report: DeployReport): string {
  // A test's cause alone (`pod x exited with code 3`) does not say it was a test.
  const text = report.cause?.source === 'test' ? report.failureReason : report.cause?.message
  return oneLine(text ?? report.failureReason ?? report.detail ?? 'helm failed')
}

interface Found {
  class: FailureClass
  evidence?: Evidence
  focus?: { pod: string; container?: string }
  /** The decisive text the hint reads names from (a quota, a storage class). */
  text?: string
}

const NODE_PORT = /provided port is already allocated|port is already allocated|nodePort.*already allocated/i
const QUOTA = /exceeded quota/i
const HOOK = /hook|job .* failed|BackoffLimitExceeded|DeadlineExceeded/i
const TIMEOUT = /context deadline exceeded|timed out waiting|\bnot ready\b|timeout|wait.*exceeded/i

/** The class from the verdict rule when there is one, else from helm's error and what the pods show. */
function classify(report: DeployReport): Found {
  const d = report.diagnostics
  const rule = report.cause?.rule
  if (report.cause?.source === 'test') return testFound(report)
  if (rule && d) {
    const byRule = fromRule(rule, d, report)
    if (byRule) return byRule
  }
  const error = report.cause?.source === 'helm' ? (report.cause.message ?? '') : (report.helmError ?? '')
  if (NODE_PORT.test(error)) return { class: 'node-port', evidence: helmEvidence(error), text: error }
  if (QUOTA.test(error)) return { class: 'quota', evidence: helmEvidence(error), text: error }
  const fromPods = d ? fromState(d) : undefined
  if (fromPods) return fromPods
  if (HOOK.test(error)) return { class: 'hook', evidence: helmEvidence(error) }
  if (TIMEOUT.test(error) && d) return slowStart(d)
  return { class: 'helm', evidence: helmEvidence(error || causeSentence(report)) }
}

function fromRule(rule: string, d: Diagnostics, report: DeployReport): Found | undefined {
  const pod = d.pods.find(p => p.name === d.verdict?.pod)
  switch (rule) {
    case 'crash-loop':
    case 'unstable':
      return pod ? crashFound(pod, d) : undefined
    case 'image-pull':
    case 'invalid-image':
      return pod ? containerFound('image-pull', pod, d, isPullState) : undefined
    case 'config-error':
      return pod
        ? containerFound('missing-config', pod, d, c => c.reason === 'CreateContainerConfigError')
        : undefined
    case 'unschedulable':
      return unschedulableFound(d, pod)
    case 'job-failed':
      return hookFound(d)
    case 'progress-deadline':
      return progressFound(d)
    case 'quota-exceeded':
      return eventFound('quota', d, e => QUOTA.test(e.message))
    case 'claim-unbound':
      return eventFound('claim', d, e => e.reason === 'ProvisioningFailed' || e.reason === 'FailedBinding')
    default:
      return report.cause?.source === 'helm' ? undefined : pod ? crashFound(pod, d) : undefined
  }
}

/** No verdict (fail-fast off, or helm failed first): what the new revision's pods show, most decisive first. */
function fromState(d: Diagnostics): Found | undefined {
  const failedJob = d.workloads.find(w => w.kind === 'Job' && w.failure)
  if (failedJob) return hookFound(d)
  const pods = d.pods.filter(p => p.revision === 'new')
  const withContainer = (test: (c: ContainerDiagnosis) => boolean) => pods.find(p => p.containers.some(test))
  const pulling = withContainer(isPullState)
  if (pulling) return containerFound('image-pull', pulling, d, isPullState)
  const config = withContainer(c => c.reason === 'CreateContainerConfigError')
  if (config)
    return containerFound('missing-config', config, d, c => c.reason === 'CreateContainerConfigError')
  const crashed = withContainer(c => crashedContainer(c))
  if (crashed) return crashFound(crashed, d)
  const unschedulable = pods.find(p => p.unschedulable)
  if (unschedulable) return unschedulableFound(d, unschedulable)
  const quota = d.events.find(e => e.type === 'Warning' && QUOTA.test(e.message))
  if (quota) return eventFound('quota', d, e => e === quota)
  const claim = d.events.find(e => e.reason === 'ProvisioningFailed' || e.reason === 'FailedBinding')
  if (claim) return eventFound('claim', d, e => e === claim)
  const deadline = d.workloads.find(w => w.failure?.reason === 'ProgressDeadlineExceeded')
  if (deadline) return progressFound(d)
  return undefined
}

function isPullState(c: ContainerDiagnosis): boolean {
  return /ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull/.test(c.reason ?? '')
}

function crashedContainer(c: ContainerDiagnosis): boolean {
  const last = c.lastTermination
  return (
    c.reason === 'CrashLoopBackOff' ||
    c.reason === 'OOMKilled' ||
    (c.state === 'terminated' && c.exitCode !== undefined && c.exitCode !== 0) ||
    (last !== undefined && (last.exitCode !== 0 || last.reason === 'OOMKilled'))
  )
}

function crashFound(pod: PodDiagnosis, d: Diagnostics): Found {
  const container = pod.containers.find(crashedContainer) ?? pod.containers.find(c => !c.ready)
  const oom = container?.lastTermination?.reason === 'OOMKilled' || container?.reason === 'OOMKilled'
  const tail = container ? bestTail(d.logs, pod.name, container.name) : undefined
  const focus = { pod: pod.name, ...(container ? { container: container.name } : {}) }
  const found: Found = { class: oom ? 'oom-killed' : 'crash-loop', focus }
  if (tail && tail.lines.length > 0) {
    found.evidence = {
      kind: 'log',
      source: `pod ${pod.name}, container ${tail.container}, ${tail.previous ? 'previous' : 'current'} instance`,
      lines: lastLines(tail.lines)
    }
  } else if (container) {
    const exit = container.lastTermination ?? { exitCode: container.exitCode, reason: container.reason }
    const line = `exit code ${exit.exitCode ?? '?'}${exit.reason ? ` (${exit.reason})` : ''}; the container logged nothing`
    found.evidence = { kind: 'event', source: `pod ${pod.name}, container ${container.name}`, lines: [line] }
  }
  return found
}

/** The tail of the crashed (previous) instance when there is one, else the current one's. */
function bestTail(logs: LogTail[], pod: string, container: string): LogTail | undefined {
  const tails = logs.filter(l => l.pod === pod && l.container === container && l.lines.length > 0)
  return tails.find(l => l.previous) ?? tails[0]
}

function containerFound(
  cls: FailureClass,
  pod: PodDiagnosis,
  d: Diagnostics,
  test: (c: ContainerDiagnosis) => boolean
): Found {
  const container = pod.containers.find(test)
  const focus = { pod: pod.name, ...(container ? { container: container.name } : {}) }
  // The kubelet's Failed event says why a pull failed; the container's own message only that it backs off.
  const warnings = cls === 'image-pull' ? podEvents(d, pod.name).filter(e => e.type === 'Warning') : []
  const pullEvent =
    warnings.find(e => /^Failed to pull/i.test(e.message)) ??
    warnings.find(e => /pull|image/i.test(e.message) && e.reason !== 'BackOff' && !/^Error: /.test(e.message))
  if (pullEvent) return { class: cls, focus, evidence: eventEvidence(pullEvent), text: pullEvent.message }
  const message = container?.message
  if (message) {
    const source = `pod ${pod.name}, container ${container.name} (${container.reason ?? container.state})`
    return { class: cls, focus, evidence: { kind: 'event', source, lines: [clip(message)] }, text: message }
  }
  const event = podEvents(d, pod.name).find(e => e.type === 'Warning')
  return event
    ? { class: cls, focus, evidence: eventEvidence(event), text: event.message }
    : { class: cls, focus }
}

function unschedulableFound(d: Diagnostics, pod: PodDiagnosis | undefined): Found {
  const events = pod ? podEvents(d, pod.name) : d.events
  const event =
    events.find(e => e.reason === 'FailedScheduling') ??
    d.events.find(e => e.reason === 'FailedScheduling') ??
    events.find(e => e.reason === 'NotTriggerScaleUp')
  const found: Found = { class: 'unschedulable', ...(pod ? { focus: { pod: pod.name } } : {}) }
  if (event) return { ...found, evidence: eventEvidence(event), text: event.message }
  if (pod?.unschedulable) {
    return {
      ...found,
      evidence: { kind: 'event', source: `pod ${pod.name}`, lines: [clip(pod.unschedulable)] }
    }
  }
  return found
}

function hookFound(d: Diagnostics): Found {
  const job = d.workloads.find(w => w.kind === 'Job' && w.failure) ?? d.workloads.find(w => w.kind === 'Job')
  if (!job) return { class: 'hook' }
  const pods = d.pods.filter(p => p.owner === `Job/${job.name}`)
  const tail = pods.map(p => d.logs.find(l => l.pod === p.name && l.lines.length > 0)).find(Boolean)
  const condition = job.failure ? `Job ${job.name}: ${job.failure.reason}: ${job.failure.message}` : undefined
  const lines = [
    ...(condition ? [clip(condition)] : []),
    ...(tail ? lastLines(tail.lines, EVIDENCE_LINES - 1) : [])
  ]
  const source = tail ? `Job ${job.name}, pod ${tail.pod}, container ${tail.container}` : `Job ${job.name}`
  const found: Found = {
    class: 'hook',
    ...(tail ? { focus: { pod: tail.pod, container: tail.container } } : {})
  }
  return lines.length > 0 ? { ...found, evidence: { kind: tail ? 'log' : 'event', source, lines } } : found
}

function progressFound(d: Diagnostics): Found {
  const w = d.workloads.find(x => x.failure?.reason === 'ProgressDeadlineExceeded')
  if (!w?.failure) return { class: 'progress-deadline' }
  const line = clip(`${w.failure.reason}: ${w.failure.message}`)
  return {
    class: 'progress-deadline',
    evidence: { kind: 'event', source: `${w.kind} ${w.name}`, lines: [line] }
  }
}

function eventFound(cls: FailureClass, d: Diagnostics, test: (e: EventRecord) => boolean): Found {
  const event = d.events.find(e => e.type === 'Warning' && test(e)) ?? d.events.find(test)
  return event ? { class: cls, evidence: eventEvidence(event), text: event.message } : { class: cls }
}

/** A timeout with no crash: the pods that were still not Ready, for how long, and the probe's last failure. */
function slowStart(d: Diagnostics): Found {
  // The new revision's pods; once helm's rollback deleted them they are all the evidence there is.
  const pods = d.pods.filter(p => p.revision === 'new' && !p.ready && !p.owner?.startsWith('Job/'))
  const lines = pods.slice(0, EVIDENCE_LINES - 1).map(p => {
    const forMs = notReadyForMs(p)
    return `pod ${p.name} not Ready${forMs === undefined ? '' : ` for ${formatDuration(forMs)}`} (${p.phase})`
  })
  const probe = d.events.find(e => e.reason === 'Unhealthy')
  if (probe) lines.push(clip(`${probe.object}: ${probe.message}`))
  const found: Found = { class: 'slow-start' }
  if (lines.length === 0) return found
  const source = probe ? 'the new pods, and the last readiness probe failure' : 'the new pods'
  return { ...found, evidence: { kind: 'pods', source, lines } }
}

function testFound(report: DeployReport): Found {
  const failed =
    report.tests?.tests.find(t => t.phase === 'Failed') ?? report.tests?.tests.find(t => t.reason)
  if (!failed) return { class: 'test' }
  const focus = { pod: failed.pod ?? failed.name }
  if (failed.log && failed.log.lines.length > 0) {
    const source = `test ${failed.name}, container ${failed.log.container}`
    return { class: 'test', focus, evidence: { kind: 'log', source, lines: lastLines(failed.log.lines) } }
  }
  const event = failed.events.find(e => e.type === 'Warning')
  if (event) return { class: 'test', focus, evidence: eventEvidence(event) }
  return { class: 'test', focus }
}

/** Helm's error as its own line only when it adds to the cause; helm's words for our own signal are explained. */
function helmLine(report: DeployReport, evidence: Evidence | undefined): string | undefined {
  const error = report.helmError ? oneLine(report.helmError) : ''
  if (!error || evidence?.kind === 'helm') return undefined
  if (report.cause?.source === 'fail-fast' && /context canceled|interrupt|signal|terminated/i.test(error)) {
    const after = report.timings.helmMs === null ? '' : ` after ${formatDuration(report.timings.helmMs)}`
    return `helm's wait was ended by fail-fast${after}, so that it could ${report.rolledBack ? 'roll back' : 'stop'}`
  }
  return error === oneLine(report.cause?.message ?? '') ? undefined : error
}

function helmEvidence(error: string): Evidence {
  const lines = error
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
  return { kind: 'helm', source: "helm's error", lines: lastLines(lines.length > 0 ? lines : [error]) }
}

function eventEvidence(e: EventRecord): Evidence {
  const count = e.count > 1 ? `, ${e.count} times` : ''
  return {
    kind: 'event',
    source: `${e.type} event ${e.reason} on ${e.object}${e.source ? ` from ${e.source}` : ''}${count}`,
    lines: [clip(e.message)]
  }
}

function podEvents(d: Diagnostics, pod: string): EventRecord[] {
  return d.events.filter(e => e.object === `Pod/${pod}`)
}

/** How long the pod had been not Ready when last observed (its Ready condition's transition, or its creation). */
export function notReadyForMs(pod: PodDiagnosis): number | undefined {
  if (pod.ready || !pod.notReadySince || !pod.observedAt) return undefined
  const ms = Date.parse(pod.observedAt) - Date.parse(pod.notReadySince)
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined
}

function lastLines(lines: readonly string[], n = EVIDENCE_LINES): string[] {
  return lines
    .filter(l => l.trim() !== '')
    .slice(-n)
    .map(clip)
}

function clip(line: string): string {
  const one = oneLine(line)
  return one.length > EVIDENCE_CHARS ? `${one.slice(0, EVIDENCE_CHARS - 1)}…` : one
}

type Hint = (report: DeployReport, found: Found) => string

/** What to do, by class; the wording names what the evidence named (a quota, a storage class, a port). */
const HINTS: Record<FailureClass, Hint> = {
  'crash-loop': () =>
    'Fix the start-up error in the log above (a missing setting, a wrong command, the wrong image).',
  'oom-killed': () =>
    "The container ran out of memory (OOMKilled): raise its memory limit, or lower the process's memory use.",
  'node-port': (_r, f) =>
    `Choose another nodePort${portOf(f.text)}, or leave it empty so that Kubernetes picks a free one.`,
  quota: (r, f) =>
    `Raise ResourceQuota ${quotaOf(f.text)} in namespace ${r.namespace || 'the release namespace'}, or lower the pods' requests (or replicas).`,
  'slow-start': r =>
    `The pods were still starting when helm's timeout ran out${r.timings.helmMs === null ? '' : ` (after ${formatDuration(r.timings.helmMs)})`}: increase the timeout input, or fix the readiness probe if they never become Ready.`,
  claim: (_r, f) => claimHint(f.text),
  'image-pull': () =>
    'Check the image name and tag, that the registry is reachable, and imagePullSecrets for a private registry.',
  'missing-config': () =>
    'Create the ConfigMap or Secret (or the missing key) before the deploy, or mark the reference optional: true.',
  unschedulable: () =>
    "Lower the pods' resource requests, or add capacity (nodes, or the autoscaler's limits) to the cluster.",
  hook: () => "Fix the hook Job: its condition and its pod's log are above; the release was left as before.",
  'progress-deadline': () =>
    'The Deployment made no progress within progressDeadlineSeconds: see the pods below, or raise the deadline if it starts slowly.',
  test: () => 'Fix the failing test, or what it checks; its log and events are below.',
  helm: () =>
    'Fix what helm names in its error (a chart template, a value or an object the API server rejects).',
  input: () => 'Correct the inputs named above; nothing was changed in the cluster.',
  install: () =>
    'Check helm-version / kubectl-version, the mirror and any sha256 given; nothing was changed.',
  cluster: () =>
    'Check kubeconfig, kube-context and that the API server is reachable from the runner; nothing was changed.',
  concurrent: () =>
    'Another run deploys this release at the same moment: give the jobs one concurrency group per release.',
  cancelled: () => 'The workflow was cancelled; re-run it when ready.',
  refused: () => 'See the reason above; nothing was changed in the cluster.'
}

function quotaOf(text: string | undefined): string {
  return /exceeded quota: ([^,\s]+)/.exec(text ?? '')?.[1] ?? '(the one named above)'
}

function portOf(text: string | undefined): string {
  const port = /Invalid value: (\d+)/.exec(text ?? '')?.[1]
  return port ? ` than ${port}` : ''
}

function claimHint(text: string | undefined): string {
  const storageClass = /storageclass(?:\.storage\.k8s\.io)? "([^"]+)" not found/i.exec(text ?? '')?.[1]
  if (storageClass)
    return `Create storage class ${storageClass}, or set the claim's storageClassName to one the cluster has.`
  return 'Give the claim a storageClassName the cluster has (or a default class), or create a PersistentVolume that matches it.'
}
