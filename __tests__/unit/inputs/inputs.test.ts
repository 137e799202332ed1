import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { beforeEach, describe, expect, it, vi } from 'vitest'

const core = vi.hoisted(() => {
  const state: { inputs: Record<string, string>; secrets: string[] } = { inputs: {}, secrets: [] }
  return state
})
vi.mock('@actions/core', () => ({
  getInput: (name: string) => core.inputs[name] ?? '',
  setSecret: (secret: string) => {
    core.secrets.push(secret)
  }
}))

import {
  INPUT_DEFAULTS,
  parseGoDuration,
  parseInputs,
  readInputs,
  type Inputs
} from '../../../src/inputs/index.js'

const existing = new Set(['values/base.yaml', 'values/prod.yaml', './chart'])
const env = { fileExists: (path: string) => existing.has(path) }

const base: Record<string, string> = { release: 'web', chart: './chart' }

function errorsFor(raw: Record<string, string>): string[] {
  return parseInputs({ ...base, ...raw }, env).errors
}

const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://k8s.example.com
contexts:
- name: ci
  context: {cluster: c, user: token-user}
current-context: ci
users:
- name: token-user
  user:
    token: tok-abcdef123456
- name: cert-user
  user:
    client-certificate-data: Y2VydGlmaWNhdGUtZGF0YQ==
    client-key-data: a2V5LWRhdGEtc2VjcmV0
- name: basic-user
  user:
    username: admin
    password: pa55w0rd-basic
- name: oidc-user
  user:
    auth-provider:
      name: oidc
      config:
        id-token: oidc-id-token-value
        refresh-token: oidc-refresh-token-value
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      env:
      - name: AWS_SECRET_ACCESS_KEY
        value: aws-secret-value-1
