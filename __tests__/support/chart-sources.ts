/**
 * Real chart sources on loopback for the action tests: an OCI registry (Debian's `docker-registry`, CNCF
 * distribution 2.8, with htpasswd auth and optionally TLS) and a chart repository (`helm package` + `helm repo
 * index` output served over HTTP(S) with basic auth). Both are started and stopped by the tests themselves; the
 * Debian package's systemd service is never used.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { promisify } from 'node:util'
import { helmBinary } from '../fixtures/binaries.js'

const exec = promisify(execFile)

export const REGISTRY_BINARY = '/usr/bin/docker-registry'
export const HTPASSWD_BINARY = '/usr/bin/htpasswd'
export const INSTALL_HINT =
  'install Debian\'s packages: sudo apt-get install -y docker-registry apache2-utils (see "Develop" in the README)'

/** A missing binary fails the test that needs it, with the install instruction (never a skip). */
export function requireBinary(path: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${INSTALL_HINT}`)
}

export interface Credentials {
  username: string
  password: string
}

export interface TlsFiles {
  cert: string
  key: string
}

/** A self-signed certificate for a loopback IP (its own CA: the file for repo-ca-file / registry-ca-file). */
export async function selfSignedCertificate(dir: string, ip = '127.0.0.1'): Promise<TlsFiles> {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  await exec('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${ip}`,
    '-addext',
    `subjectAltName=IP:${ip}`
  ])
  return { cert, key }
}

/** helm with a private config of the harness (never the action's), for packaging and pushing charts. */
async function harnessHelm(dir: string, args: string[], stdin?: string): Promise<string> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    HELM_REGISTRY_CONFIG: join(dir, 'registry.json'),
    HELM_REPOSITORY_CONFIG: join(dir, 'repositories.yaml'),
    HELM_REPOSITORY_CACHE: join(dir, 'cache'),
    NO_COLOR: '1'
  }
  return new Promise((resolve, reject) => {
    const child = spawn(helmBinary('v4.1.4'), args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stdin.end(stdin ?? '')
    child.on('close', code =>
      code === 0 ? resolve(out) : reject(new Error(`helm ${args.join(' ')}: ${out}`))
    )
  })
}

/** Packages a chart directory (optionally as another version) into `dest`; returns the .tgz path. */
export async function packageChart(chartDir: string, dest: string, version?: string): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'had-pkg-'))
  try {
    const out = await harnessHelm(work, [
      'package',
      chartDir,
      '-d',
      dest,
      ...(version ? ['--version', version] : [])
    ])
    const path = /saved it to: (.+)$/m.exec(out)?.[1]?.trim()
    if (!path) throw new Error(`helm package printed no path: ${out}`)
    return path
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  host: string
  credentials: Credentials
  /** The CA file that verifies its certificate (TLS registries only). */
  caFile?: string
  /** `helm push` of a packaged chart to oci://<host>/<repository>. */
  push(tgz: string, repository: string): Promise<void>
  stop(): Promise<void>
}

/** Starts `docker-registry serve` on a free loopback port with htpasswd auth (bcrypt), TLS when asked. */
export async function startRegistry(options: {
  credentials: Credentials
  tls: boolean
}): Promise<TestRegistry> {
  requireBinary(REGISTRY_BINARY)
  requireBinary(HTPASSWD_BINARY)
  const dir = await mkdtemp(join(tmpdir(), 'had-registry-'))
  const { username, password } = options.credentials
  const htpasswd = await runWithStdin(HTPASSWD_BINARY, ['-niB', username], password)
  await writeFile(join(dir, 'htpasswd'), htpasswd)
  const ip = options.tls ? '127.0.0.2' : '127.0.0.1'
  const tls = options.tls ? await selfSignedCertificate(dir, ip) : undefined
  const config = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  formatter: text',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    'http:',
    `  addr: ${ip}:0`,
    ...(tls ? ['  tls:', `    certificate: ${tls.cert}`, `    key: ${tls.key}`] : []),
    'auth:',
    '  htpasswd:',
    '    realm: test-registry',
    `    path: ${join(dir, 'htpasswd')}`
  ].join('\n')
  await writeFile(join(dir, 'config.yml'), `${config}\n`)
  const child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const host = await listeningAddress(child)
  const helmDir = join(dir, 'helm')
  await mkdir(helmDir)
  const flags = tls ? ['--ca-file', tls.cert] : ['--plain-http']
  await harnessHelm(
    helmDir,
    ['registry', 'login', host, '--username', username, '--password-stdin', ...flags],
    password
  )
  return {
    host,
    credentials: options.credentials,
    ...(tls ? { caFile: tls.cert } : {}),
    async push(tgz, repository) {
      await harnessHelm(helmDir, ['push', tgz, `oci://${host}/${repository}`, ...flags])
    },
    async stop() {
      child.kill('SIGTERM')
      await new Promise(resolve => (child.exitCode !== null ? resolve(undefined) : child.on('exit', resolve)))
      await rm(dir, { recursive: true, force: true })
    }
  }
}

