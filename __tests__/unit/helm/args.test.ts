import { describe, expect, it } from 'vitest'
import { HOOKS_TEMPLATE } from '../../../src/helm/hooks.js'
import {
  buildDependencyBuildArgs,
  buildDependencyUpdateArgs,
  buildDeployArgs,
  buildRegistryLoginArgs,
  buildRepoAddArgs,
  buildHistoryArgs,
  buildHooksArgs,
  buildRollbackArgs,
  buildTestArgs,
  buildUninstallArgs,
  type DeployArgsInputs,
  type HelmMajor
} from '../../../src/helm/args.js'

const minimal: DeployArgsInputs = {
  mode: 'upgrade-install',
  release: 'web',
  chart: './chart',
  chartVersion: '',
  repoUrl: '',
  namespace: '',
  kubeContext: '',
  createNamespace: false,
  valuesFiles: [],
  set: [],
  setString: [],
  timeout: '5m0s',
  atomic: true,
  waitForJobs: false,
  extraArgs: []
}

const full: DeployArgsInputs = {
  mode: 'upgrade-install',
  release: 'web',
  chart: 'demo',
  chartVersion: '^1.2.0',
  repoUrl: 'https://charts.example.com',
  namespace: 'prod',
  kubeContext: 'ci',
  createNamespace: true,
  valuesFiles: ['base.yaml', 'prod.yaml'],
  set: [
    { key: 'image.tag', value: 'v2' },
    { key: 'url', value: 'a=b' }
  ],
  setString: [{ key: 'build', value: '0123' }],
  timeout: '90s',
  atomic: true,
  waitForJobs: true,
  extraArgs: ['--history-max=5', '--description', 'deployed by CI']
}

describe('buildDeployArgs', () => {
  it.each<[string, DeployArgsInputs, HelmMajor, string[]]>([
    [
      'Helm 3 upgrade-install, atomic',
      minimal,
      3,
      ['upgrade', '--install', 'web', './chart', '--atomic', '--timeout', '5m0s']
    ],
    [
      'Helm 4 upgrade-install, atomic',
      minimal,
      4,
      [
        'upgrade',
        '--install',
        'web',
        './chart',
        '--rollback-on-failure',
        '--wait=watcher',
        '--timeout',
        '5m0s'
      ]
    ],
    [
      'Helm 3 upgrade-install, atomic off',
      { ...minimal, atomic: false },
      3,
      ['upgrade', '--install', 'web', './chart', '--wait', '--timeout', '5m0s']
    ],
    [
      'Helm 4 upgrade-install, atomic off',
      { ...minimal, atomic: false },
      4,
      ['upgrade', '--install', 'web', './chart', '--wait=watcher', '--timeout', '5m0s']
    ],
    [
      'Helm 3 install',
      { ...minimal, mode: 'install' },
      3,
      ['install', 'web', './chart', '--atomic', '--timeout', '5m0s']
    ],
    [
      'Helm 4 install',
      { ...minimal, mode: 'install' },
      4,
      ['install', 'web', './chart', '--rollback-on-failure', '--wait=watcher', '--timeout', '5m0s']
    ],
    [
      'Helm 3 upgrade',
      { ...minimal, mode: 'upgrade' },
      3,
      ['upgrade', 'web', './chart', '--atomic', '--timeout', '5m0s']
    ],
    [
      'Helm 4 upgrade, atomic off',
      { ...minimal, mode: 'upgrade', atomic: false },
      4,
      ['upgrade', 'web', './chart', '--wait=watcher', '--timeout', '5m0s']
    ]
  ])('%s', (_name, inputs, major, expected) => {
    expect(buildDeployArgs(inputs, { major })).toEqual(expected)
  })

  it('orders every flag as documented (Helm 3); secrets arrive only as a values file', () => {
    expect(
      buildDeployArgs(full, {
        major: 3,
        generatedValuesFiles: ['/tmp/inline.yaml', '/tmp/secret-values.yaml']
      })
    ).toEqual([
      'upgrade',
      '--install',
      'web',
      'demo',
      '--namespace',
      'prod',
      '--kube-context',
      'ci',
      '--create-namespace',
      '--version',
      '^1.2.0',
      '--repo',
      'https://charts.example.com',
      '-f',
      'base.yaml',
      '-f',
      'prod.yaml',
      '-f',
      '/tmp/inline.yaml',
      '-f',
      '/tmp/secret-values.yaml',
      '--set',
      'image.tag=v2',
      '--set',
      'url=a=b',
      '--set-string',
      'build=0123',
      '--atomic',
      '--timeout',
      '90s',
      '--wait-for-jobs',
      '--history-max=5',
      '--description',
      'deployed by CI'
    ])
  })

  it('orders every flag as documented (Helm 4)', () => {
    const args = buildDeployArgs(full, { major: 4 })
    expect(args.slice(args.indexOf('build=0123'))).toEqual([
      'build=0123',
      '--rollback-on-failure',
      '--wait=watcher',
      '--timeout',
      '90s',
      '--wait-for-jobs',
      '--history-max=5',
      '--description',
      'deployed by CI'
    ])
  })

  it.each<HelmMajor>([3, 4])('never mixes the majors’ atomic flags (Helm %d)', major => {
    for (const atomic of [true, false]) {
      const args = buildDeployArgs({ ...full, atomic }, { major })
      if (major === 3) {
        expect(args).not.toContain('--rollback-on-failure')
        expect(args.some(a => a.startsWith('--wait='))).toBe(false)
      } else {
        expect(args).not.toContain('--atomic')
        expect(args).not.toContain('--wait')
        expect(args).toContain('--wait=watcher')
      }
    }
  })

  it('passes --create-namespace only to commands that install', () => {
    expect(buildDeployArgs({ ...minimal, createNamespace: true, mode: 'install' }, { major: 3 })).toContain(
      '--create-namespace'
    )
    expect(
      buildDeployArgs({ ...minimal, createNamespace: true, mode: 'upgrade' }, { major: 3 })
    ).not.toContain('--create-namespace')
  })

  it('adds no values file when the action wrote none', () => {
    expect(buildDeployArgs(minimal, { major: 3, generatedValuesFiles: [] })).toEqual(
      buildDeployArgs(minimal, { major: 3 })
    )
  })

  it('refuses mode uninstall', () => {
    expect(() => buildDeployArgs({ ...minimal, mode: 'uninstall' }, { major: 4 })).toThrow(
      /buildUninstallArgs/
    )
  })
})

