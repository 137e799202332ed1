/** Version strings of the tools we install. Pure. */

export type HelmVersionRequest =
  { kind: 'exact'; version: string } | { kind: 'channel'; channel: '3.x' | '4.x' | 'latest' }

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?$/

/** `3.17.1` or `v3.17.1` → `v3.17.1`; undefined when it is not a full version. */
export function normalizeVersion(input: string): string | undefined {
  const m = SEMVER.exec(input.trim())
  return m ? `v${m[1]}.${m[2]}.${m[3]}${m[4] ?? ''}` : undefined
}

export function parseHelmVersionRequest(input: string): HelmVersionRequest | undefined {
  const value = input.trim()
  if (value === '3.x' || value === '4.x' || value === 'latest') return { kind: 'channel', channel: value }
  const version = normalizeVersion(value)
  return version ? { kind: 'exact', version } : undefined
}

/** Major version of a normalized version string. */
export function majorOf(version: string): number {
  return Number(/^v?(\d+)/.exec(version)?.[1] ?? NaN)
}

/** The first 64-hex-digit token of a checksum file (`<hash>` or `<hash>  <file>`), lower-cased. */
export function parseChecksumFile(text: string): string | undefined {
  return /\b([0-9a-fA-F]{64})\b/.exec(text)?.[1]?.toLowerCase()
}
