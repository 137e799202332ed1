/** The release watcher as a deploy companion: fail-fast policy from the inputs, helm signalled on a verdict. */
import type { RunningProcess } from '../exec/process.js'
import type { Inputs } from '../inputs/index.js'
import { DEFAULT_VERDICT_OPTIONS, type VerdictOptions } from '../kube/verdicts.js'
import { ReleaseWatcher, type KubeReader } from '../kube/watch.js'
import type { Log } from '../log.js'
import type { Companion, TestWatch } from './context.js'

function verdictOptionsOf(inputs: Inputs): VerdictOptions {
  return {
    ...DEFAULT_VERDICT_OPTIONS,
    restarts: inputs.failFastRestarts,
    unschedulableMs: inputs.failFastUnschedulableMs
  }
}

export function watcherCompanion(
  inputs: Inputs,
  kubectl: KubeReader,
  namespace: string,
  log: Log
): (child: RunningProcess, isHelmWaiting: () => boolean) => Companion {
  return (child, isHelmWaiting) => {
    const watcher = new ReleaseWatcher({
      kubectl,
      release: inputs.release,
      namespace,
      logLines: inputs.logLines,
      failFast: inputs.failFast,
      verdictOptions: verdictOptionsOf(inputs),
      isHelmWaiting,
      onVerdict: verdict => {
        const then = inputs.atomic ? 'roll back' : 'leave the failed release for inspection'
        log.warning(`fail-fast: ${verdict.message}; ending helm's wait so that it can ${then}`)
        child.signal('SIGINT')
      },
      log
    })
    watcher.start()
    return watcher
  }
}

/** The watcher of helm test's pods: its baseline read first, then it follows the pods helm test creates. */
export function testWatcher(
  inputs: Inputs,
  kubectl: KubeReader,
  namespace: string,
  log: Log
): () => Promise<TestWatch> {
  return async () => {
    let child: RunningProcess | undefined
    const watcher = new ReleaseWatcher({
      kubectl,
      release: inputs.release,
      namespace,
      logLines: inputs.logLines,
      failFast: inputs.failFast,
      follow: 'tests',
      verdictOptions: verdictOptionsOf(inputs),
      isHelmWaiting: () => child !== undefined && !child.exited,
      onVerdict: verdict => {
        log.warning(`fail-fast: ${verdict.message}; ending helm test`)
        child?.signal('SIGINT')
      },
      log
    })
    await watcher.baseline()
    return {
      follow: running => {
        child = running
        watcher.start()
      },
      stop: () => watcher.stop()
    }
  }
}
