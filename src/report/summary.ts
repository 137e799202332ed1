/** The job summary: when to write it (pure) and the thin edge that writes it. */
import * as core from '@actions/core'
import type { OutcomeStatus } from '../helm/outcome.js'
import type { SummaryWhen } from '../inputs.js'
import { isFailure } from './render.js'

export function summaryWanted(when: SummaryWhen, status: OutcomeStatus): boolean {
  if (when === 'never') return false
  return when === 'always' || isFailure(status)
}

/**
 * Appends rendered markdown (already within the 1 MiB limit) to this step's summary. Never throws: without
 * GITHUB_STEP_SUMMARY (e.g. a local run) or on a write error it warns, and the deploy's result stands.
 */
export async function writeSummary(markdown: string): Promise<boolean> {
  try {
    await core.summary.addRaw(markdown).write()
    return true
  } catch (error) {
    core.warning(`job summary not written: ${error instanceof Error ? error.message : String(error)}`)
    return false
  } finally {
    // The buffer is module state; a failed write must not leak into a later one.
    core.summary.emptyBuffer()
  }
}
