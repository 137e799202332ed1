import { describe, expect, it } from 'vitest'
import {
  buildDependencyBuildArgs,
  buildDeployArgs,
  buildHistoryArgs,
  buildRollbackArgs,
  buildStatusArgs,
  buildUninstallArgs,
  redactArgs,
  type DeployArgsInputs,
  type HelmMajor
} from '../../src/helm/args.js'

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
  setSecret: [],
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
  setSecret: [{ key: 'db.password', value: 'hunter2' }],
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

  it('orders every flag as documented (Helm 3)', () => {
    expect(
      buildDeployArgs(full, { major: 3, valuesFile: '/tmp/inline.yaml', kubeconfigPath: '/tmp/kc' })
    ).toEqual([
      'upgrade',
      '--install',
      'web',
      'demo',
      '--namespace',
      'prod',
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
      '--set',
      'image.tag=v2',
      '--set',
      'url=a=b',
      '--set-string',
      'build=0123',
      '--set',
      'db.password=hunter2',
      '--atomic',
      '--timeout',
      '90s',
      '--wait-for-jobs',
      '--kube-context',
      'ci',
      '--kubeconfig',
      '/tmp/kc',
      '--history-max=5',
      '--description',
      'deployed by CI'
    ])
  })

  it('orders every flag as documented (Helm 4)', () => {
    const args = buildDeployArgs(full, {
      major: 4,
      valuesFile: '/tmp/inline.yaml',
      kubeconfigPath: '/tmp/kc'
    })
    expect(args.slice(args.indexOf('db.password=hunter2'))).toEqual([
      'db.password=hunter2',
      '--rollback-on-failure',
      '--wait=watcher',
      '--timeout',
      '90s',
      '--wait-for-jobs',
      '--kube-context',
      'ci',
      '--kubeconfig',
      '/tmp/kc',
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

  it('omits an empty kubeconfig path and inline values file', () => {
    expect(buildDeployArgs(minimal, { major: 3, valuesFile: '', kubeconfigPath: '' })).toEqual(
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
    expect(buildUninstallArgs(target, { major, timeout: '2m', kubeconfigPath: '/tmp/kc' })).toEqual([
      'uninstall',
      'web',
      '--namespace',
      'prod',
      wait,
      '--timeout',
      '2m',
      '--kube-context',
      'ci',
      '--kubeconfig',
      '/tmp/kc'
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

  it('adds context and kubeconfig', () => {
    expect(
      buildHistoryArgs({ release: 'web', namespace: '', kubeContext: 'ci' }, { max: 1, kubeconfigPath: '/k' })
    ).toEqual(['history', 'web', '-o', 'json', '--max', '1', '--kube-context', 'ci', '--kubeconfig', '/k'])
  })
})

describe('buildRollbackArgs', () => {
  it.each<[HelmMajor, string]>([
    [3, '--wait'],
    [4, '--wait=watcher']
  ])('Helm %d rollback waits with %s', (major, wait) => {
    expect(buildRollbackArgs('web', 2, { major, wait: true, timeout: '5m0s', namespace: 'prod' })).toEqual([
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

  it('can skip waiting, add jobs only with wait, skip hooks, and target a context', () => {
    expect(
      buildRollbackArgs('web', 1, {
        major: 4,
        wait: false,
        waitForJobs: true,
        timeout: '1m',
        noHooks: true,
        kubeContext: 'ci',
        kubeconfigPath: '/k'
      })
    ).toEqual([
      'rollback',
      'web',
      '1',
      '--timeout',
      '1m',
      '--no-hooks',
      '--kube-context',
      'ci',
      '--kubeconfig',
      '/k'
    ])
    expect(buildRollbackArgs('web', 1, { major: 3, wait: true, waitForJobs: true, timeout: '1m' })).toEqual([
      'rollback',
      'web',
      '1',
      '--wait',
      '--timeout',
      '1m',
      '--wait-for-jobs'
    ])
  })
})

describe('buildRollbackArgs for recovery', () => {
  it.each<[HelmMajor, string[]]>([
    [3, ['rollback', 'web', '1', '--wait', '--timeout', '2m0s', '--force']],
    // Helm 4 applies server-side, which already takes back what the failed revision changed.
    [4, ['rollback', 'web', '1', '--wait=watcher', '--timeout', '2m0s']]
  ])('Helm %d replaces objects only where a patch could miss live changes', (major, expected) => {
    expect(buildRollbackArgs('web', 1, { major, wait: true, timeout: '2m0s', replaceObjects: true })).toEqual(
      expected
    )
  })
})

describe('buildStatusArgs', () => {
  const target = { release: 'web', namespace: 'prod', kubeContext: '' }

  it('asks Helm 3 for resources, which Helm 4 always includes and rejects the flag for', () => {
    expect(buildStatusArgs(target, { major: 3 })).toEqual([
      'status',
      'web',
      '-o',
      'json',
      '--namespace',
      'prod',
      '--show-resources'
    ])
    expect(buildStatusArgs(target, { major: 4, kubeconfigPath: '/k' })).toEqual([
      'status',
      'web',
      '-o',
      'json',
      '--namespace',
      'prod',
      '--kubeconfig',
      '/k'
    ])
  })
})

describe('buildDependencyBuildArgs', () => {
  it('builds the chart directory’s dependencies', () => {
    expect(buildDependencyBuildArgs('./charts/web')).toEqual(['dependency', 'build', './charts/web'])
  })
})

describe('redactArgs', () => {
  it('replaces secrets inside arguments and leaves the rest', () => {
    const argv = buildDeployArgs(full, { major: 3 })
    const redacted = redactArgs(argv, ['hunter2'])
    expect(redacted).toContain('db.password=***')
    expect(redacted.join(' ')).not.toContain('hunter2')
    expect(redacted.filter((arg, i) => arg !== argv[i])).toEqual(['db.password=***'])
  })

  it('removes a longer secret whole even when a shorter one is inside it', () => {
    expect(redactArgs(['--set', 'a=abcdef', 'x=abc'], ['abc', 'abcdef'])).toEqual(['--set', 'a=***', 'x=***'])
  })

  it('redacts every occurrence, and ignores empty secrets', () => {
    expect(redactArgs(['t=s3c:s3c'], ['', 's3c'])).toEqual(['t=***:***'])
  })

  it('does not modify its input', () => {
    const argv = ['k=secret']
    redactArgs(argv, ['secret'])
    expect(argv).toEqual(['k=secret'])
  })
})
