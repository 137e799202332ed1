import * as core from '@actions/core'
import { ProcessError, spawnProcess, type ProcessResult, type RunningProcess } from '../exec/process.js'
import { redactText } from '../report/redact.js'
import { redactArgs, type HelmMajor } from './args.js'
import { createDebugOutputFilter } from './output.js'

export class HelmError extends ProcessError {
  constructor(args: readonly string[], result: ProcessResult) {
    super('helm', args, result)
    this.name = 'HelmError'
  }
}

export interface HelmClientOptions {
  path: string
  /** Environment of every helm process (KUBECONFIG, HOME, ...); NO_COLOR is always set. */
  env?: NodeJS.ProcessEnv
  /** Strings that never reach a log line or an error message. */
  secrets?: readonly string[]
  /** Where helm's own output lines go; default core.info. */
  log?: (line: string) => void
}

export interface StartOptions {
  /** Nothing logged: for reads whose output the action parses. */
  quiet?: boolean
  debugOutput?: boolean
  /** Every raw line, before redaction or filtering (for markers such as the start of helm's wait). */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void
}

/** The one wrapper around the helm binary: resolved path, argument arrays, non-zero exits returned, not thrown. */
export class HelmClient {
  readonly path: string
  private readonly env: NodeJS.ProcessEnv
  private readonly secrets: readonly string[]
  private readonly log: (line: string) => void
  private readonly running = new Set<RunningProcess>()

  constructor(options: HelmClientOptions) {
    this.path = options.path
    this.env = { ...(options.env ?? process.env), NO_COLOR: '1' }
    this.secrets = options.secrets ?? []
    this.log = options.log ?? (line => core.info(line))
  }

  /**
   * Starts helm and streams its (redacted) output to the log; the caller may signal it. With `debugOutput`, helm
   * runs with --debug: its debug lines go to the debug log and its final values/manifest dump is never shown.
   */
  start(args: readonly string[], options: StartOptions = {}): RunningProcess {
    const argv = options.debugOutput ? [...args, '--debug'] : [...args]
    if (!options.quiet) this.log(`$ helm ${redactArgs(args, this.secrets).join(' ')}`)
    const filter = options.debugOutput ? createDebugOutputFilter() : undefined
    const child = spawnProcess(this.path, argv, {
      env: this.env,
      onLine: (stream, line) => {
        options.onLine?.(stream, line)
        if (options.quiet) return
        const disposition = filter?.classify(stream, line) ?? 'log'
        if (disposition === 'log') this.log(redactText(line, this.secrets))
        else if (disposition === 'debug') core.debug(redactText(line, this.secrets))
      }
    })
    this.running.add(child)
    const done = child.done.then(result => {
      this.running.delete(child)
      return { ...result, stderr: redactText(result.stderr, this.secrets) }
    })
    return { pid: child.pid, done, signal: signal => child.signal(signal) }
  }

  /** Runs helm to completion; a non-zero exit is in the result. */
  async run(args: readonly string[], options: StartOptions = {}): Promise<ProcessResult> {
    return this.start(args, options).done
  }

  /** Runs helm and returns stdout; a non-zero exit throws HelmError with stderr. */
  async output(args: readonly string[], options: StartOptions = {}): Promise<string> {
    const result = await this.run(args, options)
    if (result.exitCode !== 0) throw new HelmError(redactArgs(args, this.secrets), result)
    return result.stdout
  }

  async version(): Promise<{ version: string; major: HelmMajor }> {
    const version = (await this.output(['version', '--template', '{{.Version}}'], { quiet: true })).trim()
    const major = Number(/^v(\d+)\./.exec(version)?.[1])
    if (major !== 3 && major !== 4)
      throw new Error(`unsupported helm version ${version}: this action drives Helm 3 and 4`)
    return { version, major }
  }

  /** Forwards a signal to every helm process still running (workflow cancellation). */
  signalAll(signal: NodeJS.Signals): number {
    let sent = 0
    for (const child of this.running) if (child.signal(signal)) sent++
    return sent
  }
}
