/** One annotation per run: an error carrying the root cause, or a notice on success. */
import * as core from '@actions/core'
import type { Diagnostics } from '../kube/diagnostics.js'
import { redactText } from './redact.js'
import { isFailure, rootCause } from './render.js'
import type { DeployReport } from './report.js'

export interface AnnotationSink {
  error(message: string, properties: { title: string }): void
  notice(message: string, properties: { title: string }): void
}

const coreSink: AnnotationSink = {
  error: (message, properties) => core.error(message, properties),
  notice: (message, properties) => core.notice(message, properties)
}

export function annotationTitle(report: DeployReport): string {
  return `helm-atomic-deploy: ${report.release}${report.environment ? ` (${report.environment})` : ''}`
}

export function annotateOutcome(
  report: DeployReport,
  diagnostics: Diagnostics | undefined,
  secrets: readonly string[],
  sink: AnnotationSink = coreSink
): void {
  const title = redactText(annotationTitle(report), secrets)
  if (isFailure(report.status)) {
    const cause = rootCause(report, diagnostics) ?? 'see the log'
    const what = report.status === 'rolled-back' ? 'rolled back' : 'failed'
    sink.error(redactText(`${what}: ${cause}`, secrets), { title })
    return
  }
  const message =
    report.status === 'uninstalled'
      ? `release ${report.release} uninstalled`
      : `release ${report.release} deployed revision ${report.revision ?? 'none'}` +
        (report.previousRevision === null ? '' : ` (was ${report.previousRevision})`)
  sink.notice(redactText(message, secrets), { title })
}
