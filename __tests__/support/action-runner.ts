import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { INPUT_DEFAULTS } from '../../src/inputs/index.js'
import { BUNDLE_ENV } from './build-bundle.js'

/** The committed bundle; the test run uses its own bundle of the source instead (see build-bundle.ts). */
export const COMMITTED_BUNDLE = join(import.meta.dirname, '..', '..', 'dist', 'index.js')

function bundlePath(): string {
  return process.env[BUNDLE_ENV] || COMMITTED_BUNDLE
}

export interface ActionRun {
  exitCode: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  state: Record<string, string>
  summary: string
  /** The runner files and temp folders of this run. */
  dir: string
}

export interface ActionRunOptions {
  inputs: Record<string, string>
  /** Extra environment (KUBECONFIG, HOME, PATH, ...). */
  env?: Record<string, string>
  /** Reuse a tool cache between runs. */
  toolCache?: string
  /** Run as the post step with the state the main step saved. */
  state?: Record<string, string>
  /** Called with the child process once started (to send signals). */
  onStart?: (child: { pid?: number; kill(signal: NodeJS.Signals): boolean }) => void
  /** Called for each stdout line as it arrives. */
  onLine?: (line: string) => void
  /** Its own process group, so a test can kill the whole tree as the runner does (`process.kill(-pid)`). */
  detached?: boolean
}

/** Parses the GITHUB_OUTPUT / GITHUB_STATE file format (`name<<delimiter` blocks). */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const head = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!head) continue
    const [, name = '', delimiter] = head
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
    out[name] = value.join('\n')
  }
  return out
}

/** Runs the bundled action exactly as the runner does: node dist/index.js with INPUT_* and the runner's files. */
export async function runBundledAction(options: ActionRunOptions): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), 'had-action-'))
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_PATH: join(dir, 'path'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md')
  }
  for (const file of Object.values(files)) await writeFile(file, '')
  await mkdir(join(dir, 'temp'))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(dir, 'home'),
    RUNNER_TEMP: join(dir, 'temp'),
    RUNNER_TOOL_CACHE: options.toolCache ?? join(dir, 'toolcache'),
    GITHUB_ACTIONS: 'true',
    ...files,
    ...options.env
  }
  // The runner passes every declared input, with its default when the workflow omits it.
  for (const [name, value] of Object.entries({ ...INPUT_DEFAULTS, ...options.inputs })) {
    env[`INPUT_${name.toUpperCase()}`] = value
  }
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value

  const child = spawn(process.execPath, [bundlePath()], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached
  })
  options.onStart?.(child)
  let stdout = ''
  let stderr = ''
  let partial = ''
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop() ?? ''
    for (const line of lines) options.onLine?.(line)
  })
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exitCode = await new Promise<number | null>(resolve => child.on('close', code => resolve(code)))
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseCommandFile(await readFile(files.GITHUB_OUTPUT, 'utf8')),
    state: parseCommandFile(await readFile(files.GITHUB_STATE, 'utf8')),
    summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
    dir
  }
}
