import { describe, expect, it } from 'vitest'
import { helmAsset, helmChannelUrl, kubectlAsset, toolPlatform } from '../../../src/install/platform.js'
import {
  majorOf,
  normalizeVersion,
  parseChecksumFile,
  parseHelmVersionRequest
} from '../../../src/install/versions.js'

describe('helm asset URLs (get.helm.sh layout)', () => {
  it.each([
    ['linux', 'x64', 'https://get.helm.sh/helm-v3.17.1-linux-amd64.tar.gz', 'linux-amd64/helm'],
    ['linux', 'arm64', 'https://get.helm.sh/helm-v3.17.1-linux-arm64.tar.gz', 'linux-arm64/helm'],
    ['linux', 'arm', 'https://get.helm.sh/helm-v3.17.1-linux-arm.tar.gz', 'linux-arm/helm'],
    ['linux', 'ia32', 'https://get.helm.sh/helm-v3.17.1-linux-386.tar.gz', 'linux-386/helm'],
    ['linux', 'ppc64', 'https://get.helm.sh/helm-v3.17.1-linux-ppc64le.tar.gz', 'linux-ppc64le/helm'],
    ['linux', 's390x', 'https://get.helm.sh/helm-v3.17.1-linux-s390x.tar.gz', 'linux-s390x/helm'],
    ['darwin', 'x64', 'https://get.helm.sh/helm-v3.17.1-darwin-amd64.tar.gz', 'darwin-amd64/helm'],
    ['darwin', 'arm64', 'https://get.helm.sh/helm-v3.17.1-darwin-arm64.tar.gz', 'darwin-arm64/helm'],
    ['win32', 'x64', 'https://get.helm.sh/helm-v3.17.1-windows-amd64.zip', 'windows-amd64/helm.exe'],
    ['win32', 'arm64', 'https://get.helm.sh/helm-v3.17.1-windows-arm64.zip', 'windows-arm64/helm.exe']
  ])('%s/%s → %s', (platform, arch, url, executable) => {
    const asset = helmAsset('https://get.helm.sh/', 'v3.17.1', toolPlatform('helm', platform, arch))
    expect(asset.url).toBe(url)
    expect(asset.checksumUrl).toBe(`${url}.sha256sum`)
    expect(asset.executable).toBe(executable)
    expect(asset.format).toBe(platform === 'win32' ? 'zip' : 'tar.gz')
  })

  it('uses a mirror as given, without a trailing slash', () => {
    const asset = helmAsset('http://127.0.0.1:8080/helm//', 'v4.1.4', toolPlatform('helm', 'linux', 'x64'))
    expect(asset.url).toBe('http://127.0.0.1:8080/helm/helm-v4.1.4-linux-amd64.tar.gz')
  })

  it.each([
    ['darwin', 'ia32'],
    ['win32', 'ia32'],
    ['freebsd', 'x64'],
    ['linux', 'mips']
  ])('refuses %s/%s with the platform named', (platform, arch) => {
    expect(() => toolPlatform('helm', platform, arch)).toThrow(
      `helm has no official build for this runner: platform ${platform}, architecture ${arch}`
    )
  })

  it.each([
    ['3.x', 'https://get.helm.sh/helm3-latest-version'],
    ['4.x', 'https://get.helm.sh/helm4-latest-version'],
    ['latest', 'https://get.helm.sh/helm-latest-version']
  ] as const)('channel %s is read from %s', (channel, url) => {
    expect(helmChannelUrl('https://get.helm.sh', channel)).toBe(url)
  })
})

describe('kubectl asset URLs (dl.k8s.io layout)', () => {
  it.each([
    ['linux', 'x64', 'https://dl.k8s.io/release/v1.35.2/bin/linux/amd64/kubectl'],
    ['linux', 'arm64', 'https://dl.k8s.io/release/v1.35.2/bin/linux/arm64/kubectl'],
    ['darwin', 'x64', 'https://dl.k8s.io/release/v1.35.2/bin/darwin/amd64/kubectl'],
    ['darwin', 'arm64', 'https://dl.k8s.io/release/v1.35.2/bin/darwin/arm64/kubectl'],
    ['win32', 'x64', 'https://dl.k8s.io/release/v1.35.2/bin/windows/amd64/kubectl.exe'],
    ['win32', 'arm64', 'https://dl.k8s.io/release/v1.35.2/bin/windows/arm64/kubectl.exe']
  ])('%s/%s → %s', (platform, arch, url) => {
    const asset = kubectlAsset('https://dl.k8s.io', 'v1.35.2', toolPlatform('kubectl', platform, arch))
    expect(asset.url).toBe(url)
    expect(asset.checksumUrl).toBe(`${url}.sha256`)
    expect(asset.format).toBe('binary')
  })
})

describe('versions', () => {
  it.each([
    ['3.17.1', 'v3.17.1'],
    ['v4.1.4', 'v4.1.4'],
    [' v4.1.4\n', 'v4.1.4'],
    ['v4.0.0-rc.1', 'v4.0.0-rc.1'],
    ['4.1', undefined],
    ['four', undefined]
  ])('normalizeVersion(%j) = %j', (input, expected) => {
    expect(normalizeVersion(input)).toBe(expected)
  })

  it.each([
    ['3.x', { kind: 'channel', channel: '3.x' }],
    ['4.x', { kind: 'channel', channel: '4.x' }],
    ['latest', { kind: 'channel', channel: 'latest' }],
    ['3.17.1', { kind: 'exact', version: 'v3.17.1' }],
    ['5', undefined]
  ])('parseHelmVersionRequest(%j)', (input, expected) => {
    expect(parseHelmVersionRequest(input)).toEqual(expected)
  })

  it('majorOf', () => {
    expect(majorOf('v3.17.1')).toBe(3)
    expect(majorOf('4.1.4')).toBe(4)
  })

  it.each([
    ['a'.repeat(64) + '  helm-v3.17.1-linux-amd64.tar.gz\n', 'a'.repeat(64)],
    ['B'.repeat(64) + '\n', 'b'.repeat(64)],
    ['<html>not found</html>', undefined]
  ])('parseChecksumFile(%j)', (text, expected) => {
    expect(parseChecksumFile(text)).toBe(expected)
  })
})
