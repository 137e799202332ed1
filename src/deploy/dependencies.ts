/**
 * Which declared dependencies of a local chart directory are missing from its charts/ folder. helm itself
 * (CheckDependencies) requires every dependency in Chart.yaml to be present by chart name, whatever its
 * condition, so `helm dependency build` is needed exactly when one is missing; a vendored chart needs none.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { parse as parseYaml } from 'yaml'

interface ChartMeta {
  name?: unknown
  dependencies?: unknown
}

function readChartMeta(text: string): ChartMeta | undefined {
  try {
    const parsed: unknown = parseYaml(text)
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined
  } catch {
    return undefined
  }
}

/** A dependency as Chart.yaml declares it; `repository` is empty for one that lives in charts/ only. */
export interface DeclaredDependency {
  name: string
  repository: string
}

/** The declared dependencies, from Chart.yaml (v2) or requirements.yaml (v1). */
export function dependencyEntries(chartDir: string): DeclaredDependency[] {
  const entries: DeclaredDependency[] = []
  for (const file of ['Chart.yaml', 'requirements.yaml']) {
    const path = join(chartDir, file)
    if (!existsSync(path)) continue
    const meta = readChartMeta(readFileSync(path, 'utf8'))
    if (!Array.isArray(meta?.dependencies)) continue
    for (const dep of meta.dependencies as unknown[]) {
      const { name, repository } =
        typeof dep === 'object' && dep !== null ? (dep as Record<string, unknown>) : {}
      if (typeof name === 'string' && name !== '')
        entries.push({ name, repository: typeof repository === 'string' ? repository.trim() : '' })
    }
  }
  return entries
}

/** The declared dependency names (`name`, as helm matches them). */
export function declaredDependencies(chartDir: string): string[] {
  return dependencyEntries(chartDir).map(entry => entry.name)
}

/** The chart name inside a packaged chart: `<dir>/Chart.yaml` of the gzipped tar. */
function packagedChartName(archive: Buffer): string | undefined {
  let tar: Buffer
  try {
    tar = gunzipSync(archive)
  } catch {
    return undefined
  }
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512)
    const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '')
    if (name === '') break
    const prefix = header.toString('utf8', 345, 500).replace(/\0.*$/s, '')
    const size = parseInt(header.toString('utf8', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8)
    const path = prefix ? `${prefix}/${name}` : name
    const body = offset + 512
    if (/^[^/]+\/Chart\.yaml$/.test(path)) {
      const meta = readChartMeta(tar.toString('utf8', body, body + size))
      return typeof meta?.name === 'string' ? meta.name : undefined
    }
    offset = body + Math.ceil(size / 512) * 512
  }
  return undefined
}

/** Names of the charts present in charts/: unpacked directories and .tgz archives, by their own Chart.yaml. */
export function vendoredCharts(chartDir: string): Set<string> {
  const found = new Set<string>()
  const dir = join(chartDir, 'charts')
  if (!existsSync(dir)) return found
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry)
    try {
      if (statSync(path).isDirectory()) {
        const meta = existsSync(join(path, 'Chart.yaml'))
          ? readChartMeta(readFileSync(join(path, 'Chart.yaml'), 'utf8'))
          : undefined
        if (typeof meta?.name === 'string') found.add(meta.name)
      } else if (entry.endsWith('.tgz')) {
        const name = packagedChartName(readFileSync(path))
        if (name) found.add(name)
      }
    } catch {
      // An unreadable entry is helm's to report.
    }
  }
  return found
}

export function isChartDirectory(chart: string): boolean {
  try {
    return statSync(chart).isDirectory()
  } catch {
    return false
  }
}

/** Declared dependencies not in charts/; empty for anything but a local chart directory. */
export function missingDependencies(chart: string): string[] {
  if (!isChartDirectory(chart)) return []
  const present = vendoredCharts(chart)
  return declaredDependencies(chart).filter(name => !present.has(name))
}
