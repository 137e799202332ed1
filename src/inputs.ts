import * as core from '@actions/core'
import { existsSync } from 'node:fs'
import { parse as parseYaml, parseDocument } from 'yaml'

export type DeployMode = 'upgrade-install' | 'install' | 'upgrade' | 'uninstall'
export type SummaryWhen = 'always' | 'failure' | 'never'
export type CommentWhen = 'failure' | 'always' | 'never'

export interface KeyValue {
  key: string
  value: string
}

export interface Inputs {
  release: string
  /** Empty only in uninstall mode. */
  chart: string
  chartVersion: string
  repoUrl: string
  /** Empty means the kubeconfig context's namespace. */
  namespace: string
  createNamespace: boolean
  valuesFiles: string[]
  /** Inline values YAML as given; empty when the input is empty or an empty mapping. */
  values: string
  set: KeyValue[]
  setString: KeyValue[]
  setSecret: KeyValue[]
  /** Go duration exactly as given, passed to helm --timeout. */
  timeout: string
  timeoutMs: number
  atomic: boolean
  waitForJobs: boolean
  mode: DeployMode
  /** `vX.Y.Z` (a missing `v` is added), `3.x`, `4.x` or `latest`. */
  helmVersion: string
  /** Without trailing slashes. */
  helmMirror: string
  /** Lowercase hex; empty when not given. */
  helmSha256: string
  /** `auto` or `vX.Y.Z`. */
  kubectlVersion: string
  kubectlMirror: string
  /** Decoded kubeconfig YAML; empty means use the runner's own. */
  kubeconfig: string
  kubeContext: string
  failFast: boolean
  failFastRestarts: number
  recoverPending: boolean
  environment: string
  summary: SummaryWhen
  comment: CommentWhen
  githubToken: string
  logLines: number
  extraArgs: string[]
  /** Strings to mask in logs and redact from reports. */
  secrets: string[]
}

export interface ParseResult {
  inputs?: Inputs
  errors: string[]
  /** Known even when other inputs are invalid, so they can be masked before errors are shown. */
  secrets: string[]
}

export interface InputEnvironment {
  fileExists(path: string): boolean
}

export class InputError extends Error {
  readonly problems: string[]

  constructor(problems: string[]) {
    super(`Invalid inputs:\n${problems.join('\n')}`)
    this.name = 'InputError'
    this.problems = problems
  }
}

/** Mirrors action.yml; an empty input falls back to these, like an omitted one. */
export const INPUT_DEFAULTS = {
  release: '',
  chart: '',
  'chart-version': '',
  'repo-url': '',
  namespace: '',
  'create-namespace': 'false',
  'values-files': '',
  values: '',
  set: '',
  'set-string': '',
  'set-secret': '',
  timeout: '5m0s',
  atomic: 'true',
  'wait-for-jobs': 'false',
  mode: 'upgrade-install',
  'helm-version': 'v4.1.4',
  'helm-mirror': 'https://get.helm.sh',
  'helm-sha256': '',
  'kubectl-version': 'auto',
  'kubectl-mirror': 'https://dl.k8s.io',
  kubeconfig: '',
  'kube-context': '',
  'fail-fast': 'true',
  'fail-fast-restarts': '2',
  'recover-pending': 'true',
  environment: '',
  summary: 'always',
  comment: 'failure',
  'github-token': '',
  'log-lines': '50',
  'extra-args': ''
} as const satisfies Record<string, string>

export type InputName = keyof typeof INPUT_DEFAULTS

export const INPUT_NAMES = Object.keys(INPUT_DEFAULTS) as InputName[]

const MODES: readonly DeployMode[] = ['upgrade-install', 'install', 'upgrade', 'uninstall']
const SUMMARY_WHEN: readonly SummaryWhen[] = ['always', 'failure', 'never']
const COMMENT_WHEN: readonly CommentWhen[] = ['failure', 'always', 'never']

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)$/
const SHA256 = /^[0-9a-fA-F]{64}$/
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/

/** Reads every input through @actions/core, masks secrets, and throws InputError listing all problems. */
export function readInputs(): Inputs {
  const raw: Record<string, string> = {}
  for (const name of INPUT_NAMES) {
    raw[name] = core.getInput(name, { trimWhitespace: false })
  }
  const result = parseInputs(raw, { fileExists: path => existsSync(path) })
  // Masked before the errors are thrown, since the caller logs them.
  for (const secret of result.secrets) core.setSecret(secret)
  if (result.errors.length > 0 || !result.inputs) throw new InputError(result.errors)
  return result.inputs
}

