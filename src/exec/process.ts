import { spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'

export interface ProcessResult {
  exitCode: number
  /** Set when the process ended by a signal. */
  signal?: NodeJS.Signals
  stdout: string
  stderr: string
  durationMs: number
}

/** A binary that exited non-zero: its argv (already redacted by the caller) and the end of its stderr. */
export class ProcessError extends Error {
  constructor(
    readonly binary: string,
    readonly args: readonly string[],
    readonly result: ProcessResult
  ) {
    const reason = result.stderr.trim().split('\n').filter(Boolean).slice(-3).join(' | ')
    super(`${binary} ${args.join(' ')} failed (exit code ${result.exitCode})${reason ? `: ${reason}` : ''}`)
    this.name = 'ProcessError'
  }
}

export interface RunningProcess {
  readonly pid: number | undefined
  /** Resolves when the process has exited; never rejects for a non-zero exit. */
  readonly done: Promise<ProcessResult>
  /** Sends a signal; false when it has exited already. */
  signal(signal: NodeJS.Signals): boolean
  /** True once the process has exited. */
  readonly exited: boolean
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Written to stdin, which is then closed (a password for `--password-stdin`); otherwise stdin is empty. */
  stdin?: string
  /** Each complete line of output, as it arrives. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void
  /** Characters kept per stream, the newest; unlimited by default (kubectl lists of big releases are large). */
  maxChars?: number
}

/** One output stream: decoded as UTF-8 across chunk boundaries, kept up to a size, and split into lines. */
class StreamBuffer {
  private readonly decoder = new StringDecoder('utf8')
  private chunks: string[] = []
  private size = 0
  private partial = ''

  constructor(
    private readonly maxChars: number,
    private readonly onLine?: (line: string) => void
  ) {}

  write(chunk: Buffer): void {
    this.take(this.decoder.write(chunk))
  }

  /** Flushes the decoder and the last line without a newline. */
  end(extra = ''): void {
    this.take(this.decoder.end() + extra)
    if (this.partial !== '') this.onLine?.(this.partial)
    this.partial = ''
  }

  text(): string {
    const all = this.chunks.join('')
    return all.length > this.maxChars ? all.slice(-this.maxChars) : all
  }

  private take(text: string): void {
    if (text === '') return
    this.chunks.push(text)
    this.size += text.length
    if (this.size > this.maxChars * 2) {
      this.chunks = [this.text()]
      this.size = this.chunks[0]?.length ?? 0
    }
    if (!this.onLine) return
    const lines = (this.partial + text).split('\n')
    this.partial = lines.pop() ?? ''
    for (const line of lines) this.onLine(line)
  }
}

/**
 * Spawns a binary directly (argument array, no shell), so that a signal we send reaches it and not a shell.
 * @actions/exec does not expose the child process, which signal forwarding needs.
 */
export function spawnProcess(
  path: string,
  args: readonly string[],
  options: SpawnOptions = {}
): RunningProcess {
  const started = Date.now()
  const maxChars = options.maxChars ?? Number.POSITIVE_INFINITY
  const child = spawn(path, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
  })
  if (options.stdin !== undefined && child.stdin) {
    child.stdin.on('error', () => {})
    child.stdin.end(options.stdin)
  }
  const line = (stream: 'stdout' | 'stderr') => (text: string) => options.onLine?.(stream, text)
  const stdout = new StreamBuffer(maxChars, options.onLine ? line('stdout') : undefined)
  const stderr = new StreamBuffer(maxChars, options.onLine ? line('stderr') : undefined)
  child.stdout?.on('data', (chunk: Buffer) => stdout.write(chunk))
  child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk))
  let exited = false
  const done = new Promise<ProcessResult>(resolve => {
    const finish = (exitCode: number, signal?: NodeJS.Signals, spawnError?: Error): void => {
      if (exited) return
      exited = true
      stdout.end()
      stderr.end(spawnError ? `${spawnError.message}\n` : '')
      resolve({
        exitCode,
        signal,
        stdout: stdout.text(),
        stderr: stderr.text(),
        durationMs: Date.now() - started
      })
    }
    child.on('error', error => finish(127, undefined, error))
    child.on('close', (code, signal) => finish(code ?? 128, signal ?? undefined))
  })
  return {
    pid: child.pid,
    done,
    signal: signal => !exited && child.kill(signal),
    get exited() {
      return exited
    }
  }
}