describe('buildUninstallArgs', () => {
  const target = { release: 'web', namespace: 'prod', kubeContext: 'ci' }

  it.each<[HelmMajor, string]>([
    [3, '--wait'],
    [4, '--wait=watcher']
  ])('Helm %d waits for deletion with %s', (major, wait) => {
    expect(buildUninstallArgs(target, { major, timeout: '2m' })).toEqual([
      'uninstall',
      'web',
      '--namespace',
      'prod',
      '--kube-context',
      'ci',
      wait,
      '--timeout',
      '2m'
    ])
  })

  it('appends extra args when given and omits empty namespace and context', () => {
    expect(
      buildUninstallArgs(
        { release: 'web', namespace: '', kubeContext: '' },
        { major: 3, timeout: '5m0s', extraArgs: ['--keep-history'] }
      )
    ).toEqual(['uninstall', 'web', '--wait', '--timeout', '5m0s', '--keep-history'])
  })
})

describe('buildHistoryArgs', () => {
  it('asks for JSON with a revision limit', () => {
    expect(buildHistoryArgs({ release: 'web', namespace: 'prod', kubeContext: '' }, { max: 5 })).toEqual([
      'history',
      'web',
      '-o',
      'json',
      '--max',
      '5',
      '--namespace',
      'prod'
    ])
  })

  it('adds the context', () => {
    expect(buildHistoryArgs({ release: 'web', namespace: '', kubeContext: 'ci' }, { max: 1 })).toEqual([
      'history',
      'web',
      '-o',
      'json',
      '--max',
      '1',
      '--kube-context',
      'ci'
    ])
  })
})

