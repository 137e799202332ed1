/** The action's inputs: one line per input (as in action.yml), then the checks that span inputs. Pure. */
import { extraArgProblem } from '../helm/flags.js'
import { parseKeyPath } from '../helm/secret-values.js'
import { MIN_SECRET_LENGTH, type SecretSet } from '../report/redact.js'
import { INPUT_NAMES, type InputName } from './defaults.js'
import type { KeyValue } from './key-values.js'
import { decodeKubeconfig } from './kubeconfig.js'
import { InputReader } from './reader.js'

export type DeployMode = 'upgrade-install' | 'install' | 'upgrade' | 'uninstall' | 'plan'
export type SummaryWhen = 'always' | 'failure' | 'never'
export type CommentWhen = 'failure' | 'always' | 'never' | 'changes'
export type WaitStrategy = 'watcher' | 'legacy'
export type ServerSide = 'auto' | 'true' | 'false'
export type { KeyValue }

export interface Inputs {
  release: string
  /** Empty only in uninstall mode. */
  chart: string
  chartVersion: string
  repoUrl: string
  /** Credentials of the chart repository; the password reaches helm on stdin only. */
  repoUsername: string
  repoPassword: string
  repoCaFile: string
  passCredentials: boolean
  /** Credentials of the OCI registry; the password reaches helm on stdin only. */
  registryUsername: string
  registryPassword: string
  registryCaFile: string
  plainHttp: boolean
  dependencyUpdate: boolean
  /** Empty means the kubeconfig context's namespace. */
  namespace: string
  createNamespace: boolean
  valuesFiles: string[]
  /** Inline values YAML as given; empty when the input is empty or an empty mapping. */
  values: string
  set: KeyValue[]
  setString: KeyValue[]
  /** Values exactly as given; they reach helm through a values file, never its command line. */
  setSecret: KeyValue[]
  /** Go duration exactly as given, passed to helm --timeout. */
  timeout: string
  timeoutMs: number
  atomic: boolean
  waitForJobs: boolean
  /** How long every new pod must stay Ready after helm's wait; 0 turns the check off. */
  minReadyMs: number
  /** Run `helm test` after a successful deploy; a failed test undoes the deploy when atomic. */
  test: boolean
  /** Go duration exactly as given, passed to helm test --timeout. */
  testTimeout: string
  /** Helm 4's --wait=<strategy>; Helm 3 always polls. */
  waitStrategy: WaitStrategy
  /** 0 keeps every revision. */
  historyMax: number
  serverSide: ServerSide
  forceConflicts: boolean
  takeOwnership: boolean
  skipCrds: boolean
  cleanupOnFail: boolean
  description: string
  postRenderer: string
  postRendererArgs: string[]
  mode: DeployMode
  /** `vX.Y.Z`, `3.x`, `4.x` or `latest`. */
  helmVersion: string
  helmMirror: string
  /** Lowercase hex; empty when not given. */
  helmSha256: string
  /** `auto` or `vX.Y.Z`. */
  kubectlVersion: string
  kubectlMirror: string
  /** Decoded kubeconfig YAML; empty means the runner's own. */
  kubeconfig: string
  kubeContext: string
  failFast: boolean
  failFastRestarts: number
  failFastUnschedulableMs: number
  recoverPending: boolean
  environment: string
  /** Report the deploy as a GitHub deployment of `environment` (created, or the `deployment` event's). */
  githubDeployment: boolean
  /** The deployment status's environment_url on success; empty for none. */
  environmentUrl: string
  productionEnvironment: boolean
  summary: SummaryWhen
  comment: CommentWhen
  githubToken: string
  logLines: number
  extraArgs: string[]
}

export interface ParseResult {
  inputs?: Inputs
  errors: string[]
  /** Known even when other inputs are invalid, so they are masked before any error is shown. */
  secrets: SecretSet
}

export interface InputEnvironment {
  fileExists(path: string): boolean
}

