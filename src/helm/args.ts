/** helm's command lines, per major. Pure: data in, argument arrays out. */
import type { DeployMode, KeyValue } from '../inputs/index.js'
import { HOOKS_TEMPLATE } from './hooks.js'

export type HelmMajor = 3 | 4

/** Where a release lives; shared by every helm command the action runs. */
export interface ReleaseTarget {
  release: string
  /** Empty means the kubeconfig context's namespace. */
  namespace: string
  kubeContext: string
}

/** helm's own controls the action takes as named inputs; absent ones are left to helm's defaults. */
export interface HelmControls {
  /** Helm 4's --wait=<strategy>; Helm 3 always polls. */
  waitStrategy: 'watcher' | 'legacy'
  /** Upgrades only: helm install has no --history-max. */
  historyMax: number
  serverSide: 'auto' | 'true' | 'false'
  forceConflicts: boolean
  takeOwnership: boolean
  skipCrds: boolean
  cleanupOnFail: boolean
  description: string
  postRenderer: string
  postRendererArgs: readonly string[]
  /** For an oci:// chart: the registry speaks HTTP, and the CA that verifies its certificate. */
  plainHttp: boolean
  registryCaFile: string
}

export interface DeployArgsInputs extends ReleaseTarget, Partial<HelmControls> {
  mode: DeployMode
  chart: string
  chartVersion: string
  repoUrl: string
  createNamespace: boolean
  valuesFiles: readonly string[]
  set: readonly KeyValue[]
  setString: readonly KeyValue[]
  timeout: string
  atomic: boolean
  waitForJobs: boolean
  extraArgs: readonly string[]
}

export interface DeployArgsOptions {
  major: HelmMajor
  /** Files the action wrote: the inline `values` input, then set-secret's values; applied after values-files. */
  generatedValuesFiles?: readonly string[]
  /** A plan: the same command as a dry run (`server` validates against the API server), printing the release JSON. */
  dryRun?: 'server' | 'client'
  /** The chart as helm finds it once repo-url was added to the run's repository config (`<repo>/<chart>`). */
  chartRef?: string
}

/** Helm 4 spells every wait as `--wait=<strategy>`: `--wait watcher` would be read as a chart argument. */
function waitFlag(major: HelmMajor, strategy: HelmControls['waitStrategy'] = 'watcher'): string {
  return major === 3 ? '--wait' : `--wait=${strategy}`
}

/** The named controls' flags, in the order helm documents them; Helm-4-only ones only on Helm 4. */
function controlArgs(inputs: DeployArgsInputs, major: HelmMajor): string[] {
  const upgrade = inputs.mode !== 'install'
  const args: string[] = []
  if (upgrade && inputs.historyMax !== undefined) args.push('--history-max', String(inputs.historyMax))
  if (major === 4 && inputs.serverSide !== undefined && inputs.serverSide !== 'auto') {
    // install's --server-side is a boolean, upgrade's takes auto|true|false: `=` suits both.
    args.push(`--server-side=${inputs.serverSide}`)
  }
  if (major === 4 && inputs.forceConflicts === true) args.push('--force-conflicts')
  if (inputs.takeOwnership === true) args.push('--take-ownership')
  if (inputs.skipCrds === true) args.push('--skip-crds')
  if (upgrade && inputs.cleanupOnFail === true) args.push('--cleanup-on-fail')
  if (inputs.description) args.push('--description', inputs.description)
  if (inputs.postRenderer) {
    args.push('--post-renderer', inputs.postRenderer)
    for (const arg of inputs.postRendererArgs ?? []) args.push('--post-renderer-args', arg)
  }
  return args
}

/** Where helm fetches the chart: the run's repository for repo-url, the registry's TLS for oci://. */
function chartArgs(inputs: DeployArgsInputs, options: DeployArgsOptions): string[] {
  const args = [options.chartRef ?? inputs.chart]
  if (inputs.chartVersion !== '') args.push('--version', inputs.chartVersion)
  if (inputs.repoUrl !== '' && options.chartRef === undefined) args.push('--repo', inputs.repoUrl)
  if (inputs.chart.startsWith('oci://')) {
    if (inputs.plainHttp === true) args.push('--plain-http')
    if (inputs.registryCaFile) args.push('--ca-file', inputs.registryCaFile)
  }
  return args
}

function targetArgs(target: ReleaseTarget): string[] {
  const args = target.namespace === '' ? [] : ['--namespace', target.namespace]
  if (target.kubeContext !== '') args.push('--kube-context', target.kubeContext)
  return args
}

export function buildDeployArgs(inputs: DeployArgsInputs, options: DeployArgsOptions): string[] {
  const verb: Record<Exclude<DeployMode, 'uninstall'>, string[]> = {
    'upgrade-install': ['upgrade', '--install'],
    install: ['install'],
    upgrade: ['upgrade'],
    plan: ['upgrade', '--install']
  }
  if (inputs.mode === 'uninstall')
    throw new Error('mode uninstall has no deploy command; use buildUninstallArgs')
  const [chart = '', ...chartFlags] = chartArgs(inputs, options)
  const args = [...verb[inputs.mode], inputs.release, chart, ...targetArgs(inputs)]
  // Plain upgrade never creates a namespace; helm documents the flag as install-only.
  if (inputs.createNamespace && inputs.mode !== 'upgrade') args.push('--create-namespace')
  args.push(...chartFlags)
  for (const file of [...inputs.valuesFiles, ...(options.generatedValuesFiles ?? [])]) args.push('-f', file)
  for (const { key, value } of inputs.set) args.push('--set', `${key}=${value}`)
  for (const { key, value } of inputs.setString) args.push('--set-string', `${key}=${value}`)
  if (options.dryRun) {
    // Nothing waits or rolls back in a dry run; the release JSON carries the manifest, hooks and chart files.
    args.push(`--dry-run=${options.dryRun}`, '-o', 'json', ...inputs.extraArgs)
    return args
  }
  if (inputs.atomic) {
    // --atomic implies --wait on Helm 3; on Helm 4 --rollback-on-failure would pick watcher too, but explicit is stable across 4.x.
    if (options.major === 3) args.push('--atomic')
    else args.push('--rollback-on-failure', waitFlag(4, inputs.waitStrategy))
  } else {
    args.push(waitFlag(options.major, inputs.waitStrategy))
  }
  args.push('--timeout', inputs.timeout)
  if (inputs.waitForJobs) args.push('--wait-for-jobs')
  args.push(...controlArgs(inputs, options.major))
  args.push(...inputs.extraArgs)
  return args
}

