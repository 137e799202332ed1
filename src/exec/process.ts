import { spawn } from 'node:child_process'

export interface ProcessResult {
  exitCode: number
  /** Set when the process ended by a signal. */
  signal?: NodeJS.Signals
  stdout: string
  stderr: string
  durationMs: number
}

/** A binary that exited non-zero: the argv (already redacted by the caller) and its stderr. */
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
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Each complete line of output, as it arrives. */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void
  /** Output kept per stream; the beginning is dropped past this. */
  maxBuffer?: number
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
  const maxBuffer = options.maxBuffer ?? 16 * 1024 * 1024
  const child = spawn(path, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const output = { stdout: '', stderr: '' }
  const partial = { stdout: '', stderr: '' }
  let exited = false

  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = chunk.toString('utf8')
    output[stream] += text
    if (output[stream].length > maxBuffer) output[stream] = output[stream].slice(-maxBuffer)
    if (!options.onLine) return
    const lines = (partial[stream] + text).split('\n')
    partial[stream] = lines.pop() ?? ''
    for (const line of lines) options.onLine(stream, line)
  }
  child.stdout.on('data', collect('stdout'))
  child.stderr.on('data', collect('stderr'))

  const done = new Promise<ProcessResult>(resolve => {
    const finish = (exitCode: number, signal?: NodeJS.Signals, spawnError?: Error): void => {
      if (exited) return
      exited = true
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream] !== '') options.onLine?.(stream, partial[stream])
      }
      if (spawnError) output.stderr += `${spawnError.message}\n`
      resolve({
        exitCode,
        signal,
        stdout: output.stdout,
        stderr: output.stderr,
        durationMs: Date.now() - started
      })
    }
    child.on('error', error => finish(127, undefined, error))
    child.on('close', (code, signal) => finish(code ?? 128, signal ?? undefined))
  })

  return {
    pid: child.pid,
    done,
    signal: signal => !exited && child.kill(signal)
  }
}