`

describe('parseInputs: valid input', () => {
  it('applies action.yml defaults to a minimal input', () => {
    const { inputs, errors } = parseInputs(base, env)
    expect(errors).toEqual([])
    expect(inputs).toEqual<Inputs>({
      release: 'web',
      chart: './chart',
      chartVersion: '',
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
      namespace: '',
      createNamespace: false,
      valuesFiles: [],
      values: '',
      set: [],
      setString: [],
      setSecret: [],
      timeout: '5m0s',
      timeoutMs: 300_000,
      atomic: true,
      waitForJobs: false,
      minReadyMs: 10_000,
      test: false,
      testTimeout: '5m0s',
      waitStrategy: 'watcher',
      historyMax: 10,
      serverSide: 'auto',
      forceConflicts: false,
      takeOwnership: false,
      skipCrds: false,
      cleanupOnFail: false,
      description: '',
      postRenderer: '',
      postRendererArgs: [],
      mode: 'upgrade-install',
      helmVersion: 'v4.1.4',
      helmMirror: 'https://get.helm.sh',
      helmSha256: '',
      kubectlVersion: 'auto',
      kubectlMirror: 'https://dl.k8s.io',
      kubeconfig: '',
      kubeContext: '',
      failFast: true,
      failFastRestarts: 2,
      failFastUnschedulableMs: 30_000,
      recoverPending: true,
      environment: '',
      githubDeployment: false,
      environmentUrl: '',
      productionEnvironment: false,
      summary: 'always',
      comment: 'failure',
      githubToken: '',
      logLines: 50,
      extraArgs: []
    })
  })

  it('keeps INPUT_DEFAULTS in step with action.yml', () => {
    const action = parseYaml(readFileSync(new URL('../../../action.yml', import.meta.url), 'utf8')) as {
      inputs: Record<string, { default?: string }>
    }
    const fromAction = Object.fromEntries(
      Object.entries(action.inputs).map(([name, spec]) => [
        name,
        name === 'github-token' ? '' : String(spec.default ?? '')
      ])
    )
    expect(INPUT_DEFAULTS).toEqual(fromAction)
  })

  it('types and normalises a full input', () => {
    const sha = 'A'.repeat(64)
    const { inputs, errors } = parseInputs(
      {
        release: 'web-app-1',
        chart: 'demo',
        'chart-version': '^1.2.0',
        'repo-url': 'https://charts.example.com',
        namespace: 'prod-eu',
        'create-namespace': 'True',
        'values-files': 'values/base.yaml\n\n# overrides\n  values/prod.yaml  \n',
        values: 'replicas: 2\nimage:\n  tag: v2\n',
        set: 'image.tag=v2\nurl=https://x/?a=b\n# comment\nempty=',
        'set-string': 'build=0123',
        'set-secret': 'db.password=hunter2\napi.key = k=v',
        timeout: '1h2m3.5s',
        atomic: 'FALSE',
        'wait-for-jobs': 'true',
        mode: 'install',
        'helm-version': '3.17.1',
        'helm-mirror': 'https://mirror.example.com/helm/',
        'helm-sha256': sha,
        'kubectl-version': '1.32.0',
        'kubectl-mirror': 'http://dl.example.com',
        kubeconfig: KUBECONFIG,
        'kube-context': 'ci',
        'fail-fast': 'false',
        'fail-fast-restarts': '5',
        'fail-fast-unschedulable': '5m',
        'min-ready': '0s',
        test: 'true',
        'test-timeout': '90s',
        'recover-pending': 'false',
        environment: 'production',
        'github-deployment': 'true',
        'environment-url': 'https://shop.example.com/',
        'production-environment': 'true',
        summary: 'failure',
        comment: 'always',
        'github-token': 'ghs_token123',
        'log-lines': '10000',
        'extra-args': '--labels\nteam=web\n--render-subchart-notes\n'
      },
      env
    )
    expect(errors).toEqual([])
    expect(inputs).toMatchObject({
      release: 'web-app-1',
      chart: 'demo',
      chartVersion: '^1.2.0',
      repoUrl: 'https://charts.example.com',
      namespace: 'prod-eu',
      createNamespace: true,
      valuesFiles: ['values/base.yaml', 'values/prod.yaml'],
      values: 'replicas: 2\nimage:\n  tag: v2',
      set: [
        { key: 'image.tag', value: 'v2' },
        { key: 'url', value: 'https://x/?a=b' },
        { key: 'empty', value: '' }
      ],
      setString: [{ key: 'build', value: '0123' }],
      setSecret: [
        { key: 'db.password', value: 'hunter2' },
        { key: 'api.key', value: ' k=v' }
      ],
      timeout: '1h2m3.5s',
      timeoutMs: 3_723_500,
      atomic: false,
      waitForJobs: true,
      mode: 'install',
      helmVersion: 'v3.17.1',
      helmMirror: 'https://mirror.example.com/helm',
      helmSha256: 'a'.repeat(64),
      kubectlVersion: 'v1.32.0',
      kubectlMirror: 'http://dl.example.com',
      kubeconfig: KUBECONFIG.trim(),
      kubeContext: 'ci',
      failFast: false,
      failFastRestarts: 5,
      failFastUnschedulableMs: 300_000,
      minReadyMs: 0,
      test: true,
      testTimeout: '90s',
      recoverPending: false,
      environment: 'production',
      githubDeployment: true,
      environmentUrl: 'https://shop.example.com/',
      productionEnvironment: true,
      summary: 'failure',
      comment: 'always',
      githubToken: 'ghs_token123',
      logLines: 10000,
      extraArgs: ['--labels', 'team=web', '--render-subchart-notes']
    })
  })

  it.each(['3.x', '4.x', 'latest', 'v4.1.4'])('accepts helm-version %s', version => {
    expect(parseInputs({ ...base, 'helm-version': version }, env).inputs?.helmVersion).toBe(version)
  })

  it('does not require a chart to uninstall', () => {
    const { inputs, errors } = parseInputs({ release: 'web', mode: 'uninstall' }, env)
    expect(errors).toEqual([])
    expect(inputs?.mode).toBe('uninstall')
  })

  it('treats empty values and an empty mapping as no inline values', () => {
    for (const values of ['', '# nothing here', '{}']) {
      expect(parseInputs({ ...base, values }, env).inputs?.values).toBe('')
    }
  })

  it('keeps the leading indentation of inline values', () => {
    const { inputs, errors } = parseInputs({ ...base, values: '  replicas: 2\n  image:\n    tag: v2\n' }, env)
    expect(errors).toEqual([])
    expect(inputs?.values).toBe('  replicas: 2\n  image:\n    tag: v2')
  })

  it('accepts a 53-character release and a 63-character namespace', () => {
    const { errors } = parseInputs({ ...base, release: 'a'.repeat(53), namespace: 'n'.repeat(63) }, env)
    expect(errors).toEqual([])
  })

  it('allows extra args that only look like controlled flags', () => {
    expect(
      errorsFor({ 'extra-args': '--waiting-room\n--history-maximum=3\n-l\nteam=web\n--labels=note=--atomic' })
    ).toEqual([])
  })
})

describe('parseInputs: every invalid input names itself', () => {
  it.each<[string, Record<string, string>, string]>([
    ['release missing', { release: '' }, 'release: is required'],
    [
      'release with uppercase and underscore',
      { release: 'My_App' },
      `release: "My_App" is not a valid release name (lowercase letters, digits and '-', at most 53 characters)`
    ],
    [
      'release too long',
      { release: 'a'.repeat(54) },
      `release: "${'a'.repeat(54)}" is not a valid release name (lowercase letters, digits and '-', at most 53 characters)`
    ],
    [
      'release ending in -',
      { release: 'web-' },
      `release: "web-" is not a valid release name (lowercase letters, digits and '-', at most 53 characters)`
    ],
    ['chart missing', { chart: '' }, 'chart: is required unless mode is uninstall'],
    ['chart path that does not exist', { chart: './charts/nope' }, 'chart: ./charts/nope does not exist'],
    [
      'absolute chart path that does not exist',
      { chart: '/srv/charts/nope' },
      'chart: /srv/charts/nope does not exist'
    ],
    [
      'namespace too long',
      { namespace: 'n'.repeat(64) },
      `namespace: "${'n'.repeat(64)}" is not a valid namespace (lowercase letters, digits and '-', at most 63 characters)`
    ],
    [
      'namespace with a dot',
      { namespace: 'team.prod' },
      `namespace: "team.prod" is not a valid namespace (lowercase letters, digits and '-', at most 63 characters)`
    ],
    [
      'create-namespace not boolean',
      { 'create-namespace': 'yes' },
      'create-namespace: "yes" is not a boolean (true or false)'
    ],
    ['atomic not boolean', { atomic: 'on' }, 'atomic: "on" is not a boolean (true or false)'],
    [
      'wait-for-jobs not boolean',
      { 'wait-for-jobs': '1' },
      'wait-for-jobs: "1" is not a boolean (true or false)'
    ],
    ['fail-fast not boolean', { 'fail-fast': 'tRUE' }, 'fail-fast: "tRUE" is not a boolean (true or false)'],
    [
      'recover-pending not boolean',
      { 'recover-pending': 'no' },
      'recover-pending: "no" is not a boolean (true or false)'
    ],
    [
      'values-files missing file',
      { 'values-files': 'values/base.yaml\nmissing.yaml' },
      'values-files: "missing.yaml" does not exist'
    ],
    ['values not YAML', { values: 'a: [1, 2' }, 'values: is not valid YAML: '],
    ['values a list', { values: '- a\n- b' }, 'values: is not a YAML mapping (key: value)'],
    ['values a scalar', { values: 'just text' }, 'values: is not a YAML mapping (key: value)'],
    ['set without =', { set: 'image.tag' }, 'set: "image.tag" is not key=value with a non-empty key'],
    ['set with empty key', { set: '=v' }, 'set: "=v" is not key=value with a non-empty key'],
    [
      'set-string without =',
      { 'set-string': 'a=1\nb' },
      'set-string: "b" is not key=value with a non-empty key'
    ],
    [
      'set-secret without = is not echoed',
      { 'set-secret': 'a=value1\n# skip\nhunter2' },
      'set-secret: line 3 is not key=value with a non-empty key'
    ],
    [
      'timeout without unit',
      { timeout: '300' },
      'timeout: "300" is not a Go duration such as 5m0s, 90s or 1h30m'
    ],
    ['timeout zero', { timeout: '0s' }, 'timeout: "0s" must be greater than zero'],
    ['timeout negative', { timeout: '-5m' }, 'timeout: "-5m" must be greater than zero'],
    [
      "timeout above Go's maximum",
      { timeout: '9999999h' },
      `timeout: "9999999h" is above Go's maximum duration (2562047h47m16.854775807s)`
    ],
    ['min-ready not a duration', { 'min-ready': '10' }, 'min-ready: "10" is not a Go duration'],
    ['min-ready negative', { 'min-ready': '-1s' }, 'min-ready: "-1s" must be zero or more'],
    ['test not a boolean', { test: 'yes' }, 'test: "yes" is not a boolean (true or false)'],
    ['test-timeout zero', { 'test-timeout': '0s' }, 'test-timeout: "0s" must be greater than zero'],
    [
      'github-deployment without an environment',
      { 'github-deployment': 'true' },
      'environment: is required when github-deployment is true (the GitHub environment to deploy to)'
    ],
    [
      'environment-url not a URL',
      { 'environment-url': 'pr-7.preview.example.com' },
      'environment-url: "pr-7.preview.example.com" is not an http(s) URL'
    ],
    [
      'production-environment not a boolean',
      { 'production-environment': 'prod' },
      'production-environment: "prod" is not a boolean (true or false)'
    ],
    [
      'fail-fast-unschedulable not a duration',
      { 'fail-fast-unschedulable': 'half a minute' },
      'fail-fast-unschedulable: "half a minute" is not a Go duration'
    ],
    [
      'set-secret too short to redact',
      { 'set-secret': 'db.pin=42' },
      'set-secret: the value of "db.pin" is too short to be redacted safely (at least 3 characters)'
    ],
    [
      'set-secret key with an unescaped comma',
      { 'set-secret': 'a,b=secret-value' },
      'set-secret: key "a,b" contains ","'
    ],
    [
      'set-secret multi-line value without its closing line',
      { 'set-secret': 'tls.key<<EOF\n-----BEGIN KEY-----\nabc' },
      'set-secret: the multi-line value of "tls.key" (line 1) has no closing line "EOF"'
    ],
    [
      'set-secret multi-line value written without the delimiter convention',
      { 'set-secret': 'tls.key=-----BEGIN KEY-----\nMIIabc' },
      'set-secret: line 2 is not key=value with a non-empty key (a value over several lines is written key<<EOF, the lines, EOF)'
    ],
    [
      'mode unknown',
      { mode: 'deploy' },
      'mode: "deploy" is not one of upgrade-install, install, upgrade, uninstall'
    ],
    [
      'helm-version v-less channel',
      { 'helm-version': 'v3.x' },
      'helm-version: "v3.x" is not vX.Y.Z or X.Y.Z, 3.x, 4.x, latest'
    ],
    [
      'helm-version prerelease',
      { 'helm-version': 'v4.0.0-rc.1' },
      'helm-version: "v4.0.0-rc.1" is not vX.Y.Z or X.Y.Z, 3.x, 4.x, latest'
    ],
    ['helm-version Helm 2', { 'helm-version': 'v2.17.0' }, 'helm-version: "v2.17.0" is not version 3 or 4'],
    [
      'helm-mirror not http',
      { 'helm-mirror': 'ftp://get.helm.sh' },
      'helm-mirror: "ftp://get.helm.sh" is not an http(s) URL'
    ],
    [
      'helm-mirror not a URL',
      { 'helm-mirror': 'get.helm.sh' },
      'helm-mirror: "get.helm.sh" is not an http(s) URL'
    ],
    [
      'helm-sha256 short',
      { 'helm-sha256': 'abc123' },
      'helm-sha256: "abc123" is not a sha256 (64 hexadecimal characters)'
    ],
    [
      'helm-sha256 not hex',
      { 'helm-sha256': 'g'.repeat(64) },
      `helm-sha256: "${'g'.repeat(64)}" is not a sha256 (64 hexadecimal characters)`
    ],
    [
      'kubectl-version bad',
      { 'kubectl-version': 'latest' },
      'kubectl-version: "latest" is not vX.Y.Z or X.Y.Z, auto'
    ],
    [
      'kubectl-mirror bad',
      { 'kubectl-mirror': 'file:///tmp' },
      'kubectl-mirror: "file:///tmp" is not an http(s) URL'
    ],
    [
      'kubeconfig a mapping without clusters',
      { kubeconfig: 'apiVersion: v1\nkind: Config\n' },
      'kubeconfig: is neither kubeconfig YAML (a mapping with clusters) nor base64 of it'
    ],
    [
      'kubeconfig base64 of something else',
      { kubeconfig: Buffer.from('hello: world\n').toString('base64') },
      'kubeconfig: is neither kubeconfig YAML (a mapping with clusters) nor base64 of it'
    ],
    ['summary bad', { summary: 'sometimes' }, 'summary: "sometimes" is not one of always, failure, never'],
    ['comment bad', { comment: 'success' }, 'comment: "success" is not one of failure, always, never'],
    [
      'fail-fast-restarts zero',
      { 'fail-fast-restarts': '0' },
      'fail-fast-restarts: "0" is not an integer of at least 1'
    ],
    [
      'fail-fast-restarts fraction',
      { 'fail-fast-restarts': '1.5' },
      'fail-fast-restarts: "1.5" is not an integer of at least 1'
    ],
    ['log-lines zero', { 'log-lines': '0' }, 'log-lines: "0" is not an integer from 1 to 10000'],
    ['log-lines too many', { 'log-lines': '10001' }, 'log-lines: "10001" is not an integer from 1 to 10000'],
    ['log-lines not a number', { 'log-lines': 'all' }, 'log-lines: "all" is not an integer from 1 to 10000']
  ])('%s', (_name, raw, message) => {
    const errors = errorsFor(raw)
    expect(errors).toHaveLength(1)
    expect(errors[0]?.startsWith(message)).toBe(true)
    expect(parseInputs({ ...base, ...raw }, env).inputs).toBeUndefined()
  })
})