export function parseInputs(raw: Record<string, string>, env: InputEnvironment): ParseResult {
  const problems = new Map<InputName, string[]>(INPUT_NAMES.map(name => [name, []]))
  // Helpers append to the list of the input they check; the lists are joined in action.yml order.
  const at = (name: InputName): string[] => problems.get(name) ?? []
  const secrets = new Set<string>()
  const text = (name: InputName): string => {
    const value = (raw[name] ?? '').trim()
    return value === '' ? INPUT_DEFAULTS[name] : value
  }
  // YAML inputs keep their leading indentation, which trimming would break.
  const block = (name: 'values' | 'kubeconfig'): string => (raw[name] ?? '').replace(/\s+$/, '')

  const release = text('release')
  if (release === '') at('release').push('release: is required')
  else if (release.length > 53 || !RELEASE_NAME.test(release)) {
    at('release').push(
      `release: "${release}" is not a valid release name (lowercase letters, digits and '-', at most 53 characters)`
    )
  }

  const mode = oneOf(text('mode'), MODES, 'mode', at('mode'))

  const chart = text('chart')
  if (chart === '' && mode !== 'uninstall') at('chart').push('chart: is required unless mode is uninstall')
  // A path-like chart must exist; names (repo/chart with repo-url, oci://...) are helm's to resolve.
  if (mode !== 'uninstall' && /^(\.{1,2}\/|\/)/.test(chart) && !env.fileExists(chart)) {
    at('chart').push(`chart: ${chart} does not exist`)
  }

  const namespace = text('namespace')
  if (namespace !== '' && (namespace.length > 63 || !NAMESPACE_NAME.test(namespace))) {
    at('namespace').push(
      `namespace: "${namespace}" is not a valid namespace (lowercase letters, digits and '-', at most 63 characters)`
    )
  }

  const valuesFiles = lines(text('values-files'))
  for (const file of valuesFiles) {
    if (!env.fileExists(file)) at('values-files').push(`values-files: "${file}" does not exist`)
  }

  const values = parseInlineValues(block('values'), at('values'))

  const set = keyValues(text('set'), 'set', at('set'), false)
  const setString = keyValues(text('set-string'), 'set-string', at('set-string'), false)
  const setSecret = keyValues(text('set-secret'), 'set-secret', at('set-secret'), true)
  for (const { value } of setSecret) if (value !== '') secrets.add(value)

  const timeout = text('timeout')
  const timeoutMs = parseGoDuration(timeout)
  if (timeoutMs === undefined) {
    at('timeout').push(`timeout: "${timeout}" is not a Go duration such as 5m0s, 90s or 1h30m`)
  } else if (timeoutMs <= 0) {
    at('timeout').push(`timeout: "${timeout}" must be greater than zero`)
  }

  const helmVersion = parseHelmVersion(text('helm-version'), at('helm-version'))
  const helmMirror = mirrorUrl(text('helm-mirror'), 'helm-mirror', at('helm-mirror'))
  const helmSha256 = text('helm-sha256')
  if (helmSha256 !== '' && !SHA256.test(helmSha256)) {
    at('helm-sha256').push(`helm-sha256: "${helmSha256}" is not a sha256 (64 hexadecimal characters)`)
  }

  let kubectlVersion = text('kubectl-version')
  if (kubectlVersion !== 'auto') {
    if (SEMVER.test(kubectlVersion)) kubectlVersion = withV(kubectlVersion)
    else
      at('kubectl-version').push(
        `kubectl-version: "${kubectlVersion}" is not auto or a version such as v1.32.0`
      )
  }
  const kubectlMirror = mirrorUrl(text('kubectl-mirror'), 'kubectl-mirror', at('kubectl-mirror'))

  const kubeconfig = parseKubeconfig(block('kubeconfig'), at('kubeconfig'), secrets)

  const githubToken = text('github-token')
  if (githubToken !== '') secrets.add(githubToken)

  const extraArgs = lines(text('extra-args'))
  for (const arg of extraArgs) {
    const problem = controlledFlagProblem(arg)
    if (problem) at('extra-args').push(`extra-args: ${problem}`)
  }

  const inputs: Inputs = {
    release,
    chart,
    chartVersion: text('chart-version'),
    repoUrl: text('repo-url'),
    namespace,
    createNamespace: boolean(text('create-namespace'), 'create-namespace', at('create-namespace')),
    valuesFiles,
    values,
    set,
    setString,
    setSecret,
    timeout,
    timeoutMs: timeoutMs ?? 0,
    atomic: boolean(text('atomic'), 'atomic', at('atomic')),
    waitForJobs: boolean(text('wait-for-jobs'), 'wait-for-jobs', at('wait-for-jobs')),
    mode: mode ?? 'upgrade-install',
    helmVersion,
    helmMirror,
    helmSha256: helmSha256.toLowerCase(),
    kubectlVersion,
    kubectlMirror,
    kubeconfig,
    kubeContext: text('kube-context'),
    failFast: boolean(text('fail-fast'), 'fail-fast', at('fail-fast')),
    failFastRestarts: integer(
      text('fail-fast-restarts'),
      'fail-fast-restarts',
      1,
      undefined,
      at('fail-fast-restarts')
    ),
    recoverPending: boolean(text('recover-pending'), 'recover-pending', at('recover-pending')),
    environment: text('environment'),
    summary: oneOf(text('summary'), SUMMARY_WHEN, 'summary', at('summary')) ?? 'always',
    comment: oneOf(text('comment'), COMMENT_WHEN, 'comment', at('comment')) ?? 'failure',
    githubToken,
    logLines: integer(text('log-lines'), 'log-lines', 1, 10000, at('log-lines')),
    extraArgs,
    secrets: [...secrets]
  }
  const errors = INPUT_NAMES.flatMap(name => at(name))
  return errors.length > 0 ? { errors, secrets: inputs.secrets } : { inputs, errors, secrets: inputs.secrets }
}

