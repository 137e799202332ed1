/**
 * Which of the named helm controls the installed helm supports. Checked once the binary's version is known and
 * before anything reaches the cluster; each problem names the input and the helm that supports it. Pure.
 */
import type { HelmControls } from './args.js'

export interface HelmVersionParts {
  major: number
  minor: number
}

/** `v3.17.1` → {3, 17}; undefined for anything else. */
export function helmVersionParts(version: string): HelmVersionParts | undefined {
  const match = /^v?(\d+)\.(\d+)\./.exec(version)
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined
}

type Checked = Pick<
  HelmControls,
  'waitStrategy' | 'serverSide' | 'forceConflicts' | 'takeOwnership' | 'postRenderer'
>

/** Problems as `<input>: <why>`, in the inputs' order; empty when this helm can do everything asked. */
export function unsupportedControls(controls: Checked, version: string): string[] {
  const parts = helmVersionParts(version)
  if (!parts) return []
  const installed = `the installed helm is ${version}`
  const problems: string[] = []
  if (parts.major === 3) {
    if (controls.waitStrategy !== 'watcher') {
      problems.push(
        `wait-strategy: ${controls.waitStrategy} needs Helm 4 (${installed}; Helm 3 always waits by polling, as Helm 4's legacy does)`
      )
    }
    if (controls.serverSide !== 'auto') {
      problems.push(
        `server-side: ${controls.serverSide} needs Helm 4 (${installed}; Helm 3 always applies client-side with a three-way merge)`
      )
    }
    if (controls.forceConflicts) {
      problems.push(`force-conflicts needs Helm 4, which applies server-side (${installed})`)
    }
    if (controls.takeOwnership && parts.minor < 17) {
      problems.push(`take-ownership needs helm 3.17 or later (${installed})`)
    }
  }
  if (parts.major >= 4 && /[/\\]/.test(controls.postRenderer)) {
    problems.push(
      `post-renderer: Helm 4 takes the name of a post-renderer plugin, not a path ("${controls.postRenderer}"; ${installed}); Helm 3 takes the path of an executable`
    )
  }
  return problems
}
