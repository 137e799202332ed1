/** The one client of the helm binary: a method per verb the action uses, one private exec, logging injected. */
import { ProcessError, spawnProcess, type ProcessResult, type RunningProcess } from '../exec/process.js'
import type { Log } from '../log.js'
import type { Redactor } from '../report/redact.js'
import {
  buildDependencyBuildArgs,
  buildDependencyUpdateArgs,
  buildGetManifestArgs,
  buildGetValuesArgs,
  buildHistoryArgs,
  buildHooksArgs,
  buildRegistryLoginArgs,
  buildRepoAddArgs,
  buildRollbackArgs,
  buildTestArgs,
  buildUninstallArgs,
  type DependencyArgsOptions,
  type HelmMajor,
  type RegistryLogin,
  type ReleaseTarget,
  type RepositoryEntry
} from './args.js'
import { parseHooks, type ReleaseHook } from './hooks.js'
import { helmErrorText, isReleaseNotFound, parseHistory, type HistoryEntry } from './outcome.js'
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
  redactor: Redactor
  log: Log
}

export interface ExecOptions {
  /** Nothing logged: for reads whose output the action parses. */
  quiet?: boolean
  /** The command line and stderr are logged, stdout (which the action parses) is not. */
  quietOutput?: boolean
  /** Runs with --debug: debug lines go to the debug log, helm's closing values/manifest dump is dropped. */
  debugOutput?: boolean
  /** Every raw line, before redaction or filtering (for markers such as the start of helm's wait). */
  onLine?: (stream: 'stdout' | 'stderr', line: string) => void
  /** Written to helm's stdin (`--password-stdin`). */
  stdin?: string
}

/** A helm command that finished: whether it succeeded and, if not, helm's own error (redacted). */
export interface HelmCommandResult {
  ok: boolean
  error?: string
  durationMs: number
}

/** How many revisions the action reads: enough for the report and to find a rollback target. */
const HISTORY_MAX = 20
/** helm's stderr is kept to this many characters (the error is at its end); stdout likewise. */
const KEPT_OUTPUT_CHARS = 1024 * 1024

export class HelmClient {
  private readonly running = new Set<RunningProcess>()

  private constructor(
    private readonly options: HelmClientOptions,
    readonly version: string,
    readonly major: HelmMajor
  ) {}

  /** Asks the binary its version: the major decides every command line, never the input. */
  static async open(options: HelmClientOptions): Promise<HelmClient> {
    const probe = new HelmClient(options, '', 4)
    const result = await probe.exec(['version', '--template', '{{.Version}}'], { quiet: true }).done
    if (result.exitCode !== 0) throw new HelmError(['version'], result)
    const version = result.stdout.trim()
    const major = Number(/^v(\d+)\./.exec(version)?.[1])
    if (major !== 3 && major !== 4)
      throw new Error(`unsupported helm version ${version}: this action drives Helm 3 and 4`)
    return new HelmClient(options, version, major)
  }

  get path(): string {
    return this.options.path
  }

  /** The release's revisions, oldest first; empty when it does not exist. */
  async history(target: ReleaseTarget): Promise<HistoryEntry[]> {
    const result = await this.exec(buildHistoryArgs(target, { max: HISTORY_MAX }), { quiet: true }).done
    if (result.exitCode === 0) return parseHistory(result.stdout)
    if (isReleaseNotFound(result.stderr)) return []
    throw new Error(`cannot read the history of release ${target.release}: ${helmErrorText(result.stderr)}`)
  }

  /** Starts an install or upgrade (argv from buildDeployArgs); the caller watches and may signal it. */
  startDeploy(args: readonly string[], options: ExecOptions): RunningProcess {
    return this.exec(args, options)
  }

  async rollback(
    target: ReleaseTarget,
    revision: number,
    options: { timeout: string; replaceObjects?: boolean; forceConflicts?: boolean }
  ): Promise<HelmCommandResult> {
    return this.command(buildRollbackArgs(target, revision, { major: this.major, ...options }))
  }

  async uninstall(
    target: ReleaseTarget,
    options: { timeout: string; extraArgs?: readonly string[] }
  ): Promise<HelmCommandResult> {
    return this.command(buildUninstallArgs(target, { major: this.major, ...options }))
  }

  /** A dry run (argv from buildDeployArgs with dryRun): the release JSON on stdout, never logged (it holds values). */
  async dryRun(args: readonly string[]): Promise<HelmCommandResult & { stdout: string }> {
    const result = await this.exec(args, { quietOutput: true }).done
    const error =
      result.exitCode === 0
        ? undefined
        : helmErrorText(result.stderr) || `helm exited with ${result.exitCode}`
    return { ok: result.exitCode === 0, error, durationMs: result.durationMs, stdout: result.stdout }
  }

