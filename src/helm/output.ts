/** How helm's output lines are shown when it runs with --debug (needed to know when its wait begins). Pure. */

export type LineDisposition = 'log' | 'debug' | 'drop'

/** Helm 3 `wait.go:50: … [debug] beginning wait for N resources`, Helm 4 `level=DEBUG msg="waiting for resources"`. */
const WAIT_MARKER = /\[debug\] beginning wait for \d+ resources|level=DEBUG msg="waiting for resources"/
const DEBUG_LINE = /^(?:\S+\.go:\d+: .*\[debug\]|level=DEBUG )/
/** With --debug, helm ends with the release's values and manifest on stdout: never shown, they may hold secrets. */
const DUMP_START = /^USER-SUPPLIED VALUES:$/

/** Helm creating or changing objects (the main apply, or hooks after a wait): not a safe moment to signal it. */
const MUTATION_MARKER =
  /\[debug\] (?:creating \d+ resource|Created a new|Patch |Replaced |Deleting |Starting delete)|level=DEBUG msg="(?:creating resource|Created resource|updating resource|Patched resource|patching resource|starting delete)/i

/**
 * Whether helm is waiting after this line: true at the start of a wait, false when it creates or changes objects
 * (a hook's wait comes before the main apply), undefined when the line says neither.
 */
export function waitStateAfter(line: string): boolean | undefined {
  if (WAIT_MARKER.test(line)) return true
  if (MUTATION_MARKER.test(line)) return false
  return undefined
}

export interface OutputFilter {
  /** Where one line goes; stateful across the lines of one helm process. */
  classify(stream: 'stdout' | 'stderr', line: string): LineDisposition
}

export function createDebugOutputFilter(): OutputFilter {
  let dumping = false
  let failed = false
  return {
    classify(stream, line) {
      if (stream === 'stdout') {
        if (DUMP_START.test(line)) dumping = true
        return dumping ? 'drop' : 'log'
      }
      // Helm 3 follows its error with a Go stack trace when --debug is on.
      if (failed) return 'debug'
      if (line.startsWith('Error: ')) failed = true
      return DEBUG_LINE.test(line) ? 'debug' : 'log'
    }
  }
}
