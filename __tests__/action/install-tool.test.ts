import { execFile } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  installTool,
  resolveHelmVersion,
  resolveKubectl,
  type InstallRequest
} from '../../src/install/installer.js'
import { MIRROR_DIR } from '../fixtures/binaries.js'
import { startMirror, type MirrorServer } from '../support/mirror-server.js'

const run = promisify(execFile)
const FAST_RETRY = { attempts: 3, baseDelayMs: 50, maxDelayMs: 200, socketTimeoutMs: 10_000 }

let helmMirror: MirrorServer
let kubectlMirror: MirrorServer
let work: string

beforeAll(async () => {
  helmMirror = await startMirror(join(MIRROR_DIR, 'helm'))
  kubectlMirror = await startMirror(join(MIRROR_DIR, 'kubectl'))
})

afterAll(async () => {
  await helmMirror.stop()
  await kubectlMirror.stop()
})

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'had-install-'))
  process.env.RUNNER_TOOL_CACHE = join(work, 'toolcache')
  process.env.RUNNER_TEMP = join(work, 'temp')
  process.env.GITHUB_PATH = join(work, 'github_path')
  await writeFile(process.env.GITHUB_PATH, '')
  helmMirror.requests.length = 0
  kubectlMirror.requests.length = 0
  return async () => {
    await rm(work, { recursive: true, force: true })
  }
})

function helmRequest(version: string, extra: Partial<InstallRequest> = {}): InstallRequest {
  return {
    tool: 'helm',
    version,
    mirror: helmMirror.url,
    tempDir: join(work, 'temp'),
    retry: FAST_RETRY,
    ...extra
  }
}

async function githubPathEntries(): Promise<string[]> {
  return (await readFile(process.env.GITHUB_PATH ?? '', 'utf8').catch(() => '')).split('\n').filter(Boolean)
}

describe('installTool: helm from a loopback mirror', () => {
  it.each(['v3.17.1', 'v4.1.4'])('installs %s, verified, and the binary runs', async version => {
    const installed = await installTool(helmRequest(version))
    expect(installed.cacheHit).toBe(false)
    const { stdout } = await run(installed.path, ['version', '--template', '{{.Version}}'])
    expect(stdout.trim()).toBe(version)
    const expected = (
      await readFile(join(MIRROR_DIR, 'helm', `helm-${version}-linux-amd64.tar.gz.sha256`), 'utf8')
    ).trim()
    expect(installed.sha256).toBe(expected)
    expect(await githubPathEntries()).toEqual([
      join(process.env.RUNNER_TOOL_CACHE ?? '', 'helm', version.slice(1), 'x64')
    ])
  })

  it('a second install is a cache hit with no download', async () => {
    await installTool(helmRequest('v3.17.1'))
    const before = helmMirror.requests.length
    const second = await installTool(helmRequest('v3.17.1'))
    expect(second.cacheHit).toBe(true)
    expect(helmMirror.requests.length).toBe(before)
    const { stdout } = await run(second.path, ['version', '--template', '{{.Version}}'])
    expect(stdout.trim()).toBe('v3.17.1')
  })

  it('a cache entry we did not verify is downloaded again', async () => {
    const first = await installTool(helmRequest('v3.17.1'))
    await rm(join(first.path, '..', '.helm-atomic-deploy.json'))
    const again = await installTool(helmRequest('v3.17.1'))
    expect(again.cacheHit).toBe(false)
    expect(helmMirror.requests.some(r => r.path.endsWith('.tar.gz'))).toBe(true)
  })

  it('a tampered archive fails with both digests; nothing is cached, put on PATH or left behind', async () => {
    const asset = '/helm-v3.17.1-linux-amd64.tar.gz'
    const good = await readFile(join(MIRROR_DIR, 'helm', asset))
    const bad = Buffer.from(good)
    bad[bad.length - 100] = (bad[bad.length - 100] ?? 0) ^ 0xff
    helmMirror.override(asset, bad)
    try {
      const expected = (await readFile(join(MIRROR_DIR, 'helm', `${asset}.sha256`), 'utf8')).trim()
      const error = await installTool(helmRequest('v3.17.1')).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(Error)
      const message = (error as Error).message
      expect(message).toContain(`expected ${expected}`)
      expect(message).toMatch(/got [0-9a-f]{64}/)
      expect(message).not.toContain(`got ${expected}`)
      expect(await readdir(process.env.RUNNER_TOOL_CACHE ?? '').catch(() => [])).toEqual([])
      expect(await githubPathEntries()).toEqual([])
      expect(await readdir(join(work, 'temp'))).toEqual([])
    } finally {
      helmMirror.override(asset, good)
    }
  })

  it('helm-sha256 must also match', async () => {
    const pinned = 'f'.repeat(64)
    await expect(installTool(helmRequest('v4.1.4', { expectedSha256: pinned }))).rejects.toThrow(
      new RegExp(`expected ${pinned} \\(helm-sha256 input\\), got [0-9a-f]{64}`)
    )
    const real = (
      await readFile(join(MIRROR_DIR, 'helm', 'helm-v4.1.4-linux-amd64.tar.gz.sha256'), 'utf8')
    ).trim()
    const ok = await installTool(helmRequest('v4.1.4', { expectedSha256: real.toUpperCase() }))
    expect(ok.sha256).toBe(real)
  })

  it('an unknown version names the URL and the input', async () => {
    await expect(installTool(helmRequest('v9.9.9'))).rejects.toThrow(
      `helm v9.9.9 was not found: ${helmMirror.url}/helm-v9.9.9-linux-amd64.tar.gz.sha256sum answered HTTP 404; check the helm-version input`
    )
  })

  it('retries a 503 and a 429, then succeeds', async () => {
    helmMirror.failNext(/\.tar\.gz$/, 503)
    helmMirror.failNext(/\.sha256sum$/, 429, 1, 0)
    const installed = await installTool(helmRequest('v4.1.4'))
    expect(installed.cacheHit).toBe(false)
    const statuses = helmMirror.requests.map(r => `${r.path.split('.').slice(-1)[0]}:${r.status}`)
    expect(statuses).toEqual(['sha256sum:429', 'sha256sum:200', 'gz:503', 'gz:200'])
  })

  it('gives up after the retries with the cause', async () => {
    helmMirror.failNext(/\.tar\.gz$/, 500, 3)
    await expect(installTool(helmRequest('v3.17.1'))).rejects.toThrow(
      /download of http:\/\/127\.0\.0\.1:\d+\/helm-v3\.17\.1-linux-amd64\.tar\.gz failed after 3 attempts: HTTP 500/
    )
    expect(await readdir(process.env.RUNNER_TOOL_CACHE ?? '').catch(() => [])).toEqual([])
  })

  it('a network failure says so after retries', async () => {
    await expect(installTool({ ...helmRequest('v3.17.1'), mirror: 'http://127.0.0.1:1' })).rejects.toThrow(
      /failed after 3 attempts: .*ECONNREFUSED/
    )
  })
})