describe('buildRollbackArgs', () => {
  const target = { release: 'web', namespace: 'prod', kubeContext: '' }

  it.each<[HelmMajor, string]>([
    [3, '--wait'],
    [4, '--wait=watcher']
  ])('Helm %d rollback always waits, with %s', (major, wait) => {
    expect(buildRollbackArgs(target, 2, { major, timeout: '5m0s' })).toEqual([
      'rollback',
      'web',
      '2',
      '--namespace',
      'prod',
      wait,
      '--timeout',
      '5m0s'
    ])
  })

  it('skips hooks and targets a context', () => {
    expect(
      buildRollbackArgs({ release: 'web', namespace: '', kubeContext: 'ci' }, 1, {
        major: 4,
        timeout: '1m',
        noHooks: true
      })
    ).toEqual([
      'rollback',
      'web',
      '1',
      '--kube-context',
      'ci',
      '--wait=watcher',
      '--timeout',
      '1m',
      '--no-hooks'
    ])
  })

  it.each<[HelmMajor, string[]]>([
    [3, ['rollback', 'web', '1', '--wait', '--timeout', '2m0s', '--force']],
    // Helm 4 applies server-side, which already takes back what the failed revision changed.
    [4, ['rollback', 'web', '1', '--wait=watcher', '--timeout', '2m0s']]
  ])('recovery: Helm %d replaces objects only where a patch could miss live changes', (major, expected) => {
    expect(
      buildRollbackArgs({ release: 'web', namespace: '', kubeContext: '' }, 1, {
        major,
        timeout: '2m0s',
        replaceObjects: true
      })
    ).toEqual(expected)
  })
})

describe('buildRollbackArgs with force-conflicts', () => {
  it.each<[HelmMajor, string[]]>([
    [4, ['rollback', 'web', '2', '--wait=watcher', '--timeout', '5m0s', '--force-conflicts']],
    [3, ['rollback', 'web', '2', '--wait', '--timeout', '5m0s']]
  ])('Helm %d: the undo takes contested fields as the deploy did (Helm 4 only)', (major, expected) => {
    const target = { release: 'web', namespace: '', kubeContext: '' }
    expect(buildRollbackArgs(target, 2, { major, timeout: '5m0s', forceConflicts: true })).toEqual(expected)
  })
})

describe('buildDependencyBuildArgs / buildDependencyUpdateArgs', () => {
  it('builds the chart directory’s dependencies', () => {
    expect(buildDependencyBuildArgs('./charts/web')).toEqual(['dependency', 'build', './charts/web'])
  })

  it('passes the registry flags for oci:// dependencies', () => {
    expect(buildDependencyBuildArgs('./web', { plainHttp: true, caFile: '/ca.pem' })).toEqual([
      'dependency',
      'build',
      './web',
      '--plain-http',
      '--ca-file',
      '/ca.pem'
    ])
    expect(buildDependencyUpdateArgs('./web')).toEqual(['dependency', 'update', './web'])
  })
})