describe('parseInputs: extra-args that would override or mislead', () => {
  it.each<[string, string]>([
    ['--atomic', '--atomic is not allowed here: use the atomic input'],
    ['--rollback-on-failure', '--rollback-on-failure is not allowed here: use the atomic input'],
    [
      '--wait=legacy',
      '--wait is not allowed here: the action always waits; use the wait-strategy, atomic and timeout inputs'
    ],
    ['--timeout=10m', '--timeout is not allowed here: use the timeout input'],
    ['--timeout 10m', '--timeout is not allowed here: use the timeout input'],
    ['-n', '-n is not allowed here: use the namespace input'],
    ['-nprod', '-n is not allowed here: use the namespace input'],
    ['--namespace=prod', '--namespace is not allowed here: use the namespace input'],
    ['--create-namespace', '--create-namespace is not allowed here: use the create-namespace input'],
    ['--kube-context=x', '--kube-context is not allowed here: use the kube-context input'],
    ['--kubeconfig=/k', '--kubeconfig is not allowed here: use the kubeconfig input'],
    ['--version=1.0.0', '--version is not allowed here: use the chart-version input'],
    ['--repo=https://x', '--repo is not allowed here: use the repo-url input'],
    ['-f', '-f is not allowed here: use the values-files or values input'],
    ['--values=x.yaml', '--values is not allowed here: use the values-files or values input'],
    ['--set', '--set is not allowed here: use the set, set-string or set-secret input'],
    [
      '--set-file=a=b',
      '--set-file is not allowed here: use the set-secret input (values arrive byte for byte) or values-files'
    ],
    ['--set-json', '--set-json is not allowed here: use the values input'],
    ['--wait-for-jobs', '--wait-for-jobs is not allowed here: use the wait-for-jobs input'],
    ['--install', '--install is not allowed here: use the mode input'],
    ['-i', '-i is not allowed here: use the mode input'],
    ['-ojson', "-o is not allowed here: the action reads helm's output itself"],
    ['--output=json', "--output is not allowed here: the action reads helm's output itself"],
    [
      '--dry-run',
      '--dry-run is not allowed here: a dry run changes nothing, so the action would report a deploy that never happened'
    ],
    [
      '--dry-run=server',
      '--dry-run is not allowed here: a dry run changes nothing, so the action would report a deploy that never happened'
    ],
    [
      '--debug',
      "--debug is not allowed here: the action runs helm with --debug itself when fail-fast needs it; enable step debug logging to see helm's debug lines"
    ],
    [
      '--help',
      '--help is not allowed here: helm would print its help and exit 0, which would read as a successful deploy'
    ],
    [
      '-h',
      '-h is not allowed here: helm would print its help and exit 0, which would read as a successful deploy'
    ]
  ])('%s', (arg, message) => {
    expect(errorsFor({ 'extra-args': arg })).toEqual([`extra-args: ${message}`])
  })

  it.each([
    '--kube-token=eyJhbGciOiJSUzI1NiJ9.secret-token',
    '--kube-apiserver=https://other.example.com',
    '--kube-as-user=admin',
    '--kube-as-group=system:masters',
    '--kube-ca-file=/tmp/ca.pem',
    '--kube-tls-server-name=other',
    '--kube-insecure-skip-tls-verify'
  ])('%s: refused, pointing at the kubeconfig input, without its value', arg => {
    const flag = arg.split('=')[0] ?? ''
    const [error] = errorsFor({ 'extra-args': arg })
    expect(error).toBe(
      `extra-args: ${flag} is not allowed here: use the kubeconfig input, so helm and the watcher act on the same cluster as the same identity`
    )
    if (arg.includes('=')) expect(error).not.toContain(arg.slice(arg.indexOf('=') + 1))
  })

  it('never echoes the value of a --set extra arg', () => {
    const [error] = errorsFor({ 'extra-args': '--set=password=hunter2' })
    expect(error).not.toContain('hunter2')
  })
})

