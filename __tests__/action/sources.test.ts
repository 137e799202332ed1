/**
 * Issue "private chart sources": the bundled action against a real OCI registry (Debian's docker-registry, with
 * htpasswd auth and TLS) and a chart repository with basic auth, both on loopback, on both majors. Passwords go
 * to helm on stdin only, appear in no output, and nothing of them is left in the runner's home or temp dir.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { secretForms } from '../../src/report/redact.js'
import {
  packageChart,
  startChartRepository,
  startRegistry,
  type TestChartRepository,
  type TestRegistry
} from '../support/chart-sources.js'
import { APP_CHART, useDeployHarness, type DeployRun, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()

const REPO_CREDENTIALS = { username: 'charts-reader', password: 'Repo-Pa55word;with spaces' }
const REGISTRY_CREDENTIALS = { username: 'oci-reader', password: 'Reg1stry-Secret=42' }

let repository: TestChartRepository
let registry: TestRegistry
let plainRegistry: TestRegistry

beforeAll(async () => {
  ;[repository, registry, plainRegistry] = await Promise.all([
    startChartRepository({ credentials: REPO_CREDENTIALS }),
    startRegistry({ credentials: REGISTRY_CREDENTIALS, tls: true }),
    startRegistry({ credentials: REGISTRY_CREDENTIALS, tls: false })
  ])
  await repository.publish(APP_CHART)
  const work = await mkdtemp(join(tmpdir(), 'had-push-'))
  try {
    const tgz = await packageChart(APP_CHART, work)
    await Promise.all([registry.push(tgz, 'charts'), plainRegistry.push(tgz, 'charts')])
  } finally {
    await rm(work, { recursive: true, force: true })
  }
})

afterAll(async () => {
  await Promise.all([repository?.stop(), registry?.stop(), plainRegistry?.stop()])
})

/** Every `$ helm ...` line the action logged: the argv it ran, as the wrapper records it. */
function helmCommandLines(run: DeployRun): string[] {
  return run.stdout.split('\n').filter(line => line.startsWith('$ helm '))
}

/** No secret on any helm command line: a secret there would show redacted, as `***`. */
function expectNoSecretOnCommandLines(run: DeployRun, password: string): void {
  for (const line of helmCommandLines(run)) {
    expect(line).not.toContain('***')
    expect(line).not.toMatch(/--password(?!-stdin)/)
    for (const form of secretForms(password)) expect(line).not.toContain(form)
  }
}

function expectInNoOutput(run: DeployRun, password: string): void {
  const stdout = run.stdout
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
  const texts: [string, string][] = [
    ['stdout', stdout],
    ['stderr', run.stderr],
    ['summary', run.summary],
    ['outputs', JSON.stringify(run.outputs)],
    ['report', JSON.stringify(run.report ?? {})]
  ]
  for (const form of secretForms(password)) {
    for (const [where, text] of texts)
      expect(text.includes(form), `a form of the password in ${where}`).toBe(false)
  }
}

/** Requests for the release's namespace: none means the run never reached the cluster for it. */
function clusterRequestsFor(namespace: string): string[] {
  return [...harness().cluster.requestLog]
    .map(r => r.path)
    .filter(path => path.includes(`/namespaces/${namespace}/`))
}

/** Every file under `dir` whose content holds a form of `secret`. */
async function filesHolding(dir: string, secret: string): Promise<string[]> {
  const found: string[] = []
  const forms = secretForms(secret)
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    const text = await readFile(path, 'latin1').catch(() => '')
    if (forms.some(form => text.includes(form))) found.push(path)
  }
  return found
}

/** The inputs that reach a registry: plain HTTP, or TLS verified with the registry's own CA. */
function registryInputs(target: TestRegistry): Record<string, string> {
  return target.caFile ? { 'registry-ca-file': target.caFile } : { 'plain-http': 'true' }
}

