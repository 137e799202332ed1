/**
 * What a deploy would change: the planned manifest against the live release, resource by resource (keyed by
 * group, kind, namespace and name), with a unified diff of each changed resource's YAML in a normalised key
 * order. helm's bookkeeping that moves on every release is split off as noise; Secrets are compared by key only,
 * never showing a value. Pure.
 */
import { structuredPatch } from 'diff'
import { parseAllDocuments, stringify } from 'yaml'

export type PlanAction = 'add' | 'change' | 'destroy' | 'unchanged'

export interface ManifestResource {
  /** `apps/Deployment/shop/web`. */
  key: string
  apiVersion: string
  kind: string
  namespace: string
  name: string
  object: Record<string, unknown>
}

export interface SecretKeyChanges {
  added: string[]
  removed: string[]
  changed: string[]
}

export interface PlanEntry {
  action: PlanAction
  apiVersion: string
  kind: string
  namespace: string
  name: string
  /** Unified diff of the YAML without the noise; empty for a change that is only noise. */
  diff: string
  /** The diff of helm's per-release bookkeeping (chart label version, checksum/* annotations). */
  noise: string
  /** For Secrets: which keys of data/stringData changed; never a value. */
  secretKeys?: SecretKeyChanges
}

export interface PlanHook {
  kind: string
  name: string
  events: string[]
}

