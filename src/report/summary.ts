/** When to write the job summary. Pure. */
import type { OutcomeStatus } from '../helm/outcome.js'
import type { SummaryWhen } from '../inputs/index.js'
import { isFailure } from './model.js'

export function summaryWanted(when: SummaryWhen, status: OutcomeStatus): boolean {
  if (when === 'never') return false
  return when === 'always' || isFailure(status)
}
