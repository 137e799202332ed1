import type { ClusterStore, ResourceName } from '../types.js'
import type { EventRecorder } from './events.js'
import type { Pod } from './model.js'

/** What every controller gets: the store, the event recorder, and the simulation's scaled clock. */
export interface SimContext {
  readonly store: ClusterStore
  readonly events: EventRecorder
  readonly nodeName: string
  /** Real milliseconds for a simulated duration given in seconds (timeScale applied). */
  ms(seconds: number): number
  /**
   * Every pod, from a snapshot kept until the next pod write (controllers read pods many times a pass).
   * Shared: never mutate what it returns.
   */
  pods(): readonly Pod[]
  /** Asks for a reconcile pass no later than this (real, epoch ms) time. */
  wakeAt(at: number): void
}

export interface Controller {
  sync(now: number): void
  /**
   * The resources whose changes this controller reacts to. Between safety passes it is synced only when one of
   * them changed or a time it asked for (wakeAt) has come; without `inputs` it is synced on every pass.
   */
  readonly inputs?: readonly ResourceName[]
}

/** Runs `action` and logs instead of throwing, so one bad object cannot stop a reconcile pass. */
export function guarded(what: string, action: () => void): void {
  try {
    action()
  } catch (error) {
    console.error(`test cluster simulation: ${what}:`, error instanceof Error ? error.message : error)
  }
}
