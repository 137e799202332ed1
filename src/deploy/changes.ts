/**
 * What an upgrade changed, in a line each, for a failure's first screen: the images and the values that differ
 * between the revision live before and the attempted one (`image ghcr.io/acme/web 2.1.0 → 2.2.0`,
 * `replicas 2 → 3`). set-secret keys are named, their values never shown. Pure.
 */
import { parseManifest } from '../plan/changes.js'

export interface RevisionContent {
  /** `helm get values -o json`: the user-supplied values. */
  values: unknown
  manifest: string
}

const MAX_VALUE = 60

function flatten(value: unknown, path: string, out: Map<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out)
  } else {
    out.set(path, JSON.stringify(value) ?? 'null')
  }
}

function shown(value: string | undefined): string {
  if (value === undefined) return '(unset)'
  const plain = /^"[^"\\]*"$/.test(value) ? value.slice(1, -1) : value
  return plain.length > MAX_VALUE ? `${plain.slice(0, MAX_VALUE - 1)}…` : plain
}

/** `repo/name:tag` → [`repo/name`, `tag`] (a digest counts as the tag). */
function splitImage(image: string): [string, string] {
  const at = image.indexOf('@')
  if (at >= 0) return [image.slice(0, at), image.slice(at + 1)]
  const colon = image.lastIndexOf(':')
  return colon > image.lastIndexOf('/') ? [image.slice(0, colon), image.slice(colon + 1)] : [image, 'latest']
}

/** Container images of every workload in a manifest, by `<kind>/<name>/<container>`. */
function images(manifest: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const r of parseManifest(manifest, '')) {
    const spec = (r.object.spec ?? {}) as {
      template?: { spec?: { containers?: { name?: string; image?: string }[] } }
      containers?: { name?: string; image?: string }[]
    }
    const containers = spec.template?.spec?.containers ?? spec.containers ?? []
    for (const c of containers) if (c.name && c.image) out.set(`${r.kind}/${r.name}/${c.name}`, c.image)
  }
  return out
}

export function deployChanges(
  before: RevisionContent,
  after: RevisionContent,
  secretKeys: readonly string[]
): string[] {
  const lines: string[] = []
  const oldImages = images(before.manifest)
  const changedImages = new Set<string>()
  for (const [where, image] of images(after.manifest)) {
    const old = oldImages.get(where)
    if (old === undefined || old === image) continue
    changedImages.add(image)
    const [repo, tag] = splitImage(image)
    const [oldRepo, oldTag] = splitImage(old)
    lines.push(repo === oldRepo ? `image ${repo} ${oldTag} → ${tag}` : `image ${old} → ${image}`)
  }
  const oldValues = new Map<string, string>()
  const newValues = new Map<string, string>()
  flatten(before.values ?? {}, '', oldValues)
  flatten(after.values ?? {}, '', newValues)
  const secret = (key: string): boolean =>
    secretKeys.some(s => key === s || key.startsWith(`${s}.`) || key.startsWith(`${s}[`))
  for (const key of [...new Set([...oldValues.keys(), ...newValues.keys()])].sort()) {
    const a = oldValues.get(key)
    const b = newValues.get(key)
    // An image value is already said by its image line.
    if (a === b || key === '' || changedImages.has(shown(b))) continue
    lines.push(secret(key) ? `${key} (a set-secret value) changed` : `${key} ${shown(a)} → ${shown(b)}`)
  }
  return lines
}
