/**
 * What a chart needs before helm can deploy it, as data: the registries to log in to, the chart repositories to
 * add to the run's private repository config, the chart reference helm then uses, and whether `helm dependency
 * build` (or `update`) runs. Credentials go to one host only: repo-url's (or, for a local chart without it, the
 * single host its https dependencies come from), and the registry of an oci:// chart (or the single registry of a
 * local chart's oci:// dependencies). Pure.
 */
import { createHash } from 'node:crypto'
import type { RegistryLogin, RepositoryEntry } from '../helm/args.js'
import type { Inputs } from '../inputs/index.js'
import type { DeclaredDependency } from './dependencies.js'

export type SourceInputs = Pick<
  Inputs,
  | 'mode'
  | 'chart'
  | 'repoUrl'
  | 'repoUsername'
  | 'repoPassword'
  | 'repoCaFile'
  | 'passCredentials'
  | 'registryUsername'
  | 'registryPassword'
  | 'registryCaFile'
  | 'plainHttp'
  | 'dependencyUpdate'
  | 'githubToken'
>

/** What the action found on disk about the chart. */
export interface ChartOnDisk {
  /** The chart input is a local directory (only then do dependencies matter). */
  isDirectory: boolean
  /** The chart input is a file or directory that exists. */
  exists: boolean
  dependencies: readonly DeclaredDependency[]
  /** Declared dependencies missing from charts/. */
  missing: readonly string[]
}

export interface PlannedRepository extends RepositoryEntry {
  password?: string
  /** Who needs it, for errors: `repo-url` or `dependency a, b`. */
  neededBy: string
}

export interface PlannedLogin extends RegistryLogin {
  password: string
  /** Where the credentials came from, for errors. */
  from: 'registry-username' | 'github-token'
}

export interface PlannedDependencies {
  command: 'build' | 'update'
  /** The chart has oci:// dependencies: the registry flags go to helm dependency. */
  oci: boolean
}

export interface SourcePlan {
  logins: PlannedLogin[]
  repositories: PlannedRepository[]
  /** `<repository>/<chart>` when the chart comes from repo-url. */
  chartRef?: string
  dependencies?: PlannedDependencies
  /** Input problems (`<input>: <why>`); the run is refused before the cluster when there are any. */
  problems: string[]
}

const GHCR = 'ghcr.io'

/** A repository name that depends on the URL alone, so a rerun adds the same names. */
export function repositoryName(url: string): string {
  return `had-${createHash('sha256').update(trimSlashes(url)).digest('hex').slice(0, 12)}`
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, '')
}

function originOf(url: string): string {
  try {
    return new URL(url).origin
  } catch {
    return url
  }
}

/** `oci://host:port/path` → `host:port`. */
export function ociHost(reference: string): string {
  return reference.slice('oci://'.length).split('/')[0] ?? ''
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)]
}

const isHttp = (repository: string): boolean => /^https?:\/\//.test(repository)
const isOci = (repository: string): boolean => repository.startsWith('oci://')

export function planSources(
  inputs: SourceInputs,
  chart: ChartOnDisk,
  env: { githubActor: string }
): SourcePlan {
  const plan: SourcePlan = { logins: [], repositories: [], problems: [] }
  if (inputs.mode === 'uninstall') return plan
  const dependencies = planDependencies(inputs, chart, plan.problems)
  plan.dependencies = dependencies
  // Repositories and registries the chart's dependencies need, only when helm dependency runs.
  const needed = dependencies ? chart.dependencies : []
  plan.repositories = planRepositories(inputs, chart, needed, plan)
  plan.logins = planLogins(inputs, chart, needed, env, plan.problems)
  return plan
}

function planDependencies(
  inputs: SourceInputs,
  chart: ChartOnDisk,
  problems: string[]
): PlannedDependencies | undefined {
  if (!chart.isDirectory) {
    if (inputs.dependencyUpdate) problems.push('dependency-update: applies to a local chart directory only')
    return undefined
  }
  const command = inputs.dependencyUpdate ? 'update' : chart.missing.length > 0 ? 'build' : undefined
  if (command === undefined || chart.dependencies.length === 0) return undefined
  for (const dep of chart.dependencies) {
    if (/^(@|alias:)/.test(dep.repository)) {
      problems.push(
        `chart: dependency ${dep.name} names the repository "${dep.repository}" of a helm configuration, which the action does not read (it keeps its own per run); use the repository's URL in Chart.yaml`
      )
    }
  }
  return { command, oci: chart.dependencies.some(dep => isOci(dep.repository)) }
}

/** repo-url's host, else the one host of the chart's https dependencies; undefined when there is none or several. */
function credentialOrigin(inputs: SourceInputs, declared: readonly DeclaredDependency[]): string[] {
  if (inputs.repoUrl !== '') return [originOf(inputs.repoUrl)]
  return unique(declared.filter(dep => isHttp(dep.repository)).map(dep => originOf(dep.repository)))
}