describe('parseInputs: several problems at once', () => {
  it('lists every problem, in input order', () => {
    const { inputs, errors } = parseInputs(
      {
        release: 'Bad_Name',
        chart: '',
        atomic: 'maybe',
        timeout: 'soon',
        'log-lines': '0',
        'extra-args': '--atomic'
      },
      env
    )
    expect(inputs).toBeUndefined()
    expect(errors).toEqual([
      `release: "Bad_Name" is not a valid release name (lowercase letters, digits and '-', at most 53 characters)`,
      'chart: is required unless mode is uninstall',
      'timeout: "soon" is not a Go duration such as 5m0s, 90s or 1h30m',
      'atomic: "maybe" is not a boolean (true or false)',
      'log-lines: "0" is not an integer from 1 to 10000',
      'extra-args: --atomic is not allowed here: use the atomic input'
    ])
  })
})

describe('parseInputs: kubeconfig and secrets', () => {
  const credentials = [
    'tok-abcdef123456',
    'Y2VydGlmaWNhdGUtZGF0YQ==',
    'a2V5LWRhdGEtc2VjcmV0',
    'pa55w0rd-basic',
    'oidc-id-token-value',
    'oidc-refresh-token-value',
    'aws-secret-value-1'
  ]

  it('collects credentials as values and the raw kubeconfig as a document', () => {
    const { secrets } = parseInputs({ ...base, kubeconfig: KUBECONFIG }, env)
    expect(secrets.values).toEqual(expect.arrayContaining(credentials))
    expect(secrets.values).not.toContain('admin')
    expect(secrets.documents).toContain(KUBECONFIG.trim())
  })

  it('decodes base64 (also wrapped) and keeps the decoded YAML', () => {
    const encoded = Buffer.from(KUBECONFIG).toString('base64')
    const wrapped = encoded.replace(/(.{76})/g, '$1\n')
    for (const form of [encoded, wrapped]) {
      const { inputs, errors, secrets } = parseInputs({ ...base, kubeconfig: form }, env)
      expect(errors).toEqual([])
      expect(inputs?.kubeconfig).toBe(KUBECONFIG)
      expect(secrets.values).toEqual(expect.arrayContaining(credentials))
      expect(secrets.documents).toEqual(expect.arrayContaining([encoded, KUBECONFIG.trim()]))
    }
  })

  it('lists set-secret values and the github token, and nothing else', () => {
    const { secrets } = parseInputs(
      { ...base, set: 'public=visible', 'set-secret': 'a=hunter2\nb=p=q', 'github-token': 'ghs_abc' },
      env
    )
    expect(secrets).toEqual({ values: ['hunter2', 'p=q', 'ghs_abc'], documents: [] })
  })

  it('takes set-secret values byte for byte, and multi-line ones with the <<EOF convention', () => {
    const pem = '-----BEGIN KEY-----\nMIIEv+Qx/9\n  indented line \n-----END KEY-----'
    const { inputs, errors } = parseInputs(
      { ...base, 'set-secret': `a.b=  spaced, and a \\ back\\slash  \ntls.key<<PEM\n${pem}\nPEM\nc=null\n` },
      env
    )
    expect(errors).toEqual([])
    expect(inputs?.setSecret).toEqual([
      { key: 'a.b', value: '  spaced, and a \\ back\\slash  ' },
      { key: 'tls.key', value: pem },
      { key: 'c', value: 'null' }
    ])
  })

  it('returns the secrets even when other inputs are invalid', () => {
    const result = parseInputs(
      { ...base, release: '', 'set-secret': 'a=hunter2', kubeconfig: KUBECONFIG },
      env
    )
    expect(result.inputs).toBeUndefined()
    expect(result.secrets.values).toEqual(expect.arrayContaining(['hunter2', 'tok-abcdef123456']))
  })

  it('masks the raw kubeconfig input even when it is invalid', () => {
    const result = parseInputs({ ...base, kubeconfig: 'token: abc123' }, env)
    expect(result.secrets.documents).toEqual(['token: abc123'])
  })
})