function runWithStdin(command: string, args: string[], stdin: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    child.stdin.end(stdin)
    child.on('close', code => (code === 0 ? resolve(out) : reject(new Error(`${command}: ${err}`))))
  })
}

/** The registry logs `listening on 127.0.0.1:<port>` once it accepts connections. */
function listeningAddress(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let log = ''
    const timer = setTimeout(() => reject(new Error(`docker-registry did not start: ${log}`)), 15_000)
    const onData = (chunk: Buffer): void => {
      log += chunk.toString()
      const match = /listening on (127\.0\.0\.\d+:\d+)/.exec(log)
      if (match?.[1]) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.on('exit', code => {
      clearTimeout(timer)
      reject(new Error(`docker-registry exited with ${code}: ${log}`))
    })
  })
}

export interface RepositoryRequest {
  path: string
  status: number
  /** The Authorization header the client sent, if any. */
  authorization?: string
}

export interface TestChartRepository {
  /** Base URL, no trailing slash. */
  url: string
  caFile?: string
  requests: RepositoryRequest[]
  /** Packages a chart (optionally as another version) into the repository and re-indexes it. */
  publish(chartDir: string, version?: string): Promise<void>
  stop(): Promise<void>
}

/** A chart repository on a free loopback port: static files with basic auth when credentials are given. */
export async function startChartRepository(
  options: { credentials?: Credentials; tls?: boolean } = {}
): Promise<TestChartRepository> {
  const dir = await mkdtemp(join(tmpdir(), 'had-chartrepo-'))
  const files = join(dir, 'files')
  await mkdir(files)
  const tls = options.tls ? await selfSignedCertificate(dir) : undefined
  const requests: RepositoryRequest[] = []
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64')}`
    : undefined
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void serveFile(files, expected, req, res).then(status =>
      requests.push({
        path: req.url ?? '',
        status,
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {})
      })
    )
  }
  const server = tls
    ? createHttpsServer({ cert: await readFile(tls.cert), key: await readFile(tls.key) }, handler)
    : createHttpServer(handler)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`
  await harnessHelm(dir, ['repo', 'index', files, '--url', url])
  return {
    url,
    ...(tls ? { caFile: tls.cert } : {}),
    requests,
    async publish(chartDir, version) {
      await packageChart(chartDir, files, version)
      await harnessHelm(dir, ['repo', 'index', files, '--url', url])
    },
    async stop() {
      server.closeAllConnections()
      await new Promise(resolve => server.close(resolve))
      await rm(dir, { recursive: true, force: true })
    }
  }
}

async function serveFile(
  root: string,
  expectedAuthorization: string | undefined,
  req: IncomingMessage,
  res: ServerResponse
): Promise<number> {
  if (expectedAuthorization && req.headers.authorization !== expectedAuthorization) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="charts"' }).end('unauthorized\n')
    return 401
  }
  const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)))
  if (!path.startsWith(root) || !(await stat(path).catch(() => undefined))?.isFile()) {
    res.writeHead(404).end('not found\n')
    return 404
  }
  res.writeHead(200).end(await readFile(path))
  return 200
}
