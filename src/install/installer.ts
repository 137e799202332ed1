import { randomUUID } from 'node:crypto'
import { chmod, copyFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import * as core from '@actions/core'
import * as io from '@actions/io'
import * as tc from '@actions/tool-cache'
import { DEFAULT_RETRY, DownloadError, downloadFile, fetchText, type RetryPolicy } from './download.js'
import {
  helmAsset,
  helmChannelUrl,
  kubectlAsset,
  toolPlatform,
  type Tool,
  type ToolAsset,
  type ToolPlatform
} from './platform.js'
import { normalizeVersion, parseChecksumFile, parseHelmVersionRequest } from './versions.js'

export interface InstallRequest {
  tool: Tool
  /** Normalized, e.g. v3.17.1. */
  version: string
  mirror: string
  /** A digest the user pinned, checked in addition to the mirror's checksum file. */
  expectedSha256?: string
  retry?: RetryPolicy
  /** Where downloads land before they are verified (RUNNER_TEMP). */
  tempDir: string
  nodePlatform?: string
  nodeArch?: string
}

export interface InstalledTool {
  tool: Tool
  version: string
  /** The executable. */
  path: string
  cacheHit: boolean
  /** sha256 of the verified download (archive for helm, binary for kubectl). */
  sha256: string
  durationMs: number
}

export class ChecksumMismatchError extends Error {
  constructor(url: string, expected: string, actual: string, source: string) {
    super(
      `sha256 mismatch for ${url}: expected ${expected} (${source}), got ${actual}; the file was discarded`
    )
    this.name = 'ChecksumMismatchError'
  }
}

/** Written into each cache entry we verified; an entry without it (or altered) is not trusted. */
const MARKER = '.helm-atomic-deploy.json'

interface Marker {
  url: string
  sha256: string
  executable: string
  size: number
}

const INPUT_OF: Record<Tool, string> = { helm: 'helm-version', kubectl: 'kubectl-version' }

function assetFor(request: InstallRequest, platform: ToolPlatform): ToolAsset {
  return request.tool === 'helm'
    ? helmAsset(request.mirror, request.version, platform)
    : kubectlAsset(request.mirror, request.version, platform)
}

async function readTrustedCacheEntry(dir: string): Promise<Marker | undefined> {
  try {
    const marker = JSON.parse(await readFile(join(dir, MARKER), 'utf8')) as Marker
    const info = await stat(join(dir, marker.executable))
    return info.isFile() && info.size === marker.size ? marker : undefined
  } catch {
    return undefined
  }
}

async function fetchExpectedDigest(asset: ToolAsset, request: InstallRequest): Promise<string> {
  let text: string
  try {
    text = await fetchText(asset.checksumUrl, request.retry)
  } catch (error) {
    throw error instanceof DownloadError && error.status === 404
      ? notFound(request, asset.checksumUrl)
      : error
  }
  const digest = parseChecksumFile(text)
  if (!digest) throw new Error(`${asset.checksumUrl} holds no sha256 digest`)
  return digest
}

/** Unpacks a verified download; `dir` holds the executable, `root` is removed once it is cached. */
async function unpack(
  asset: ToolAsset,
  file: string,
  tempDir: string
): Promise<{ dir: string; root: string }> {
  if (asset.format === 'binary') {
    const dir = join(tempDir, `${asset.tool}-${randomUUID()}`)
    await mkdir(dir, { recursive: true })
    await copyFile(file, join(dir, asset.executable))
    await chmod(join(dir, asset.executable), 0o755)
    return { dir, root: dir }
  }
  const root = asset.format === 'zip' ? await tc.extractZip(file) : await tc.extractTar(file)
  return { dir: join(root, dirname(asset.executable)), root }
}

function notFound(request: InstallRequest, url: string): Error {
  return new Error(
    `${request.tool} ${request.version} was not found: ${url} answered HTTP 404; check the ${INPUT_OF[request.tool]} input (and the mirror)`
  )
}

/** A tool cache entry this action verified (and, when pinned, with that digest); undefined otherwise. */
async function verifiedCacheHit(
  request: InstallRequest,
  exe: string,
  arch: string,
  started: number
): Promise<InstalledTool | undefined> {
  const cached = tc.find(request.tool, request.version.replace(/^v/, ''), arch)
  if (!cached) return undefined
  const marker = await readTrustedCacheEntry(cached)
  if (!marker || (request.expectedSha256 && marker.sha256 !== request.expectedSha256.toLowerCase())) {
    core.info(
      `${request.tool} ${request.version}: tool cache entry at ${cached} is not one we verified; downloading again`
    )
    return undefined
  }
  core.addPath(cached)
  const durationMs = Date.now() - started
  core.info(
    `${request.tool} ${request.version}: verified copy in the tool cache at ${cached} (${durationMs} ms)`
  )
  return {
    tool: request.tool,
    version: request.version,
    path: join(cached, exe),
    cacheHit: true,
    sha256: marker.sha256,
    durationMs
  }
}

/** Checks a download against the mirror's digest and the pinned one, then unpacks and caches it. */
async function verifyAndCache(
  request: InstallRequest,
  asset: ToolAsset,
  download: { file: string; sha256: string; bytes: number; expected: string },
  arch: string,
  started: number
): Promise<InstalledTool> {
  const { file, expected, ...downloaded } = download
  if (downloaded.sha256 !== expected) {
    throw new ChecksumMismatchError(asset.url, expected, downloaded.sha256, basename(asset.checksumUrl))
  }
  const pinned = request.expectedSha256?.toLowerCase()
  if (pinned && downloaded.sha256 !== pinned) {
    throw new ChecksumMismatchError(asset.url, pinned, downloaded.sha256, 'helm-sha256 input')
  }
  const exe = basename(asset.executable)
  const unpacked = await unpack(asset, file, request.tempDir)
  const cachedDir = await tc.cacheDir(unpacked.dir, request.tool, request.version.replace(/^v/, ''), arch)
  await rm(unpacked.root, { recursive: true, force: true })
  const info = await stat(join(cachedDir, exe))
  const marker: Marker = { url: asset.url, sha256: downloaded.sha256, executable: exe, size: info.size }
  await writeFile(join(cachedDir, MARKER), JSON.stringify(marker) + '\n')
  core.addPath(cachedDir)
  const durationMs = Date.now() - started
  core.info(
    `${request.tool} ${request.version}: downloaded ${asset.url} (${(downloaded.bytes / 1e6).toFixed(1)} MB), ` +
      `sha256 ${downloaded.sha256} verified, cached at ${cachedDir} (${durationMs} ms)`
  )
  return {
    tool: request.tool,
    version: request.version,
    path: join(cachedDir, exe),
    cacheHit: false,
    sha256: downloaded.sha256,
    durationMs
  }
}

/**
 * Finds a verified copy in the tool cache, or downloads, verifies (before anything is unpacked or run),
 * unpacks and caches one; then puts it on PATH.
 */
export async function installTool(request: InstallRequest): Promise<InstalledTool> {
  const started = Date.now()
  const arch = request.nodeArch ?? process.arch
  const asset = assetFor(request, toolPlatform(request.tool, request.nodePlatform ?? process.platform, arch))
  const hit = await verifiedCacheHit(request, basename(asset.executable), arch, started)
  if (hit) return hit
  // The digest first: a version the mirror does not have fails before anything is downloaded.
  const expected = await fetchExpectedDigest(asset, request)
  await mkdir(request.tempDir, { recursive: true })
  const file = join(request.tempDir, `${randomUUID()}-${basename(asset.url)}`)
  try {
    const downloaded = await downloadFile(asset.url, file, request.retry ?? DEFAULT_RETRY).catch(
      (error: unknown) => {
        throw error instanceof DownloadError && error.status === 404 ? notFound(request, asset.url) : error
      }
    )
    return await verifyAndCache(request, asset, { file, expected, ...downloaded }, arch, started)
  } finally {
    await rm(file, { force: true })
  }
}

/** `helm-version` input → exact version; channels are read from the mirror and never fall back silently. */
export async function resolveHelmVersion(
  input: string,
  mirror: string,
  retry?: RetryPolicy
): Promise<string> {
  const request = parseHelmVersionRequest(input)
  if (!request)
    throw new Error(
      `helm-version: "${input}" is not a version (v3.17.1, 3.17.1) or a channel (3.x, 4.x, latest)`
    )
  if (request.kind === 'exact') return request.version
  const url = helmChannelUrl(mirror, request.channel)
  let text: string
  try {
    text = await fetchText(url, retry)
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error)
    throw new Error(`helm-version: cannot resolve channel ${request.channel} from ${url}: ${why}`)
  }
  const version = normalizeVersion(text)
  if (!version)
    throw new Error(`helm-version: ${url} does not name a version (got "${text.trim().slice(0, 40)}")`)
  const wantMajor = request.channel === '3.x' ? 'v3.' : request.channel === '4.x' ? 'v4.' : 'v'
  if (!version.startsWith(wantMajor)) {
    throw new Error(`helm-version: ${url} names ${version}, which is not in channel ${request.channel}`)
  }
  return version
}

export const DEFAULT_KUBECTL_VERSION = 'v1.35.2'

/** `kubectl-version: auto` → the kubectl on PATH if there is one; otherwise the given or default version is installed. */
export async function resolveKubectl(
  versionInput: string,
  install: (version: string) => Promise<InstalledTool>
): Promise<{ path: string; installed?: InstalledTool }> {
  if (versionInput === 'auto') {
    const onPath = await io.which('kubectl', false)
    if (onPath) {
      core.info(`kubectl: using ${onPath} from PATH (kubectl-version: auto)`)
      return { path: onPath }
    }
  }
  const version = versionInput === 'auto' ? DEFAULT_KUBECTL_VERSION : normalizeVersion(versionInput)
  if (!version) throw new Error(`kubectl-version: "${versionInput}" is not auto or a version such as v1.35.2`)
  const installed = await install(version)
  return { path: installed.path, installed }
}