describe('parseGoDuration', () => {
  it.each<[string, number | undefined]>([
    ['5m0s', 300_000],
    ['90s', 90_000],
    ['1h2m3.5s', 3_723_500],
    ['300ms', 300],
    ['1.5h', 5_400_000],
    ['.5s', 500],
    ['1m30s', 90_000],
    ['2h45m', 9_900_000],
    ['500us', 0.5],
    ['1000000ns', 1],
    ['-1m', -60_000],
    ['0', 0],
    ['300', undefined],
    ['', undefined],
    ['5 m', undefined],
    ['5d', undefined],
    ['m5', undefined],
    ['1h-2m', undefined],
    ['.s', undefined],
    ['2562047h', 9_223_369_200_000],
    ['2562048h', undefined]
  ])('%j → %s', (input, expected) => {
    expect(parseGoDuration(input)).toBe(expected)
  })
})

describe('readInputs', () => {
  beforeEach(() => {
    core.inputs = {}
    core.secrets = []
  })

  it('reads through @actions/core and registers every form of each secret with the masker', () => {
    core.inputs = {
      release: 'web',
      chart: 'oci://registry.example.com/charts/web',
      'set-secret': 'db.password=hunter2'
    }
    const read = readInputs()
    expect(read.inputs?.release).toBe('web')
    expect(core.secrets).toEqual(
      expect.arrayContaining(['hunter2', Buffer.from('hunter2').toString('base64')])
    )
  })

  it('masks secrets before it returns the problems, which are redacted', () => {
    core.inputs = { release: 'Bad', chart: '', 'set-secret': 'db.password=hunter2\nhunter2' }
    const read = readInputs()
    expect(read.inputs).toBeUndefined()
    expect(read.errors).toHaveLength(3)
    expect(core.secrets).toContain('hunter2')
    expect(read.errors.join('\n')).not.toContain('hunter2')
  })
})