const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const SHA256 = /^[0-9a-fA-F]{64}$/

export function parseInputs(raw: Readonly<Record<string, string>>, env: InputEnvironment): ParseResult {
  const read = new InputReader(raw)
  const timeout = read.duration('timeout', { allowZero: false })
  const inputs: Inputs = {
    release: read.text('release'),
    chart: read.text('chart'),
    chartVersion: read.text('chart-version'),
    repoUrl: read.text('repo-url'),
    ...chartSourceInputs(read),
    namespace: read.text('namespace'),
    createNamespace: read.boolean('create-namespace'),
    valuesFiles: read.lines('values-files'),
    values: read.yamlMapping('values'),
    set: read.keyValues('set', { secret: false }),
    setString: read.keyValues('set-string', { secret: false }),
    setSecret: read.keyValues('set-secret', { secret: true }),
    timeout: timeout.text,
    timeoutMs: timeout.ms,
    atomic: read.boolean('atomic'),
    waitForJobs: read.boolean('wait-for-jobs'),
    minReadyMs: read.duration('min-ready', { allowZero: true }).ms,
    test: read.boolean('test'),
    testTimeout: read.duration('test-timeout', { allowZero: false }).text,
    ...helmControlInputs(read),
    mode: read.oneOf('mode', ['upgrade-install', 'install', 'upgrade', 'uninstall', 'plan']),
    helmVersion: read.version('helm-version', { channels: ['3.x', '4.x', 'latest'], majors: ['3', '4'] }),
    helmMirror: read.url('helm-mirror'),
    helmSha256: read.text('helm-sha256').toLowerCase(),
    kubectlVersion: read.version('kubectl-version', { channels: ['auto'] }),
    kubectlMirror: read.url('kubectl-mirror'),
    kubeconfig: '',
    kubeContext: read.text('kube-context'),
    failFast: read.boolean('fail-fast'),
    failFastRestarts: read.integer('fail-fast-restarts', 1),
    failFastUnschedulableMs: read.duration('fail-fast-unschedulable', { allowZero: true }).ms,
    recoverPending: read.boolean('recover-pending'),
    environment: read.text('environment'),
    githubDeployment: read.boolean('github-deployment'),
    environmentUrl: read.text('environment-url'),
    productionEnvironment: read.boolean('production-environment'),
    summary: read.oneOf('summary', ['always', 'failure', 'never']),
    comment: read.oneOf('comment', ['failure', 'always', 'never', 'changes']),
    githubToken: read.text('github-token'),
    logLines: read.integer('log-lines', 1, 10_000),
    extraArgs: read.lines('extra-args')
  }
  const secrets = checkSecrets(read, inputs)
  checkAcrossInputs(read, inputs, env)
  checkChartSources(read, inputs, env)
  checkHelmControls(read, inputs, env)
  const errors = read.errors()
  return errors.length > 0 ? { errors, secrets } : { inputs, errors, secrets }
}

type ChartSourceInputs = Pick<
  Inputs,
  | 'repoUsername'
  | 'repoPassword'
  | 'repoCaFile'
  | 'passCredentials'
  | 'registryUsername'
  | 'registryPassword'
  | 'registryCaFile'
  | 'plainHttp'
  | 'dependencyUpdate'
>

/** Private repositories and registries, and chart dependencies. */
function chartSourceInputs(read: InputReader): ChartSourceInputs {
  return {
    repoUsername: read.text('repo-username'),
    repoPassword: password(read, 'repo-password'),
    repoCaFile: read.text('repo-ca-file'),
    passCredentials: read.boolean('pass-credentials'),
    registryUsername: read.text('registry-username'),
    registryPassword: password(read, 'registry-password'),
    registryCaFile: read.text('registry-ca-file'),
    plainHttp: read.boolean('plain-http'),
    dependencyUpdate: read.boolean('dependency-update')
  }
}