/**
 * Helm 3 pulls from every 127.0.0.0/8 registry over plain HTTP whatever its flags (its registry client keeps
 * Docker's default insecure range), so on loopback only Helm 4 can pull over TLS; Helm 3 pulls over plain-http.
 */
describe.each<[HelmVersion, string, () => TestRegistry]>([
  ['v3.17.1', 'h3', () => plainRegistry],
  ['v4.1.4', 'h4', () => registry]
])('helm %s, private chart sources', (version, id, chartRegistry) => {
  it.concurrent(
    "a chart repository with basic auth: the right credentials deploy through the run's repository config",
    async () => {
      const ns = `${id}-repo-ok`
      const run = await harness().deploy(version, {
        release: 'shop',
        namespace: ns,
        'create-namespace': 'true',
        chart: 'app',
        'chart-version': '1.2.0',
        'repo-url': repository.url,
        'repo-username': REPO_CREDENTIALS.username,
        'repo-password': REPO_CREDENTIALS.password
      })
      expect(run.outputs.status, run.stdout).toBe('deployed')
      const lines = helmCommandLines(run)
      const add = lines.find(line => line.startsWith('$ helm repo add '))
      expect(add).toMatch(
        new RegExp(
          `^\\$ helm repo add had-[0-9a-f]{12} ${repository.url} --username charts-reader --password-stdin$`
        )
      )
      const name = add?.split(' ')[4] ?? ''
      expect(lines.some(line => line.startsWith(`$ helm upgrade --install shop ${name}/app `))).toBe(true)
      expect(lines.join('\n')).not.toContain('--repo')
      expectNoSecretOnCommandLines(run, REPO_CREDENTIALS.password)
      expectInNoOutput(run, REPO_CREDENTIALS.password)
      expect(
        harness()
          .objectsOf('shop', ns)
          .some(o => o.kind === 'Deployment')
      ).toBe(true)
    }
  )

  it.concurrent(
    'wrong repository credentials: exit 1 before the cluster, naming the repository and the 401',
    async () => {
      const ns = `${id}-repo-401`
      const run = await harness().deploy(version, {
        release: 'shop',
        namespace: ns,
        chart: 'app',
        'repo-url': repository.url,
        'repo-username': REPO_CREDENTIALS.username,
        'repo-password': 'not-the-password'
      })
      expect(run.exitCode).toBe(1)
      const reason = run.outputs['failure-reason'] ?? ''
      expect(reason).toContain(`chart repository ${repository.url} (repo-url) could not be added`)
      expect(reason).toContain('401')
      expect(clusterRequestsFor(ns)).toEqual([])
      expectNoSecretOnCommandLines(run, 'not-the-password')
      expectInNoOutput(run, 'not-the-password')
    }
  )

  it.concurrent(
    'OCI: deploys oci://<registry>/charts/app at chart-version with the registry login; nothing left behind',
    async () => {
      const ns = `${id}-oci-ok`
      const target = chartRegistry()
      const tlsFlags = target.caFile ? `--ca-file ${target.caFile}` : '--plain-http'
      const loginFlags = target.caFile
        ? `--ca-file ${target.caFile}`
        : version === 'v4.1.4'
          ? '--plain-http'
          : '--insecure'
      const home = await mkdtemp(join(tmpdir(), 'had-home-'))
      // A platform credential helper on PATH: helm would store the login there if the action let it.
      const helperLog = join(home, 'helper-called')
      const bin = join(home, 'bin')
      await mkdir(bin)
      await writeFile(
        join(bin, 'docker-credential-pass'),
        `#!/bin/sh\necho "$@" >> ${helperLog}\ncat >> ${helperLog}\n`
      )
      await writeFile(join(bin, 'pass'), '#!/bin/sh\nexit 0\n')
      await Promise.all([chmod(join(bin, 'docker-credential-pass'), 0o755), chmod(join(bin, 'pass'), 0o755)])
      try {
        const run = await harness().deploy(
          version,
          {
            release: 'shop',
            namespace: ns,
            'create-namespace': 'true',
            chart: `oci://${target.host}/charts/app`,
            'chart-version': '1.2.0',
            'registry-username': REGISTRY_CREDENTIALS.username,
            'registry-password': REGISTRY_CREDENTIALS.password,
            ...registryInputs(target)
          },
          { env: { HOME: home, PATH: `${bin}:${process.env.PATH ?? ''}` } }
        )
        expect(run.outputs.status, run.stdout).toBe('deployed')
        const lines = helmCommandLines(run)
        expect(lines).toContain(
          `$ helm registry login ${target.host} --username oci-reader --password-stdin ${loginFlags}`
        )
        expect(lines.find(line => line.startsWith('$ helm upgrade'))).toContain(
          `oci://${target.host}/charts/app --namespace ${ns} --create-namespace --version 1.2.0 ${tlsFlags}`
        )
        expectNoSecretOnCommandLines(run, REGISTRY_CREDENTIALS.password)
        expectInNoOutput(run, REGISTRY_CREDENTIALS.password)
        expect(existsSync(helperLog)).toBe(false)
        expect(await filesHolding(home, REGISTRY_CREDENTIALS.password)).toEqual([])
        expect(await filesHolding(run.dir, REGISTRY_CREDENTIALS.password)).toEqual([])
        expect(await readdir(join(run.dir, 'temp'))).not.toContainEqual(
          expect.stringMatching(/^helm-atomic-deploy-/)
        )
      } finally {
        await rm(home, { recursive: true, force: true })
      }
    }
  )

  it.concurrent('OCI with a wrong password: a clear login error, nothing reached the cluster', async () => {
    const ns = `${id}-oci-401`
    const run = await harness().deploy(version, {
      release: 'shop',
      namespace: ns,
      chart: `oci://${plainRegistry.host}/charts/app`,
      'chart-version': '1.2.0',
      'registry-username': REGISTRY_CREDENTIALS.username,
      'registry-password': 'wrong-registry-password',
      'plain-http': 'true'
    })
    expect(run.exitCode).toBe(1)
    const reason = run.outputs['failure-reason'] ?? ''
    expect(reason).toMatch(
      new RegExp(`^registry login to ${plainRegistry.host.replace(/\./g, '\\.')} failed: .*401`)
    )
    expect(clusterRequestsFor(ns)).toEqual([])
    expectInNoOutput(run, 'wrong-registry-password')
  })

  it.concurrent('an oci:// dependency of a local chart is pulled with the same login', async () => {
    const ns = `${id}-oci-dep`
    const chart = await mkdtemp(join(tmpdir(), 'had-umbrella-'))
    try {
      await writeFile(
        join(chart, 'Chart.yaml'),
        [
          'apiVersion: v2',
          'name: storefront',
          'version: 0.1.0',
          'dependencies:',
          '  - name: app',
          '    version: 1.2.0',
          `    repository: oci://${plainRegistry.host}/charts`
        ].join('\n')
      )
      const run = await harness().deploy(version, {
        release: 'front',
        namespace: ns,
        'create-namespace': 'true',
        chart,
        'registry-username': REGISTRY_CREDENTIALS.username,
        'registry-password': REGISTRY_CREDENTIALS.password,
        'plain-http': 'true'
      })
      expect(run.outputs.status, run.stdout).toBe('deployed')
      const lines = helmCommandLines(run)
      const login = lines.findIndex(line => line.startsWith(`$ helm registry login ${plainRegistry.host} `))
      const build = lines.indexOf(`$ helm dependency build ${chart} --plain-http`)
      expect(login).toBeGreaterThanOrEqual(0)
      expect(build).toBeGreaterThan(login)
      expect(await readdir(join(chart, 'charts'))).toEqual(['app-1.2.0.tgz'])
      expect(
        harness()
          .objectsOf('front', ns)
          .some(o => o.kind === 'Deployment')
      ).toBe(true)
      expectInNoOutput(run, REGISTRY_CREDENTIALS.password)
    } finally {
      await rm(chart, { recursive: true, force: true })
    }
  })
})
