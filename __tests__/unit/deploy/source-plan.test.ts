import { describe, expect, it } from 'vitest'
import type { DeclaredDependency } from '../../../src/deploy/dependencies.js'
import {
  failedDependencies,
  ociHost,
  planSources,
  repositoryName,
  type ChartOnDisk,
  type SourceInputs,
  type SourcePlan
} from '../../../src/deploy/source-plan.js'

const none: SourceInputs = {
  mode: 'upgrade-install',
  chart: './chart',
  repoUrl: '',
  repoUsername: '',
  repoPassword: '',
  repoCaFile: '',
  passCredentials: false,
  registryUsername: '',
  registryPassword: '',
  registryCaFile: '',
  plainHttp: false,
  dependencyUpdate: false,
  githubToken: ''
}

const remote: ChartOnDisk = { isDirectory: false, exists: false, dependencies: [], missing: [] }

function local(
  dependencies: DeclaredDependency[],
  missing: string[] = dependencies.map(d => d.name)
): ChartOnDisk {
  return { isDirectory: true, exists: true, dependencies, missing }
}

const actor = { githubActor: 'octocat' }
const REPO = 'https://charts.example.com/stable'
const OTHER = 'https://other.example.org/charts'
const repoName = repositoryName(REPO)

describe('repositoryName', () => {
  it('depends on the URL alone (trailing slashes ignored), so reruns add the same names', () => {
    expect(repoName).toMatch(/^had-[0-9a-f]{12}$/)
    expect(repositoryName(`${REPO}/`)).toBe(repoName)
    expect(repositoryName(OTHER)).not.toBe(repoName)
  })

  it('ociHost takes host and port', () => {
    expect(ociHost('oci://127.0.0.1:5000/charts/app')).toBe('127.0.0.1:5000')
    expect(ociHost('oci://ghcr.io/acme/charts')).toBe('ghcr.io')
  })
})