describe('named controls in buildDeployArgs', () => {
  const controls = {
    waitStrategy: 'legacy',
    historyMax: 3,
    serverSide: 'true',
    forceConflicts: true,
    takeOwnership: true,
    skipCrds: true,
    cleanupOnFail: true,
    description: 'by CI',
    postRenderer: 'kustomize',
    postRendererArgs: ['--a', 'b'],
    plainHttp: false,
    registryCaFile: ''
  } as const
  const tail = (args: string[]): string[] => args.slice(args.indexOf('--timeout') + 2)

  it.each<[string, DeployArgsInputs, HelmMajor, string[]]>([
    [
      'Helm 4 upgrade-install: every control',
      { ...minimal, ...controls },
      4,
      [
        '--history-max',
        '3',
        '--server-side=true',
        '--force-conflicts',
        '--take-ownership',
        '--skip-crds',
        '--cleanup-on-fail',
        '--description',
        'by CI',
        '--post-renderer',
        'kustomize',
        '--post-renderer-args',
        '--a',
        '--post-renderer-args',
        'b'
      ]
    ],
    [
      'Helm 3 drops the Helm-4-only ones (refused earlier when set)',
      { ...minimal, ...controls },
      3,
      [
        '--history-max',
        '3',
        '--take-ownership',
        '--skip-crds',
        '--cleanup-on-fail',
        '--description',
        'by CI',
        '--post-renderer',
        'kustomize',
        '--post-renderer-args',
        '--a',
        '--post-renderer-args',
        'b'
      ]
    ],
    [
      'install has neither --history-max nor --cleanup-on-fail; its --server-side is a boolean',
      { ...minimal, ...controls, mode: 'install', postRenderer: '', description: '' },
      4,
      ['--server-side=true', '--force-conflicts', '--take-ownership', '--skip-crds']
    ],
    [
      'server-side auto is helm’s default: no flag',
      { ...minimal, serverSide: 'auto', historyMax: 10 },
      4,
      ['--history-max', '10']
    ]
  ])('%s', (_name, inputs, major, expected) => {
    expect(tail(buildDeployArgs(inputs, { major }))).toEqual(expected)
  })

  it.each<[HelmMajor, boolean, string]>([
    [4, true, '--wait=legacy'],
    [4, false, '--wait=legacy'],
    [3, true, '--atomic'],
    [3, false, '--wait']
  ])('wait-strategy on Helm %d (atomic %s)', (major, atomic, flag) => {
    expect(buildDeployArgs({ ...minimal, atomic, waitStrategy: 'legacy' }, { major })).toContain(flag)
  })

  it('a chart from repo-url goes through the run’s repository, without --repo', () => {
    const args = buildDeployArgs({ ...full }, { major: 4, chartRef: 'had-0123456789ab/demo' })
    expect(args.slice(0, 4)).toEqual(['upgrade', '--install', 'web', 'had-0123456789ab/demo'])
    expect(args).not.toContain('--repo')
    expect(args).toContain('^1.2.0')
  })

  it('an oci:// chart gets the registry’s TLS flags; a local one never', () => {
    const oci = {
      ...minimal,
      chart: 'oci://r.example.com/charts/app',
      plainHttp: true,
      registryCaFile: '/ca.pem'
    }
    expect(buildDeployArgs(oci, { major: 3 }).slice(4, 8)).toEqual([
      '--plain-http',
      '--ca-file',
      '/ca.pem',
      '--atomic'
    ])
    expect(buildDeployArgs({ ...oci, chart: './chart' }, { major: 3 })).not.toContain('--plain-http')
  })
})

describe('chart sources: passwords never on the command line', () => {
  it.each<[string, Parameters<typeof buildRepoAddArgs>[0], string[]]>([
    [
      'public',
      { name: 'had-1', url: 'https://c.example.com' },
      ['repo', 'add', 'had-1', 'https://c.example.com']
    ],
    [
      'with credentials, CA and pass-credentials',
      {
        name: 'had-1',
        url: 'https://c.example.com',
        username: 'u',
        caFile: '/ca.pem',
        passCredentials: true
      },
      [
        'repo',
        'add',
        'had-1',
        'https://c.example.com',
        '--username',
        'u',
        '--password-stdin',
        '--ca-file',
        '/ca.pem',
        '--pass-credentials'
      ]
    ]
  ])('repo add: %s', (_name, repo, expected) => {
    expect(buildRepoAddArgs(repo)).toEqual(expected)
  })

  it.each<[HelmMajor, string[]]>([
    [
      4,
      [
        'registry',
        'login',
        'r:5000',
        '--username',
        'robot',
        '--password-stdin',
        '--ca-file',
        '/ca.pem',
        '--plain-http'
      ]
    ],
    // Helm 3's login has no --plain-http.
    [
      3,
      [
        'registry',
        'login',
        'r:5000',
        '--username',
        'robot',
        '--password-stdin',
        '--ca-file',
        '/ca.pem',
        '--insecure'
      ]
    ]
  ])('registry login, Helm %d', (major, expected) => {
    expect(
      buildRegistryLoginArgs({ host: 'r:5000', username: 'robot', caFile: '/ca.pem', plainHttp: true }, major)
    ).toEqual(expected)
  })
})

describe('buildTestArgs and buildHooksArgs', () => {
  it.each([
    [{ release: 'web', namespace: 'prod', kubeContext: '' }, ['--namespace', 'prod']],
    [{ release: 'web', namespace: '', kubeContext: 'ci' }, ['--kube-context', 'ci']]
  ])('helm test with its own timeout, and the hooks template, for %o', (target, where) => {
    expect(buildTestArgs(target, { timeout: '90s' })).toEqual(['test', 'web', ...where, '--timeout', '90s'])
    expect(buildHooksArgs(target)).toEqual(['get', 'all', 'web', ...where, '--template', HOOKS_TEMPLATE])
  })
})
