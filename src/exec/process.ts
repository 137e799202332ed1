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
  const chunks = { stdout: [] as string[], stderr: [] as string[] }
  const sizes = { stdout: 0, stderr: 0 }
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') }
  const partial = { stdout: '', stderr: '' }
  let exited = false

  const keep = (stream: 'stdout' | 'stderr', text: string): void => {
    chunks[stream].push(text)
    sizes[stream] += text.length
    if (sizes[stream] > maxChars * 2) {
      const joined = chunks[stream].join('').slice(-maxChars)
      chunks[stream] = [joined]
      sizes[stream] = joined.length
    }
  }
  const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    const text = decoders[stream].write(chunk)
    keep(stream, text)
    if (!options.onLine) return
    const lines = (partial[stream] + text).split('\n')
    partial[stream] = lines.pop() ?? ''
    for (const line of lines) options.onLine(stream, line)
  }
  child.stdout?.on('data', collect('stdout'))
  child.stderr?.on('data', collect('stderr'))

  const done = new Promise<ProcessResult>(resolve => {
    const finish = (exitCode: number, signal?: NodeJS.Signals, spawnError?: Error): void => {
      if (exited) return
      exited = true
      for (const stream of ['stdout', 'stderr'] as const) {
        const rest = decoders[stream].end()
        keep(stream, rest)
        const last = partial[stream] + rest
        if (last !== '') options.onLine?.(stream, last)
      }
      if (spawnError) keep('stderr', `${spawnError.message}\n`)
      const text = (stream: 'stdout' | 'stderr'): string => {
        const all = chunks[stream].join('')
        return all.length > maxChars ? all.slice(-maxChars) : all
      }
      resolve({
        exitCode,
        signal,
        stdout: text('stdout'),
        stderr: text('stderr'),
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
