import { redactText } from '../report/redact.js'
import type { DeployMode, KeyValue } from '../inputs.js'

export type HelmMajor = 3 | 4

/** Where a release lives; shared by every helm command the action runs. */
export interface ReleaseTarget {
  release: string
  /** Empty means the kubeconfig context's namespace. */
  namespace: string
  kubeContext: string
}

export interface DeployArgsInputs extends ReleaseTarget {
  mode: DeployMode
  chart: string
  chartVersion: string
  repoUrl: string
  createNamespace: boolean
  valuesFiles: readonly string[]
  set: readonly KeyValue[]
  setString: readonly KeyValue[]
  setSecret: readonly KeyValue[]
  timeout: string
  atomic: boolean
  waitForJobs: boolean
  extraArgs: readonly string[]
}

export interface ConnectionOptions {
  major: HelmMajor
  /** A kubeconfig file written from the kubeconfig input; omitted to use the runner's. */
  kubeconfigPath?: string
}

export interface DeployArgsOptions extends ConnectionOptions {
  /** Temp file holding the inline `values` input, applied after values-files. */
  valuesFile?: string
}

/** Helm 4 spells every wait as `--wait=<strategy>`: `--wait watcher` would be read as a chart argument. */
function waitFlag(major: HelmMajor): string {
  return major === 3 ? '--wait' : '--wait=watcher'
}

function namespaceArgs(target: ReleaseTarget): string[] {
  return target.namespace === '' ? [] : ['--namespace', target.namespace]
}

function connectionArgs(target: ReleaseTarget, options: { kubeconfigPath?: string }): string[] {
  const args: string[] = []
  if (target.kubeContext !== '') args.push('--kube-context', target.kubeContext)
  if (options.kubeconfigPath !== undefined && options.kubeconfigPath !== '') {
    args.push('--kubeconfig', options.kubeconfigPath)
  }
  return args
}

export function buildDeployArgs(inputs: DeployArgsInputs, options: DeployArgsOptions): string[] {
  const args: string[] = []
  switch (inputs.mode) {
    case 'upgrade-install':
      args.push('upgrade', '--install')
      break
    case 'install':
      args.push('install')
      break
    case 'upgrade':
      args.push('upgrade')
      break
    case 'uninstall':
      throw new Error('buildDeployArgs: mode uninstall has no deploy command; use buildUninstallArgs')
  }
  args.push(inputs.release, inputs.chart, ...namespaceArgs(inputs))
  // Plain upgrade never creates a namespace; helm documents the flag as install-only.
  if (inputs.createNamespace && inputs.mode !== 'upgrade') args.push('--create-namespace')
  if (inputs.chartVersion !== '') args.push('--version', inputs.chartVersion)
  if (inputs.repoUrl !== '') args.push('--repo', inputs.repoUrl)
  for (const file of inputs.valuesFiles) args.push('-f', file)
  if (options.valuesFile !== undefined && options.valuesFile !== '') args.push('-f', options.valuesFile)
  for (const { key, value } of inputs.set) args.push('--set', `${key}=${value}`)
  for (const { key, value } of inputs.setString) args.push('--set-string', `${key}=${value}`)
  for (const { key, value } of inputs.setSecret) args.push('--set', `${key}=${value}`)
  if (inputs.atomic) {
    // --atomic implies --wait on Helm 3; on Helm 4 --rollback-on-failure would pick watcher too, but explicit is stable across 4.x.
    if (options.major === 3) args.push('--atomic')
    else args.push('--rollback-on-failure', waitFlag(4))
  } else {
    args.push(waitFlag(options.major))
  }
  args.push('--timeout', inputs.timeout)
  if (inputs.waitForJobs) args.push('--wait-for-jobs')
  args.push(...connectionArgs(inputs, options), ...inputs.extraArgs)
  return args
}

export interface UninstallArgsOptions extends ConnectionOptions {
  timeout: string
  /** The user's extra-args, only when uninstall is the requested mode (not a pending-release recovery). */
  extraArgs?: readonly string[]
}

export function buildUninstallArgs(target: ReleaseTarget, options: UninstallArgsOptions): string[] {
  return [
    'uninstall',
    target.release,
    ...namespaceArgs(target),
    waitFlag(options.major),
    '--timeout',
    options.timeout,
    ...connectionArgs(target, options),
    ...(options.extraArgs ?? [])
  ]
}

export interface HistoryArgsOptions {
  max: number
  kubeconfigPath?: string
}

export function buildHistoryArgs(target: ReleaseTarget, options: HistoryArgsOptions): string[] {
  return [
    'history',
    target.release,
    '-o',
    'json',
    '--max',
    String(options.max),
    ...namespaceArgs(target),
    ...connectionArgs(target, options)
  ]
}

export interface RollbackArgsOptions extends ConnectionOptions {
  wait: boolean
  timeout: string
  waitForJobs?: boolean
  /** Skips rollback hooks: the way out when a failing pre-rollback hook left the release pending. */
  noHooks?: boolean
  /**
   * Helm 3 only: replace objects instead of three-way patching them. A rollback from a revision whose own apply
   * never finished computes an empty patch and would leave the live objects as the failed upgrade made them.
   */
  replaceObjects?: boolean
  namespace?: string
  kubeContext?: string
}

export function buildRollbackArgs(release: string, revision: number, options: RollbackArgsOptions): string[] {
  const target: ReleaseTarget = {
    release,
    namespace: options.namespace ?? '',
    kubeContext: options.kubeContext ?? ''
  }
  const args = ['rollback', release, String(revision), ...namespaceArgs(target)]
  if (options.wait) args.push(waitFlag(options.major))
  args.push('--timeout', options.timeout)
  if (options.wait && options.waitForJobs === true) args.push('--wait-for-jobs')
  if (options.noHooks === true) args.push('--no-hooks')
  if (options.replaceObjects === true && options.major === 3) args.push('--force')
  args.push(...connectionArgs(target, options))
  return args
}

export function buildStatusArgs(target: ReleaseTarget, options: ConnectionOptions): string[] {
  const args = ['status', target.release, '-o', 'json', ...namespaceArgs(target)]
  // Helm 4 always includes resources and rejects the flag.
  if (options.major === 3) args.push('--show-resources')
  args.push(...connectionArgs(target, options))
  return args
}

export function buildDependencyBuildArgs(chartDir: string): string[] {
  return ['dependency', 'build', chartDir]
}

/** The command line as it may be logged: every secret replaced, each argument on its own. */
export function redactArgs(argv: readonly string[], secrets: readonly string[]): string[] {
  return argv.map(arg => redactText(arg, secrets))
}