type HelmControlInputs = Pick<
  Inputs,
  | 'waitStrategy'
  | 'historyMax'
  | 'serverSide'
  | 'forceConflicts'
  | 'takeOwnership'
  | 'skipCrds'
  | 'cleanupOnFail'
  | 'description'
  | 'postRenderer'
  | 'postRendererArgs'
>

/** helm's own controls; which major supports each is checked once helm is installed (helm/support.ts). */
function helmControlInputs(read: InputReader): HelmControlInputs {
  return {
    waitStrategy: read.oneOf('wait-strategy', ['watcher', 'legacy']),
    historyMax: read.integer('history-max', 0),
    serverSide: read.oneOf('server-side', ['auto', 'true', 'false']),
    forceConflicts: read.boolean('force-conflicts'),
    takeOwnership: read.boolean('take-ownership'),
    skipCrds: read.boolean('skip-crds'),
    cleanupOnFail: read.boolean('cleanup-on-fail'),
    description: read.text('description'),
    postRenderer: read.text('post-renderer'),
    postRendererArgs: read.lines('post-renderer-args')
  }
}

/** A password exactly as given, less one trailing newline (a YAML block's); blank means none. */
function password(read: InputReader, name: InputName): string {
  const value = read.verbatim(name).replace(/\r?\n$/, '')
  return value.trim() === '' ? '' : value
}

/** The run's secrets, and the kubeconfig decoded; secrets too short to redact are refused. */
function checkSecrets(read: InputReader, inputs: Inputs): SecretSet {
  const values: string[] = []
  const documents: string[] = []
  for (const { key, value } of inputs.setSecret) {
    const path = parseKeyPath(key)
    if ('problem' in path) read.problem('set-secret', path.problem)
    if (value === '') continue
    values.push(value)
    if (value.length < MIN_SECRET_LENGTH) {
      read.problem(
        'set-secret',
        `the value of "${key}" is too short to be redacted safely (at least ${MIN_SECRET_LENGTH} characters)`
      )
    }
  }
  if (inputs.githubToken !== '') values.push(inputs.githubToken)
  for (const name of ['repo-password', 'registry-password'] as const) {
    const value = name === 'repo-password' ? inputs.repoPassword : inputs.registryPassword
    if (value === '') continue
    values.push(value)
    if (value.length < MIN_SECRET_LENGTH)
      read.problem(name, `is too short to be redacted safely (at least ${MIN_SECRET_LENGTH} characters)`)
  }
  // The raw kubeconfig input is secret whatever shape it turns out to have.
  const kubeconfig = decodeKubeconfig(read.block('kubeconfig'))
  if (!kubeconfig) {
    documents.push(read.block('kubeconfig'))
    read.problem('kubeconfig', 'is neither kubeconfig YAML (a mapping with clusters) nor base64 of it')
  } else {
    inputs.kubeconfig = kubeconfig.yaml
    documents.push(...kubeconfig.documents)
    values.push(...kubeconfig.credentials)
  }
  return { values, documents }
}