const DURATION_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
}
const DURATION = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g

/** Go time.ParseDuration syntax, in milliseconds; undefined when it is not one. */
export function parseGoDuration(s: string): number | undefined {
  if (s === '0' || s === '+0' || s === '-0') return 0
  if (!DURATION.test(s)) return undefined
  let total = 0
  for (const [, amount, unit] of s.matchAll(DURATION_PART)) {
    total += Number(amount) * (DURATION_UNIT_MS[unit ?? ''] ?? Number.NaN)
  }
  if (!Number.isFinite(total)) return undefined
  return s.startsWith('-') ? -total : total
}

function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '' && !line.startsWith('#'))
}

function boolean(value: string, name: InputName, errors: string[]): boolean {
  // YAML 1.2 core schema, as core.getBooleanInput accepts.
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  errors.push(`${name}: "${value}" is not a boolean (true or false)`)
  return false
}

function integer(
  value: string,
  name: InputName,
  min: number,
  max: number | undefined,
  errors: string[]
): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || (max !== undefined && n > max)) {
    const range = max === undefined ? `at least ${min}` : `from ${min} to ${max}`
    errors.push(`${name}: "${value}" is not an integer ${range}`)
    return min
  }
  return n
}

function oneOf<T extends string>(
  value: string,
  allowed: readonly T[],
  name: InputName,
  errors: string[]
): T | undefined {
  const match = allowed.find(option => option === value)
  if (match === undefined) errors.push(`${name}: "${value}" is not one of ${allowed.join(', ')}`)
  return match
}

function keyValues(value: string, name: InputName, errors: string[], secret: boolean): KeyValue[] {
  const pairs: KeyValue[] = []
  lines(value).forEach((line, index) => {
    const eq = line.indexOf('=')
    const key = eq < 0 ? '' : line.slice(0, eq).trim()
    if (key === '') {
      // A secret line is never echoed: it may be the secret itself.
      const shown = secret ? `line ${index + 1}` : `"${line}"`
      errors.push(`${name}: ${shown} is not key=value with a non-empty key`)
      return
    }
    pairs.push({ key, value: line.slice(eq + 1) })
  })
  return pairs
}

function parseInlineValues(value: string, errors: string[]): string {
  if (value === '') return ''
  const doc = parseDocument(value)
  if (doc.errors.length > 0) {
    errors.push(`values: is not valid YAML: ${doc.errors[0]?.message.split('\n')[0] ?? ''}`)
    return ''
  }
  const parsed: unknown = doc.toJS()
  if (parsed === null || parsed === undefined) return ''
  if (!isMapping(parsed)) {
    errors.push('values: is not a YAML mapping (key: value)')
    return ''
  }
  return Object.keys(parsed).length === 0 ? '' : value
}

function parseHelmVersion(value: string, errors: string[]): string {
  if (['3.x', '4.x', 'latest'].includes(value)) return value
  const match = SEMVER.exec(value)
  if (!match) {
    errors.push(`helm-version: "${value}" is not vX.Y.Z, X.Y.Z, 3.x, 4.x or latest`)
    return value
  }
  if (match[1] !== '3' && match[1] !== '4') {
    errors.push(`helm-version: "${value}" is not Helm 3 or 4`)
  }
  return withV(value)
}

