/** Where the action's log lines go. Modules take a Log; only the edge (coreLog) knows @actions/core. */
import * as core from '@actions/core'
import type { Redactor } from './report/redact.js'

export interface Log {
  info(line: string): void
  warning(line: string): void
  debug(line: string): void
  /** A collapsible section of the job log around `run`. */
  group<T>(title: string, run: () => Promise<T>): Promise<T>
}

/** The runner's log; every line passes the redactor first (the runner masks too, but only exact values). */
export function coreLog(redactor: Redactor): Log {
  return {
    info: line => core.info(redactor.text(line)),
    warning: line => core.warning(redactor.text(line)),
    debug: line => core.debug(redactor.text(line)),
    group: (title, run) => core.group(redactor.text(title), run)
  }
}

/**
 * Everything written to stdout from here on passes the redactor — also what libraries print themselves
 * (@actions/exec's command echo, tool-cache's debug lines) — except the `::add-mask::` commands that tell the
 * runner what to mask.
 */
export function redactStdout(redactor: Redactor): void {
  const write = process.stdout.write.bind(process.stdout) as (
    chunk: string | Uint8Array,
    ...rest: unknown[]
  ) => boolean
  const redacting = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    const lines = text.split('\n').map(line => (line.startsWith('::add-mask::') ? line : redactor.text(line)))
    return write(lines.join('\n'), ...rest)
  }
  process.stdout.write = redacting
}

/** Discards everything: for reads whose output the action parses, and for tests. */
export const silentLog: Log = {
  info: () => {},
  warning: () => {},
  debug: () => {},
  group: (_title, run) => run()
}