function checkAcrossInputs(read: InputReader, inputs: Inputs, env: InputEnvironment): void {
  const problem = (name: InputName, message: string): void => read.problem(name, message)
  if (inputs.release === '') problem('release', 'is required')
  else if (inputs.release.length > 53 || !RELEASE_NAME.test(inputs.release)) {
    problem(
      'release',
      `"${inputs.release}" is not a valid release name (lowercase letters, digits and '-', at most 53 characters)`
    )
  }
  if (inputs.mode !== 'uninstall') {
    if (inputs.chart === '') problem('chart', 'is required unless mode is uninstall')
    // A path-like chart must exist; names (repo/chart with repo-url, oci://...) are helm's to resolve.
    else if (/^(\.{1,2}\/|\/)/.test(inputs.chart) && !env.fileExists(inputs.chart)) {
      problem('chart', `${inputs.chart} does not exist`)
    }
  }
  if (inputs.namespace !== '' && (inputs.namespace.length > 63 || !RELEASE_NAME.test(inputs.namespace))) {
    problem(
      'namespace',
      `"${inputs.namespace}" is not a valid namespace (lowercase letters, digits and '-', at most 63 characters)`
    )
  }
  for (const file of inputs.valuesFiles) {
    if (!env.fileExists(file)) problem('values-files', `"${file}" does not exist`)
  }
  if (inputs.helmSha256 !== '' && !SHA256.test(inputs.helmSha256)) {
    problem('helm-sha256', `"${inputs.helmSha256}" is not a sha256 (64 hexadecimal characters)`)
  }
  if (inputs.githubDeployment && inputs.environment === '') {
    problem('environment', 'is required when github-deployment is true (the GitHub environment to deploy to)')
  }
  if (inputs.environmentUrl !== '' && !/^https?:\/\/\S+$/.test(inputs.environmentUrl)) {
    problem('environment-url', `"${inputs.environmentUrl}" is not an http(s) URL`)
  }
  for (const arg of inputs.extraArgs) {
    const refused = extraArgProblem(arg)
    if (refused) problem('extra-args', refused)
  }
}

/** Credentials come in pairs, files must exist, and with repo-url the chart is a name in that repository. */
function checkChartSources(read: InputReader, inputs: Inputs, env: InputEnvironment): void {
  const pairs: [InputName, string, InputName, string][] = [
    ['repo-username', inputs.repoUsername, 'repo-password', inputs.repoPassword],
    ['registry-username', inputs.registryUsername, 'registry-password', inputs.registryPassword]
  ]
  for (const [userName, user, passwordName, secret] of pairs) {
    if (user !== '' && secret === '') read.problem(passwordName, `is required with ${userName}`)
    if (user === '' && secret !== '') read.problem(userName, `is required with ${passwordName}`)
  }
  for (const [name, file] of [
    ['repo-ca-file', inputs.repoCaFile],
    ['registry-ca-file', inputs.registryCaFile]
  ] as const) {
    if (file !== '' && !env.fileExists(file)) read.problem(name, `"${file}" does not exist`)
  }
  if (inputs.repoUrl === '') return
  if (!/^https?:\/\/[^/]/.test(inputs.repoUrl)) {
    read.problem('repo-url', `"${inputs.repoUrl}" is not an http(s) URL`)
  } else if (inputs.mode !== 'uninstall' && /[/\\]|^oci:|\.tgz$/.test(inputs.chart)) {
    read.problem(
      'chart',
      `with repo-url, chart is the chart's name in that repository, not "${inputs.chart}"`
    )
  }
}

/** helm's controls that need another input, or exclude one; which major supports each is checked later. */
function checkHelmControls(read: InputReader, inputs: Inputs, env: InputEnvironment): void {
  if (inputs.forceConflicts && inputs.serverSide === 'false') {
    read.problem('force-conflicts', 'needs server-side apply (server-side auto or true, not false)')
  }
  const replace = inputs.extraArgs.find(arg => /^--force(-replace)?(=|$)/.test(arg))
  if (inputs.forceConflicts && replace !== undefined) {
    read.problem('force-conflicts', `cannot be used with ${replace.split('=')[0] ?? ''} (helm refuses both)`)
  }
  if (inputs.cleanupOnFail && inputs.mode === 'install') {
    read.problem('cleanup-on-fail', 'applies to upgrades; helm install has no --cleanup-on-fail')
  }
  if (inputs.postRendererArgs.length > 0 && inputs.postRenderer === '') {
    read.problem('post-renderer-args', 'needs post-renderer')
  }
  if (/[/\\]/.test(inputs.postRenderer) && !env.fileExists(inputs.postRenderer)) {
    read.problem('post-renderer', `"${inputs.postRenderer}" does not exist`)
  }
}

export { INPUT_NAMES }
