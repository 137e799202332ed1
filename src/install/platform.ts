/** Maps a version and a runner platform to the official download locations of helm and kubectl. Pure. */

export type Tool = 'helm' | 'kubectl'

export interface ToolPlatform {
  os: 'linux' | 'darwin' | 'windows'
  arch: 'amd64' | 'arm64' | 'arm' | '386' | 'ppc64le' | 's390x'
}

export interface ToolAsset {
  tool: Tool
  version: string
  /** The file to download. */
  url: string
  /** The checksum file beside it. */
  checksumUrl: string
  /** How the download is unpacked; 'binary' is the executable itself. */
  format: 'tar.gz' | 'zip' | 'binary'
  /** Path of the executable inside the unpacked download. */
  executable: string
}

const OS_BY_NODE: Record<string, ToolPlatform['os']> = { linux: 'linux', darwin: 'darwin', win32: 'windows' }
const ARCH_BY_NODE: Record<string, ToolPlatform['arch']> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x'
}

/** Architectures each tool publishes per OS (get.helm.sh and dl.k8s.io listings). */
const PUBLISHED: Record<Tool, Record<ToolPlatform['os'], readonly ToolPlatform['arch'][]>> = {
  helm: {
    linux: ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x'],
    darwin: ['amd64', 'arm64'],
    windows: ['amd64', 'arm64']
  },
  kubectl: {
    linux: ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x'],
    darwin: ['amd64', 'arm64'],
    windows: ['amd64', 'arm64', '386']
  }
}

export class UnsupportedPlatformError extends Error {
  constructor(tool: Tool, nodePlatform: string, nodeArch: string) {
    super(`${tool} has no official build for this runner: platform ${nodePlatform}, architecture ${nodeArch}`)
    this.name = 'UnsupportedPlatformError'
  }
}

/** Node's `process.platform` / `process.arch` → the tool's os/arch names; throws when there is no build. */
export function toolPlatform(tool: Tool, nodePlatform: string, nodeArch: string): ToolPlatform {
  const os = OS_BY_NODE[nodePlatform]
  const arch = ARCH_BY_NODE[nodeArch]
  if (!os || !arch || !PUBLISHED[tool][os].includes(arch)) {
    throw new UnsupportedPlatformError(tool, nodePlatform, nodeArch)
  }
  return { os, arch }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '')
}

/** get.helm.sh layout: helm-v3.17.1-linux-amd64.tar.gz (+ .sha256sum); zip on Windows. */
export function helmAsset(mirror: string, version: string, platform: ToolPlatform): ToolAsset {
  const format = platform.os === 'windows' ? 'zip' : 'tar.gz'
  const file = `helm-${version}-${platform.os}-${platform.arch}.${format}`
  const url = `${trimSlash(mirror)}/${file}`
  const exe = platform.os === 'windows' ? 'helm.exe' : 'helm'
  return {
    tool: 'helm',
    version,
    url,
    checksumUrl: `${url}.sha256sum`,
    format,
    executable: `${platform.os}-${platform.arch}/${exe}`
  }
}

/** dl.k8s.io layout: release/v1.35.2/bin/linux/amd64/kubectl (+ .sha256). */
export function kubectlAsset(mirror: string, version: string, platform: ToolPlatform): ToolAsset {
  const exe = platform.os === 'windows' ? 'kubectl.exe' : 'kubectl'
  const url = `${trimSlash(mirror)}/release/${version}/bin/${platform.os}/${platform.arch}/${exe}`
  return { tool: 'kubectl', version, url, checksumUrl: `${url}.sha256`, format: 'binary', executable: exe }
}

/** The URL of the plain-text file naming the newest version of a helm channel. */
export function helmChannelUrl(mirror: string, channel: '3.x' | '4.x' | 'latest'): string {
  const file =
    channel === '3.x'
      ? 'helm3-latest-version'
      : channel === '4.x'
        ? 'helm4-latest-version'
        : 'helm-latest-version'
  return `${trimSlash(mirror)}/${file}`
}