export interface UninstallArgsOptions {
  major: HelmMajor
  timeout: string
  /** The user's extra-args, only when uninstall is the requested mode (not a recovery). */
  extraArgs?: readonly string[]
}

export function buildUninstallArgs(target: ReleaseTarget, options: UninstallArgsOptions): string[] {
  return [
    'uninstall',
    target.release,
    ...targetArgs(target),
    waitFlag(options.major),
    '--timeout',
    options.timeout,
    ...(options.extraArgs ?? [])
  ]
}

export function buildHistoryArgs(target: ReleaseTarget, options: { max: number }): string[] {
  return ['history', target.release, '-o', 'json', '--max', String(options.max), ...targetArgs(target)]
}

export interface RollbackArgsOptions {
  major: HelmMajor
  timeout: string
  /** Skips rollback hooks: the way out when a failing pre-rollback hook left the release pending. */
  noHooks?: boolean
  /**
   * Helm 3 only: replace objects instead of three-way patching them. A rollback from a revision whose own apply
   * never finished computes an empty patch and would leave the live objects as the failed upgrade made them.
   */
  replaceObjects?: boolean
  /** Helm 4 only: the rollback's server-side apply takes fields other managers own, as the deploy did. */
  forceConflicts?: boolean
}

/** Always waits: a rollback is done when the old revision runs again. */
export function buildRollbackArgs(
  target: ReleaseTarget,
  revision: number,
  options: RollbackArgsOptions
): string[] {
  const args = ['rollback', target.release, String(revision), ...targetArgs(target)]
  args.push(waitFlag(options.major), '--timeout', options.timeout)
  if (options.noHooks === true) args.push('--no-hooks')
  if (options.replaceObjects === true && options.major === 3) args.push('--force')
  if (options.forceConflicts === true && options.major === 4) args.push('--force-conflicts')
  return args
}

export function buildGetValuesArgs(target: ReleaseTarget, revision: number): string[] {
  return [
    'get',
    'values',
    target.release,
    '--revision',
    String(revision),
    '-o',
    'json',
    ...targetArgs(target)
  ]
}

export function buildGetManifestArgs(target: ReleaseTarget, revision: number): string[] {
  return ['get', 'manifest', target.release, '--revision', String(revision), ...targetArgs(target)]
}

/** For a chart's oci:// dependencies: the registry speaks HTTP, and the CA that verifies its certificate. */
export interface DependencyArgsOptions {
  plainHttp?: boolean
  caFile?: string
}

function dependencyFlags(options: DependencyArgsOptions): string[] {
  const args = options.plainHttp === true ? ['--plain-http'] : []
  if (options.caFile) args.push('--ca-file', options.caFile)
  return args
}

export function buildDependencyBuildArgs(chartDir: string, options: DependencyArgsOptions = {}): string[] {
  return ['dependency', 'build', chartDir, ...dependencyFlags(options)]
}

export function buildDependencyUpdateArgs(chartDir: string, options: DependencyArgsOptions = {}): string[] {
  return ['dependency', 'update', chartDir, ...dependencyFlags(options)]
}

/** A chart repository for the run's repository config; its password goes to helm's stdin. */
export interface RepositoryEntry {
  name: string
  url: string
  /** With a username, helm reads the password from stdin (`--password-stdin`). */
  username?: string
  caFile?: string
  passCredentials?: boolean
}

export function buildRepoAddArgs(repo: RepositoryEntry): string[] {
  const args = ['repo', 'add', repo.name, repo.url]
  if (repo.username) args.push('--username', repo.username, '--password-stdin')
  if (repo.caFile) args.push('--ca-file', repo.caFile)
  if (repo.passCredentials === true) args.push('--pass-credentials')
  return args
}

/** An OCI registry to log in to; the password (or token) goes to helm's stdin. */
export interface RegistryLogin {
  host: string
  username: string
  caFile?: string
  plainHttp?: boolean
}

export function buildRegistryLoginArgs(login: RegistryLogin, major: HelmMajor): string[] {
  const args = ['registry', 'login', login.host, '--username', login.username, '--password-stdin']
  if (login.caFile) args.push('--ca-file', login.caFile)
  // Helm 3's login has no --plain-http; --insecure lets it use a registry that TLS does not verify.
  if (login.plainHttp === true) args.push(major === 4 ? '--plain-http' : '--insecure')
  return args
}

/** helm test waits for each test hook in turn; `--timeout` is per hook, as helm documents it. */
export function buildTestArgs(target: ReleaseTarget, options: { timeout: string }): string[] {
  return ['test', target.release, ...targetArgs(target), '--timeout', options.timeout]
}

/** The release's hooks and their last runs, one line each (see HOOKS_TEMPLATE). */
export function buildHooksArgs(target: ReleaseTarget): string[] {
  return ['get', 'all', target.release, ...targetArgs(target), '--template', HOOKS_TEMPLATE]
}
