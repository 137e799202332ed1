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

/** Discards everything: for reads whose output the action parses, and for tests. */
export const silentLog: Log = {
  info: () => {},
  warning: () => {},
  debug: () => {},
  group: (_title, run) => run()
}