  /** The manifest of one revision. */
  async getManifest(target: ReleaseTarget, revision: number): Promise<string> {
    const result = await this.exec(buildGetManifestArgs(target, revision), { quiet: true }).done
    if (result.exitCode !== 0) throw new HelmError(['get', 'manifest', target.release], result)
    return result.stdout
  }

  /** The user-supplied values of one revision (they may hold secrets: parse, never log). */
  async getValues(target: ReleaseTarget, revision: number): Promise<unknown> {
    const result = await this.exec(buildGetValuesArgs(target, revision), { quiet: true }).done
    if (result.exitCode !== 0) throw new HelmError(['get', 'values', target.release], result)
    return JSON.parse(result.stdout || 'null') as unknown
  }

  /** Starts `helm test`; the caller watches the test pods and may signal it (helm test stops at once on SIGINT). */
  test(target: ReleaseTarget, options: { timeout: string }): RunningProcess {
    return this.exec(buildTestArgs(target, options), {})
  }

  /** The release's hooks with helm's record of their last run (`helm get all --template`). */
  async hooks(target: ReleaseTarget): Promise<ReleaseHook[]> {
    const result = await this.exec(buildHooksArgs(target), { quiet: true }).done
    if (result.exitCode === 0) return parseHooks(result.stdout)
    throw new Error(`cannot read the hooks of release ${target.release}: ${helmErrorText(result.stderr)}`)
  }

  async dependencyBuild(chartDir: string, options: DependencyArgsOptions = {}): Promise<HelmCommandResult> {
    return this.command(buildDependencyBuildArgs(chartDir, options))
  }

  async dependencyUpdate(chartDir: string, options: DependencyArgsOptions = {}): Promise<HelmCommandResult> {
    return this.command(buildDependencyUpdateArgs(chartDir, options))
  }

  /** Adds a chart repository to the configuration HELM_REPOSITORY_CONFIG names; the password goes to stdin. */
  async repoAdd(repo: RepositoryEntry, password?: string): Promise<HelmCommandResult> {
    return this.command(buildRepoAddArgs(repo), repo.username ? { stdin: password ?? '' } : {})
  }

  /** Logs in to an OCI registry into HELM_REGISTRY_CONFIG; the password goes to stdin. */
  async registryLogin(login: RegistryLogin, password: string): Promise<HelmCommandResult> {
    return this.command(buildRegistryLoginArgs(login, this.major), { stdin: password })
  }

  /** Forwards a signal to every helm process still running (workflow cancellation). */
  signalAll(signal: NodeJS.Signals): number {
    let sent = 0
    for (const child of this.running) if (child.signal(signal)) sent++
    return sent
  }

  private async command(args: readonly string[], options: ExecOptions = {}): Promise<HelmCommandResult> {
    const result = await this.exec(args, options).done
    return result.exitCode === 0
      ? { ok: true, durationMs: result.durationMs }
      : {
          ok: false,
          error: helmErrorText(result.stderr) || `helm exited with ${result.exitCode}`,
          durationMs: result.durationMs
        }
  }

  /**
   * The one way helm runs: an argument array, output streamed to the log (redacted) unless quiet, stderr and
   * stdout of the result redacted. A non-zero exit is in the result, never thrown.
   */
  private exec(args: readonly string[], options: ExecOptions): RunningProcess {
    const { redactor, log } = this.options
    const argv = options.debugOutput ? [...args, '--debug'] : [...args]
    if (!options.quiet) log.info(`$ helm ${redactor.args(args).join(' ')}`)
    const filter = options.debugOutput ? createDebugOutputFilter() : undefined
    const child = spawnProcess(this.options.path, argv, {
      env: { ...(this.options.env ?? process.env), NO_COLOR: '1' },
      stdin: options.stdin,
      maxChars: KEPT_OUTPUT_CHARS,
      onLine: (stream, line) => {
        options.onLine?.(stream, line)
        if (options.quiet || (options.quietOutput && stream === 'stdout')) return
        const disposition = filter?.classify(stream, line) ?? 'log'
        if (disposition === 'log') log.info(redactor.text(line))
        else if (disposition === 'debug') log.debug(redactor.text(line))
      }
    })
    this.running.add(child)
    const done = child.done.then(result => {
      this.running.delete(child)
      // stdout is parsed (history, manifests, release JSON), never logged raw: it stays exact. stderr becomes errors.
      return { ...result, stderr: redactor.text(result.stderr) }
    })
    return {
      pid: child.pid,
      done,
      signal: signal => child.signal(signal),
      get exited() {
        return child.exited
      }
    }
  }
}
