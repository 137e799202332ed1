/** The run's one annotation: an error carrying the root cause, or a notice on success. Pure. */
import { planHeadline } from '../plan/changes.js'
import { isFailure, type DeployReport } from './model.js'
import { rootCause } from './render.js'

export interface Annotation {
  level: 'error' | 'notice'
  title: string
  message: string
}

export function annotationTitle(report: Pick<DeployReport, 'release' | 'environment'>): string {
  return `helm-atomic-deploy: ${report.release}${report.environment ? ` (${report.environment})` : ''}`
}

export function outcomeAnnotation(report: DeployReport): Annotation {
  const title = annotationTitle(report)
  if (isFailure(report.status)) {
    const what = report.status === 'rolled-back' ? 'rolled back' : 'failed'
    return { level: 'error', title, message: `${what}: ${rootCause(report) ?? 'see the log'}` }
  }
  if (report.plan) {
    return { level: 'notice', title, message: `release ${report.release}: ${planHeadline(report.plan)}` }
  }
  const message =
    report.status === 'uninstalled'
      ? `release ${report.release} uninstalled`
      : `release ${report.release} deployed revision ${report.revision ?? 'none'}` +
        (report.previousRevision === null ? '' : ` (was ${report.previousRevision})`)
  return { level: 'notice', title, message }
}
