/**
 * The workflow's cancellation reaches the action as SIGINT/SIGTERM: it is forwarded to helm at once, so helm
 * cancels its wait and runs its own atomic cleanup; before helm starts, it stops the run from starting helm.
 */
import type { HelmClient } from './helm/client.js'
import type { Log } from './log.js'

export interface Cancellation {
  /** The helm whose processes get the signal. */
  attach(helm: HelmClient): void
  cancelled(): boolean
  dispose(): void
}

export function forwardCancellation(log: Log): Cancellation {
  let helm: HelmClient | undefined
  let cancelledBy: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals): void => {
    const first = cancelledBy === undefined
    cancelledBy ??= signal
    const sent = helm?.signalAll('SIGINT') ?? 0
    if (first)
      log.warning(
        `received ${signal}: ${sent ? 'asked helm to cancel and clean up' : 'stopping before helm starts'}`
      )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    attach: client => {
      helm = client
    },
    cancelled: () => cancelledBy !== undefined,
    dispose: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