describe('parseInputs: chart sources and helm controls', () => {
  it('reads them, passwords exactly as given less one trailing newline', () => {
    const { inputs, errors, secrets } = parseInputs(
      {
        ...base,
        chart: 'app',
        'repo-url': 'https://charts.example.com',
        'repo-username': 'reader',
        'repo-password': ' spaced pass \n',
        'registry-username': 'robot',
        'registry-password': 'r0bot-token',
        'wait-strategy': 'legacy',
        'history-max': '0',
        'server-side': 'true',
        'force-conflicts': 'true',
        description: 'from CI',
        'post-renderer': 'kustomize',
        'post-renderer-args': '--one\n--two'
      },
      env
    )
    expect(errors).toEqual([])
    expect(inputs).toMatchObject({
      repoPassword: ' spaced pass ',
      registryPassword: 'r0bot-token',
      waitStrategy: 'legacy',
      historyMax: 0,
      serverSide: 'true',
      forceConflicts: true,
      description: 'from CI',
      postRendererArgs: ['--one', '--two']
    })
    expect(secrets.values).toEqual(expect.arrayContaining([' spaced pass ', 'r0bot-token']))
  })

  it.each<[string, Record<string, string>, string[]]>([
    [
      'a username without its password',
      { 'repo-username': 'u' },
      ['repo-password: is required with repo-username']
    ],
    [
      'a password without its username',
      { 'registry-password': 'p4ss' },
      ['registry-username: is required with registry-password']
    ],
    [
      'a password too short to redact',
      { 'registry-username': 'u', 'registry-password': 'ab' },
      ['registry-password: is too short to be redacted safely (at least 3 characters)']
    ],
    [
      'a CA file that does not exist',
      { 'repo-ca-file': '/no/ca.pem' },
      ['repo-ca-file: "/no/ca.pem" does not exist']
    ],
    [
      'repo-url that is not http(s)',
      { chart: 'app', 'repo-url': 'oci://r.example.com' },
      ['repo-url: "oci://r.example.com" is not an http(s) URL']
    ],
    [
      'a path chart with repo-url',
      { 'repo-url': 'https://c.example.com' },
      [`chart: with repo-url, chart is the chart's name in that repository, not "./chart"`]
    ],
    [
      'wait-strategy not known',
      { 'wait-strategy': 'hookOnly' },
      ['wait-strategy: "hookOnly" is not one of watcher, legacy']
    ],
    ['history-max negative', { 'history-max': '-1' }, ['history-max: "-1" is not an integer of at least 0']],
    [
      'force-conflicts with server-side false',
      { 'force-conflicts': 'true', 'server-side': 'false' },
      ['force-conflicts: needs server-side apply (server-side auto or true, not false)']
    ],
    [
      'force-conflicts with --force-replace',
      { 'force-conflicts': 'true', 'extra-args': '--force-replace' },
      ['force-conflicts: cannot be used with --force-replace (helm refuses both)']
    ],
    [
      'cleanup-on-fail with mode install',
      { 'cleanup-on-fail': 'true', mode: 'install' },
      ['cleanup-on-fail: applies to upgrades; helm install has no --cleanup-on-fail']
    ],
    [
      'post-renderer-args alone',
      { 'post-renderer-args': '--x' },
      ['post-renderer-args: needs post-renderer']
    ],
    [
      'a post-renderer path that does not exist',
      { 'post-renderer': './no-such.sh' },
      ['post-renderer: "./no-such.sh" does not exist']
    ]
  ])('%s', (_name, raw, expected) => {
    expect(errorsFor(raw)).toEqual(expected)
  })

  it.each<[string, string]>([
    ['--history-max=3', 'use the history-max input'],
    ['--server-side=false', 'use the server-side input'],
    ['--force-conflicts', 'use the force-conflicts input'],
    ['--take-ownership', 'use the take-ownership input'],
    ['--skip-crds', 'use the skip-crds input'],
    ['--cleanup-on-fail', 'use the cleanup-on-fail input'],
    ['--description=x', 'use the description input'],
    ['--post-renderer=k', 'use the post-renderer input'],
    ['--post-renderer-args=a', 'use the post-renderer-args input'],
    ['--dependency-update', 'use the dependency-update input'],
    ['--username=u', 'use the repo-username or registry-username input'],
    [
      '--password=hunter2',
      'use the repo-password or registry-password input (a password on a command line is visible to every process)'
    ],
    ['--ca-file=/ca.pem', 'use the repo-ca-file or registry-ca-file input'],
    ['--pass-credentials', 'use the pass-credentials input'],
    ['--plain-http', 'use the plain-http input'],
    [
      '--registry-config=/r.json',
      "the action keeps helm's repository and registry configuration in the run's private work folder; use the repo-* and registry-* inputs"
    ]
  ])('extra-args %s is refused with a pointer to the input', (arg, instead) => {
    const flag = arg.split('=')[0] ?? ''
    const errors = errorsFor({ 'extra-args': arg })
    expect(errors).toEqual([`extra-args: ${flag} is not allowed here: ${instead}`])
    expect(errors[0]).not.toContain('hunter2')
  })
})