describe('planSources', () => {
  it.each<[string, SourceInputs, ChartOnDisk, Partial<SourcePlan>]>([
    [
      'a local chart with nothing missing: nothing to do',
      none,
      local([], []),
      { logins: [], repositories: [] }
    ],
    [
      'repo-url with credentials: one repository, the chart through it',
      {
        ...none,
        chart: 'app',
        repoUrl: REPO,
        repoUsername: 'u',
        repoPassword: 'p4ss',
        passCredentials: true
      },
      remote,
      {
        chartRef: `${repoName}/app`,
        repositories: [
          {
            name: repoName,
            url: REPO,
            neededBy: 'repo-url',
            username: 'u',
            password: 'p4ss',
            passCredentials: true
          }
        ]
      }
    ],
    [
      'repo-url without credentials is still added (the run never reads the runner’s helm config)',
      { ...none, chart: 'app', repoUrl: `${REPO}/` },
      remote,
      { chartRef: `${repoName}/app`, repositories: [{ name: repoName, url: REPO, neededBy: 'repo-url' }] }
    ],
    [
      'missing https dependencies: each repository once; credentials and CA only for the one host',
      { ...none, repoUsername: 'u', repoPassword: 'p4ss', repoCaFile: '/ca.pem' },
      local([
        { name: 'redis', repository: REPO },
        { name: 'pg', repository: `${REPO}/` },
        { name: 'local', repository: 'file://../local' }
      ]),
      {
        dependencies: { command: 'build', oci: false },
        repositories: [
          {
            name: repoName,
            url: REPO,
            neededBy: 'dependency redis, pg',
            username: 'u',
            password: 'p4ss',
            caFile: '/ca.pem'
          }
        ]
      }
    ],
    [
      'repo-url and a dependency elsewhere: credentials stay with repo-url’s host',
      { ...none, chart: 'app', repoUrl: REPO, repoUsername: 'u', repoPassword: 'p4ss' },
      remote,
      { repositories: [{ name: repoName, url: REPO, neededBy: 'repo-url', username: 'u', password: 'p4ss' }] }
    ],
    [
      'dependency-update runs update even when nothing is missing',
      { ...none, dependencyUpdate: true },
      local([{ name: 'redis', repository: OTHER }], []),
      {
        dependencies: { command: 'update', oci: false },
        repositories: [{ name: repositoryName(OTHER), url: OTHER, neededBy: 'dependency redis' }]
      }
    ],
    [
      'vendored dependencies: no repository is added, however unreachable',
      none,
      local([{ name: 'redis', repository: 'https://127.0.0.1:9/charts' }], []),
      { repositories: [], logins: [] }
    ],
    [
      'an oci:// chart with registry credentials: one login with the TLS settings',
      {
        ...none,
        chart: 'oci://registry.example.com:5000/charts/app',
        registryUsername: 'robot',
        registryPassword: 't0ken',
        registryCaFile: '/reg-ca.pem',
        plainHttp: true
      },
      remote,
      {
        logins: [
          {
            host: 'registry.example.com:5000',
            username: 'robot',
            password: 't0ken',
            from: 'registry-username',
            caFile: '/reg-ca.pem',
            plainHttp: true
          }
        ]
      }
    ],
    [
      'oci:// dependencies of a local chart: the same login, and the registry flags for helm dependency',
      { ...none, registryUsername: 'robot', registryPassword: 't0ken' },
      local([{ name: 'app', repository: 'oci://registry.example.com/charts' }]),
      {
        dependencies: { command: 'build', oci: true },
        logins: [
          { host: 'registry.example.com', username: 'robot', password: 't0ken', from: 'registry-username' }
        ]
      }
    ],
    [
      'oci://ghcr.io without credentials: github-token as GITHUB_ACTOR',
      { ...none, chart: 'oci://ghcr.io/acme/charts/app', githubToken: 'ghs_abc' },
      remote,
      { logins: [{ host: 'ghcr.io', username: 'octocat', password: 'ghs_abc', from: 'github-token' }] }
    ],
    [
      'another registry without credentials: no login (anonymous pulls)',
      { ...none, chart: 'oci://registry.example.com/charts/app', githubToken: 'ghs_abc' },
      remote,
      { logins: [] }
    ],
    [
      'uninstall needs no chart',
      { ...none, mode: 'uninstall', chart: '', dependencyUpdate: true },
      remote,
      { problems: [] }
    ]
  ])('%s', (_name, inputs, chart, expected) => {
    const plan = planSources(inputs, chart, actor)
    expect(plan).toMatchObject({ problems: [], ...expected })
  })

  it('ghcr.io without GITHUB_ACTOR: no login', () => {
    const plan = planSources({ ...none, chart: 'oci://ghcr.io/acme/app', githubToken: 'ghs_abc' }, remote, {
      githubActor: ''
    })
    expect(plan.logins).toEqual([])
  })

  it.each<[string, SourceInputs, ChartOnDisk, string]>([
    [
      'repository credentials with no repository',
      { ...none, chart: 'oci://r.example.com/app', repoUsername: 'u', repoPassword: 'p4ss' },
      remote,
      'repo-username: there is no chart repository to use the repository credentials for'
    ],
    [
      'repository credentials and dependencies on two hosts',
      { ...none, repoUsername: 'u', repoPassword: 'p4ss' },
      local([
        { name: 'a', repository: REPO },
        { name: 'b', repository: OTHER }
      ]),
      "repo-username: the chart's dependencies come from https://charts.example.com, https://other.example.org"
    ],
    [
      'registry credentials with no registry',
      { ...none, registryUsername: 'robot', registryPassword: 't0ken' },
      local([], []),
      'registry-username: there is no OCI registry to log in to'
    ],
    [
      'dependency-update on a chart that is not a directory',
      { ...none, chart: 'oci://r.example.com/app', dependencyUpdate: true },
      remote,
      'dependency-update: applies to a local chart directory only'
    ],
    [
      'a repository alias in Chart.yaml',
      none,
      local([{ name: 'redis', repository: '@bitnami' }]),
      'chart: dependency redis names the repository "@bitnami" of a helm configuration'
    ],
    [
      'a repo/chart name without repo-url',
      { ...none, chart: 'bitnami/nginx' },
      remote,
      'chart: "bitnami/nginx" names a repository of a helm configuration, which the action does not read'
    ]
  ])('refused: %s', (_name, inputs, chart, problem) => {
    const { problems } = planSources(inputs, chart, actor)
    expect(problems).toHaveLength(1)
    expect(problems[0]).toContain(problem)
  })

  it('a relative chart directory with a slash is not taken for repo/chart', () => {
    expect(planSources({ ...none, chart: 'charts/app' }, local([], []), actor).problems).toEqual([])
  })
})

describe('failedDependencies', () => {
  const declared: DeclaredDependency[] = [
    { name: 'app', repository: REPO },
    { name: 'redis', repository: `${OTHER}/` },
    { name: 'vendored', repository: '' }
  ]

  it.each<[string, string, string[], string]>([
    [
      'named in the error',
      'redis chart not found in repo https://x',
      ['app', 'redis'],
      'dependency redis (https://other.example.org/charts/)'
    ],
    [
      'its repository in the error',
      `failed to fetch ${OTHER}/index.yaml : 404`,
      ['app', 'redis'],
      'dependency redis (https://other.example.org/charts/)'
    ],
    [
      'a name only inside a word is no mention',
      'application error',
      ['app'],
      'dependency app (https://charts.example.com/stable)'
    ],
    [
      'nothing matched: the missing ones',
      'something else',
      ['app', 'redis'],
      'dependencies app (https://charts.example.com/stable), redis (https://other.example.org/charts/)'
    ]
  ])('%s', (_name, error, missing, expected) => {
    expect(failedDependencies(declared, missing, error)).toBe(expected)
  })
})
