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

export interface DeployArgsInputs extends ReleaseTarget {
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
}

/** Helm 4 spells every wait as `--wait=<strategy>`: `--wait watcher` would be read as a chart argument. */
function waitFlag(major: HelmMajor): string {
  return major === 3 ? '--wait' : '--wait=watcher'
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
  const args = [...verb[inputs.mode], inputs.release, inputs.chart, ...targetArgs(inputs)]
  // Plain upgrade never creates a namespace; helm documents the flag as install-only.
  if (inputs.createNamespace && inputs.mode !== 'upgrade') args.push('--create-namespace')
  if (inputs.chartVersion !== '') args.push('--version', inputs.chartVersion)
  if (inputs.repoUrl !== '') args.push('--repo', inputs.repoUrl)
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
    else args.push('--rollback-on-failure', waitFlag(4))
  } else {
    args.push(waitFlag(options.major))
  }
  args.push('--timeout', inputs.timeout)
  if (inputs.waitForJobs) args.push('--wait-for-jobs')
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

export function buildDependencyBuildArgs(chartDir: string): string[] {
  return ['dependency', 'build', chartDir]
}

/** helm test waits for each test hook in turn; `--timeout` is per hook, as helm documents it. */
export function buildTestArgs(target: ReleaseTarget, options: { timeout: string }): string[] {
  return ['test', target.release, ...targetArgs(target), '--timeout', options.timeout]
}

/** The release's hooks and their last runs, one line each (see HOOKS_TEMPLATE). */
export function buildHooksArgs(target: ReleaseTarget): string[] {
  return ['get', 'all', target.release, ...targetArgs(target), '--template', HOOKS_TEMPLATE]
}