describe('resolveHelmVersion', () => {
  it.each([
    ['3.x', 'v3.17.1'],
    ['4.x', 'v4.1.4'],
    ['latest', 'v4.1.4'],
    ['3.17.1', 'v3.17.1']
  ])('%s → %s', async (input, expected) => {
    expect(await resolveHelmVersion(input, helmMirror.url, FAST_RETRY)).toBe(expected)
  })

  it('an exact version needs no request', async () => {
    await resolveHelmVersion('v4.1.4', helmMirror.url, FAST_RETRY)
    expect(helmMirror.requests).toEqual([])
  })

  it('a channel that cannot be resolved is an error, not a fallback', async () => {
    const empty = await startMirror(work)
    try {
      await expect(resolveHelmVersion('3.x', empty.url, FAST_RETRY)).rejects.toThrow(
        `helm-version: cannot resolve channel 3.x from ${empty.url}/helm3-latest-version: ${empty.url}/helm3-latest-version answered HTTP 404`
      )
    } finally {
      await empty.stop()
    }
  })

  it('a channel file naming another major is refused', async () => {
    helmMirror.override('/helm3-latest-version', Buffer.from('v4.1.4\n'))
    try {
      await expect(resolveHelmVersion('3.x', helmMirror.url, FAST_RETRY)).rejects.toThrow(
        'not in channel 3.x'
      )
    } finally {
      helmMirror.override('/helm3-latest-version', Buffer.from('v3.17.1\n'))
    }
  })
})

describe('installTool: kubectl', () => {
  it.each(['v1.32.0', 'v1.35.2'])('installs %s from a dl.k8s.io-like mirror', async version => {
    const installed = await installTool({
      tool: 'kubectl',
      version,
      mirror: kubectlMirror.url,
      tempDir: join(work, 'temp'),
      retry: FAST_RETRY
    })
    const { stdout } = await run(installed.path, ['version', '--client', '-o', 'json'])
    expect((JSON.parse(stdout) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion).toBe(
      version
    )
    expect(kubectlMirror.requests.map(r => r.path)).toEqual([
      `/release/${version}/bin/linux/amd64/kubectl.sha256`,
      `/release/${version}/bin/linux/amd64/kubectl`
    ])
  })

  it('auto uses a kubectl on PATH and installs the default when there is none', async () => {
    const savedPath = process.env.PATH
    const installs: string[] = []
    const fakeInstall = (version: string): Promise<never> => {
      installs.push(version)
      return Promise.reject(new Error('stop here'))
    }
    try {
      process.env.PATH = join(MIRROR_DIR, 'kubectl', 'release', 'v1.32.0', 'bin', 'linux', 'amd64')
      const found = await resolveKubectl('auto', fakeInstall)
      expect(found.path).toBe(join(process.env.PATH, 'kubectl'))
      process.env.PATH = work
      await expect(resolveKubectl('auto', fakeInstall)).rejects.toThrow('stop here')
      await expect(resolveKubectl('1.32.0', fakeInstall)).rejects.toThrow('stop here')
      expect(installs).toEqual(['v1.35.2', 'v1.32.0'])
    } finally {
      process.env.PATH = savedPath
    }
  })
})
