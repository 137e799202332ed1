import type { FailFastVerdict, PodDiagnosis, WorkloadState } from './diagnostics.js'

/** Pure fail-fast rules: failures that waiting will not heal. */

export interface VerdictOptions {
  /** CrashLoopBackOff counts once a container restarted this often. */
  restarts: number
  /** How long CreateContainerConfigError must last (the referenced object may still be on its way). */
  configErrorMs: number
  /** How long an insufficient-resources FailedScheduling must last (an autoscaler may add a node). */
  unschedulableMs: number
}

export const DEFAULT_VERDICT_OPTIONS: VerdictOptions = {
  restarts: 2,
  configErrorMs: 10_000,
  unschedulableMs: 30_000
}

export interface VerdictInput {
  at: number
  pods: readonly PodDiagnosis[]
  workloads: readonly WorkloadState[]
}

/** What earlier observations established: when each symptom was first seen, and in how many in a row. */
export interface VerdictMemory {
  symptoms: Map<string, { since: number; streak: number }>
}

export function newVerdictMemory(): VerdictMemory {
  return { symptoms: new Map() }
}

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff'])
const INSUFFICIENT = /Insufficient (cpu|memory|ephemeral-storage|pods|[\w./-]+)/

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/**
 * Updates the memory with one observation and returns the first verdict that holds, if any. Deterministic:
 * workloads first (their conditions are final), then pods in the given order.
 */
export function evaluateFailFast(
  input: VerdictInput,
  memory: VerdictMemory,
  options: VerdictOptions = DEFAULT_VERDICT_OPTIONS
): FailFastVerdict | undefined {
  const seen = new Set<string>()
  const track = (key: string): { since: number; streak: number } => {
    seen.add(key)
    const prior = memory.symptoms.get(key)
    const next = prior ? { since: prior.since, streak: prior.streak + 1 } : { since: input.at, streak: 1 }
    memory.symptoms.set(key, next)
    return next
  }
  const verdicts: FailFastVerdict[] = []
  const verdict = (rule: FailFastVerdict['rule'], message: string): void => {
    verdicts.push({ rule, message, at: input.at })
  }

  for (const workload of input.workloads) {
    const failure = workload.failure
    if (!failure) continue
    if (workload.kind === 'Job' && failure.reason !== 'ProgressDeadlineExceeded') {
      const what = workload.hook ? `${workload.hook} hook Job ${workload.name}` : `Job ${workload.name}`
      verdict('job-failed', `${what} failed (${failure.reason}: ${failure.message})`)
    } else if (failure.reason === 'ProgressDeadlineExceeded') {
      verdict(
        'progress-deadline',
        `${workload.kind} ${workload.name} exceeded its progress deadline (${failure.message})`
      )
    }
  }

  for (const pod of input.pods) {
    if (pod.deleted) continue
    if (pod.unschedulable && INSUFFICIENT.test(pod.unschedulable)) {
      const symptom = track(`unschedulable:${pod.name}`)
      if (input.at - symptom.since >= options.unschedulableMs) {
        verdict('unschedulable', `pod ${pod.name} cannot be scheduled: ${pod.unschedulable}`)
      }
    }
    for (const c of pod.containers) {
      const where = `container ${c.name} in pod ${pod.name}`
      if (c.reason === 'InvalidImageName') {
        verdict('invalid-image', `${where} has an invalid image name ${JSON.stringify(c.image)}`)
      } else if (c.reason && IMAGE_PULL.has(c.reason)) {
        const symptom = track(`image-pull:${pod.name}/${c.name}`)
        if (symptom.streak >= 2) verdict('image-pull', `${where} cannot pull image ${c.image} (${c.reason})`)
      } else if (c.reason === 'CrashLoopBackOff' && c.restartCount >= options.restarts) {
        const exit = c.lastTermination ? `exit code ${c.lastTermination.exitCode}, ` : ''
        verdict('crash-loop', `${where} crash-looping (${exit}${plural(c.restartCount, 'restart')})`)
      } else if (c.reason === 'CreateContainerConfigError') {
        const symptom = track(`config:${pod.name}/${c.name}`)
        if (input.at - symptom.since >= options.configErrorMs) {
          verdict('config-error', `${where} cannot start: ${c.message ?? c.reason}`)
        }
      }
    }
  }

  for (const key of [...memory.symptoms.keys()]) if (!seen.has(key)) memory.symptoms.delete(key)
  return verdicts[0]
}