export interface Plan {
  add: number
  change: number
  destroy: number
  unchanged: number
  /** Every resource but the unchanged ones, in key order. */
  entries: PlanEntry[]
  hooks: PlanHook[]
  /** CRDs in the chart's crds/ that helm would install (it never upgrades them). */
  crds: string[]
  /** How the planned manifest was rendered: `server` (dry-run against the API server) or `client`. */
  rendering: 'server' | 'client'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The resources of a manifest (helm's `---`-separated YAML); namespaced ones default to the release's namespace. */
export function parseManifest(text: string, releaseNamespace: string): ManifestResource[] {
  const resources: ManifestResource[] = []
  for (const document of parseAllDocuments(text)) {
    const object: unknown = document.toJS()
    if (!isRecord(object)) continue
    const metadata = isRecord(object.metadata) ? object.metadata : {}
    const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : ''
    const kind = typeof object.kind === 'string' ? object.kind : ''
    const name = typeof metadata.name === 'string' ? metadata.name : ''
    if (kind === '' || name === '') continue
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : releaseNamespace
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : ''
    resources.push({
      key: `${group}/${kind}/${namespace}/${name}`,
      apiVersion,
      kind,
      namespace,
      name,
      object
    })
  }
  return resources
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (!isRecord(value)) return value
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map(key => [key, sortKeys(value[key])])
  )
}

function yamlOf(object: unknown): string {
  return object === undefined ? '' : stringify(sortKeys(object), { lineWidth: 0 })
}

function unified(before: string, after: string): string {
  if (before === after) return ''
  const patch = structuredPatch('live', 'planned', before, after, '', '', { context: 3 })
  return patch.hunks
    .map(h => [`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`, ...h.lines].join('\n'))
    .join('\n')
}

const NOISE_ANNOTATION = /^checksum\//

/** Splits off the fields helm changes on every release: `checksum/*` annotations and the chart label's version. */
function splitNoise(object: Record<string, unknown>, otherChart?: string): { core: unknown; noise: unknown } {
  const core = structuredClone(object)
  const noise: Record<string, unknown> = {}
  const take = (holder: Record<string, unknown> | undefined, path: string): void => {
    if (!holder) return
    const annotations = isRecord(holder.annotations) ? holder.annotations : undefined
    for (const key of Object.keys(annotations ?? {})) {
      if (NOISE_ANNOTATION.test(key) && annotations) {
        noise[`${path}.annotations.${key}`] = annotations[key]
        delete annotations[key]
      }
    }
    if (annotations && Object.keys(annotations).length === 0) delete holder.annotations
    const labels = isRecord(holder.labels) ? holder.labels : undefined
    const chart = labels?.['helm.sh/chart']
    if (labels && typeof chart === 'string' && otherChart !== undefined && sameChartName(chart, otherChart)) {
      noise[`${path}.labels.helm.sh/chart`] = chart
      delete labels['helm.sh/chart']
      if (Object.keys(labels).length === 0) delete holder.labels
    }
  }
  const metadata = isRecord(core.metadata) ? core.metadata : undefined
  take(metadata, 'metadata')
  const spec = isRecord(core.spec) ? core.spec : undefined
  const template = spec && isRecord(spec.template) ? spec.template : undefined
  take(template && isRecord(template.metadata) ? template.metadata : undefined, 'spec.template.metadata')
  return { core, noise: Object.keys(noise).length > 0 ? noise : undefined }
}

/** `web-1.2.0` and `web-1.3.0`: the same chart, another version (only the version part moved). */
function sameChartName(a: string, b: string): boolean {
  const name = (label: string): string => label.replace(/-v?\d+\.\d+\.\d+.*$/, '')
  return name(a) === name(b)
}

function chartLabel(object: Record<string, unknown> | undefined): string | undefined {
  const metadata = object && isRecord(object.metadata) ? object.metadata : undefined
  const labels = metadata && isRecord(metadata.labels) ? metadata.labels : undefined
  const chart = labels?.['helm.sh/chart']
  return typeof chart === 'string' ? chart : undefined
}

/** A Secret's values leave here: keys are compared by a value digest that never appears in the plan. */
function secretKeys(before?: Record<string, unknown>, after?: Record<string, unknown>): SecretKeyChanges {
  const values = (secret?: Record<string, unknown>): Map<string, string> => {
    const out = new Map<string, string>()
    if (!secret) return out
    const data = isRecord(secret.data) ? secret.data : {}
    const stringData = isRecord(secret.stringData) ? secret.stringData : {}
    for (const [k, v] of Object.entries(data)) out.set(k, Buffer.from(String(v), 'base64').toString('utf8'))
    for (const [k, v] of Object.entries(stringData)) out.set(k, String(v))
    return out
  }
  const old = values(before)
  const next = values(after)
  return {
    added: [...next.keys()].filter(k => !old.has(k)).sort(),
    removed: [...old.keys()].filter(k => !next.has(k)).sort(),
    changed: [...next.keys()].filter(k => old.has(k) && old.get(k) !== next.get(k)).sort()
  }
}

function withoutSecretValues(
  object: Record<string, unknown> | undefined
): Record<string, unknown> | undefined {
  if (!object) return undefined
  const copy = structuredClone(object)
  delete copy.data
  delete copy.stringData
  return copy
}

function entryOf(live: ManifestResource | undefined, planned: ManifestResource | undefined): PlanEntry {
  const some = (planned ?? live) as ManifestResource
  const secret = some.kind === 'Secret' && some.apiVersion === 'v1'
  const before = secret ? withoutSecretValues(live?.object) : live?.object
  const after = secret ? withoutSecretValues(planned?.object) : planned?.object
  const split = (object?: Record<string, unknown>, other?: Record<string, unknown>) =>
    object ? splitNoise(object, chartLabel(other)) : { core: undefined, noise: undefined }
  const a = split(before, after)
  const b = split(after, before)
  const diff = unified(yamlOf(a.core), yamlOf(b.core))
  const noise = unified(yamlOf(a.noise), yamlOf(b.noise))
  const keys = secret ? secretKeys(live?.object, planned?.object) : undefined
  const keysChanged = keys !== undefined && keys.added.length + keys.removed.length + keys.changed.length > 0
  const action: PlanAction = !live
    ? 'add'
    : !planned
      ? 'destroy'
      : diff !== '' || noise !== '' || keysChanged
        ? 'change'
        : 'unchanged'
  const entry: PlanEntry = {
    action,
    apiVersion: some.apiVersion,
    kind: some.kind,
    namespace: some.namespace,
    name: some.name,
    diff,
    noise
  }
  if (keys) entry.secretKeys = keys
  return entry
}

export interface PlanInput {
  live: readonly ManifestResource[]
  planned: readonly ManifestResource[]
  hooks: readonly PlanHook[]
  crds: readonly string[]
  rendering: 'server' | 'client'
}

export function planChanges(input: PlanInput): Plan {
  const live = new Map(input.live.map(r => [r.key, r]))
  const planned = new Map(input.planned.map(r => [r.key, r]))
  const keys = [...new Set([...live.keys(), ...planned.keys()])].sort()
  const all = keys.map(key => entryOf(live.get(key), planned.get(key)))
  const count = (action: PlanAction): number => all.filter(e => e.action === action).length
  return {
    add: count('add'),
    change: count('change'),
    destroy: count('destroy'),
    unchanged: count('unchanged'),
    entries: all.filter(e => e.action !== 'unchanged'),
    // helm test hooks are not part of a deploy.
    hooks: input.hooks.filter(h => !h.events.some(e => e === 'test' || e === 'test-success')),
    crds: [...input.crds],
    rendering: input.rendering
  }
}

export function hasChanges(plan: Plan): boolean {
  return plan.add + plan.change + plan.destroy > 0
}

export function planHeadline(plan: Plan): string {
  return `Plan: ${plan.add} to add, ${plan.change} to change, ${plan.destroy} to destroy`
}