function planRepositories(
  inputs: SourceInputs,
  chart: ChartOnDisk,
  needed: readonly DeclaredDependency[],
  plan: SourcePlan
): PlannedRepository[] {
  const origins = credentialOrigin(inputs, chart.dependencies)
  const scoped = inputs.repoUsername !== '' || inputs.repoCaFile !== '' || inputs.passCredentials
  if (scoped && origins.length !== 1) {
    plan.problems.push(
      origins.length === 0
        ? 'repo-username: there is no chart repository to use the repository credentials for (repo-url is empty and the chart declares no https:// dependency)'
        : `repo-username: the chart's dependencies come from ${origins.join(', ')}; the repository credentials are for one host, so set repo-url or vendor the others in charts/`
    )
  }
  const credentialsFor = origins.length === 1 ? origins[0] : undefined
  const byUrl = new Map<string, string[]>()
  if (inputs.repoUrl !== '') byUrl.set(trimSlashes(inputs.repoUrl), ['repo-url'])
  for (const dep of needed.filter(d => isHttp(d.repository))) {
    const url = trimSlashes(dep.repository)
    byUrl.set(url, [...(byUrl.get(url) ?? []), dep.name])
  }
  if (inputs.repoUrl !== '') plan.chartRef = `${repositoryName(inputs.repoUrl)}/${inputs.chart}`
  else if (/^[^./][^/]*\/[^/]+$/.test(inputs.chart) && !chart.exists) {
    plan.problems.push(
      `chart: "${inputs.chart}" names a repository of a helm configuration, which the action does not read (it keeps its own per run); set repo-url to the repository's URL and chart to the chart's name`
    )
  }
  return [...byUrl].map(([url, users]) => {
    const own = originOf(url) === credentialsFor
    const names = users.filter(user => user !== 'repo-url')
    const neededBy = [
      ...(users.includes('repo-url') ? ['repo-url'] : []),
      ...(names.length > 0 ? [`dependency ${names.join(', ')}`] : [])
    ].join(' and ')
    return {
      name: repositoryName(url),
      url,
      neededBy,
      ...(own && inputs.repoUsername !== ''
        ? { username: inputs.repoUsername, password: inputs.repoPassword }
        : {}),
      ...(own && inputs.repoCaFile !== '' ? { caFile: inputs.repoCaFile } : {}),
      ...(own && inputs.passCredentials ? { passCredentials: true } : {})
    }
  })
}

function planLogins(
  inputs: SourceInputs,
  chart: ChartOnDisk,
  needed: readonly DeclaredDependency[],
  env: { githubActor: string },
  problems: string[]
): PlannedLogin[] {
  const chartHost = inputs.chart.startsWith('oci://') ? ociHost(inputs.chart) : undefined
  const declaredHosts = unique(
    chart.dependencies.filter(d => isOci(d.repository)).map(d => ociHost(d.repository))
  )
  const credentialHosts = chartHost ? [chartHost] : declaredHosts
  const neededHosts = unique([
    ...(chartHost ? [chartHost] : []),
    ...needed.filter(d => isOci(d.repository)).map(d => ociHost(d.repository))
  ])
  const tls = {
    ...(inputs.registryCaFile !== '' ? { caFile: inputs.registryCaFile } : {}),
    ...(inputs.plainHttp ? { plainHttp: true } : {})
  }
  if (inputs.registryUsername !== '' && credentialHosts.length !== 1) {
    problems.push(
      credentialHosts.length === 0
        ? 'registry-username: there is no OCI registry to log in to (the chart is not oci:// and declares no oci:// dependency)'
        : `registry-username: the chart's dependencies come from the registries ${credentialHosts.join(', ')}; the registry credentials are for one`
    )
  }
  const logins: PlannedLogin[] = []
  for (const host of neededHosts) {
    if (inputs.registryUsername !== '' && credentialHosts.length === 1 && host === credentialHosts[0]) {
      logins.push({
        host,
        username: inputs.registryUsername,
        password: inputs.registryPassword,
        from: 'registry-username',
        ...tls
      })
    } else if (host === GHCR && inputs.githubToken !== '' && env.githubActor !== '') {
      // GitHub's own registry takes the workflow token (it needs `packages: read`).
      logins.push({ host, username: env.githubActor, password: inputs.githubToken, from: 'github-token' })
    }
  }
  return logins
}

/** The dependencies helm's error mentions (by name or repository), else the missing ones: `a (repo), b (repo)`. */
export function failedDependencies(
  declared: readonly DeclaredDependency[],
  missing: readonly string[],
  error: string
): string {
  const word = (text: string): RegExp =>
    new RegExp(`(^|[^\\w.-])${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w.-])`)
  const mentioned = declared.filter(
    dep =>
      word(dep.name).test(error) ||
      (dep.repository !== '' && error.includes(dep.repository.replace(/\/+$/, '')))
  )
  const chosen = mentioned.length > 0 ? mentioned : declared.filter(dep => missing.includes(dep.name))
  const list = chosen.length > 0 ? chosen : declared
  const text = list.map(dep => `${dep.name} (${dep.repository || 'charts/'})`).join(', ')
  return `${list.length === 1 ? 'dependency' : 'dependencies'} ${text}`
}