function withV(version: string): string {
  return version.startsWith('v') ? version : `v${version}`
}

function mirrorUrl(value: string, name: InputName, errors: string[]): string {
  let url: URL | undefined
  try {
    url = new URL(value)
  } catch {
    url = undefined
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    errors.push(`${name}: "${value}" is not an http(s) URL`)
    return value
  }
  return value.replace(/\/+$/, '')
}

function parseKubeconfig(value: string, errors: string[], secrets: Set<string>): string {
  if (value === '') return ''
  // The raw input is a secret whatever shape it turns out to have.
  secrets.add(value)
  let yamlText = value
  let config = asKubeconfig(value)
  const compact = value.replace(/\s+/g, '')
  if (!config && BASE64.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('utf8')
    config = asKubeconfig(decoded)
    if (config) {
      yamlText = decoded
      secrets.add(compact)
      for (const line of value.split(/\s+/)) if (line.length >= 16) secrets.add(line)
    }
  }
  if (!config) {
    errors.push('kubeconfig: is neither kubeconfig YAML (a mapping with clusters) nor base64 of it')
    return ''
  }
  secrets.add(yamlText.trim())
  secrets.add(Buffer.from(yamlText, 'utf8').toString('base64'))
  for (const credential of kubeconfigCredentials(config)) secrets.add(credential)
  return yamlText
}

function asKubeconfig(text: string): Record<string, unknown> | undefined {
  let parsed: unknown
  try {
    parsed = parseYaml(text)
  } catch {
    return undefined
  }
  return isMapping(parsed) && 'clusters' in parsed ? parsed : undefined
}

const CREDENTIAL_FIELDS = ['token', 'client-key-data', 'client-certificate-data', 'password']

function kubeconfigCredentials(config: Record<string, unknown>): string[] {
  const found: string[] = []
  const users = Array.isArray(config.users) ? (config.users as unknown[]) : []
  for (const entry of users) {
    const user = isMapping(entry) && isMapping(entry.user) ? entry.user : undefined
    if (!user) continue
    for (const field of CREDENTIAL_FIELDS) pushString(found, user[field])
    const authProvider = user['auth-provider']
    if (isMapping(authProvider) && isMapping(authProvider.config)) {
      for (const v of Object.values(authProvider.config)) pushString(found, v)
    }
    const exec = user.exec
    if (isMapping(exec) && Array.isArray(exec.env)) {
      for (const variable of exec.env as unknown[]) if (isMapping(variable)) pushString(found, variable.value)
    }
  }
  return found
}

function pushString(target: string[], value: unknown): void {
  if (typeof value === 'string' && value !== '') target.push(value)
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Flags the action sets itself, and the input that controls each. */
const CONTROLLED_LONG_FLAGS: Record<string, string> = {
  atomic: 'atomic',
  'rollback-on-failure': 'atomic',
  wait: 'atomic',
  timeout: 'timeout',
  namespace: 'namespace',
  'create-namespace': 'create-namespace',
  'kube-context': 'kube-context',
  kubeconfig: 'kubeconfig',
  version: 'chart-version',
  repo: 'repo-url',
  values: 'values-files or values',
  'wait-for-jobs': 'wait-for-jobs',
  install: 'mode',
  output: ''
}
const CONTROLLED_SHORT_FLAGS: Record<string, string> = {
  n: 'namespace',
  f: 'values-files or values',
  i: 'mode',
  o: ''
}
/** Shorthands that take a value: the rest of a `-xyz` group is that value, not more flags. */
const VALUE_SHORT_FLAGS = new Set(['n', 'f', 'o', 'l'])

function controlledFlagProblem(arg: string): string | undefined {
  let flag: string | undefined
  let input: string | undefined
  if (arg.startsWith('--')) {
    const name = arg.slice(2).split(/[=\s]/, 1)[0] ?? ''
    flag = `--${name}`
    input = name.startsWith('set') ? 'set, set-string or set-secret' : CONTROLLED_LONG_FLAGS[name]
  } else if (arg.startsWith('-') && arg.length > 1) {
    for (const letter of arg.slice(1)) {
      if (letter in CONTROLLED_SHORT_FLAGS) {
        flag = `-${letter}`
        input = CONTROLLED_SHORT_FLAGS[letter]
        break
      }
      if (VALUE_SHORT_FLAGS.has(letter) || !/[a-z]/i.test(letter)) break
    }
  }
  if (input === undefined || flag === undefined) return undefined
  const instead = input === '' ? 'the action reads helm output itself' : `use the ${input} input`
  return `${flag} overrides a flag this action sets; ${instead}`
}
