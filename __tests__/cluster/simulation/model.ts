/** Typed views of the objects the simulation reads, plus the small pure helpers the controllers share. */
import { createHash, randomBytes } from 'node:crypto'
import { clone, isObject } from '../json.js'
import type { KubeObject, OwnerReference } from '../types.js'

export interface EnvVar {
  name: string
  value?: string
  valueFrom?: {
    configMapKeyRef?: { name?: string; key?: string; optional?: boolean }
    secretKeyRef?: { name?: string; key?: string; optional?: boolean }
  }
}

export interface EnvFromSource {
  configMapRef?: { name?: string; optional?: boolean }
  secretRef?: { name?: string; optional?: boolean }
}

export interface Probe {
  httpGet?: { path?: string; port?: number | string; scheme?: string }
  tcpSocket?: { port?: number | string }
  exec?: { command?: string[] }
  grpc?: { port?: number }
  periodSeconds?: number
  timeoutSeconds?: number
  successThreshold?: number
  failureThreshold?: number
  initialDelaySeconds?: number
}

export interface ResourceRequirements {
  requests?: Record<string, string | number>
  limits?: Record<string, string | number>
}

export interface Container {
  name: string
  image?: string
  imagePullPolicy?: string
  env?: EnvVar[]
  envFrom?: EnvFromSource[]
  resources?: ResourceRequirements
  readinessProbe?: Probe
  livenessProbe?: Probe
  startupProbe?: Probe
  ports?: { containerPort?: number; protocol?: string; name?: string }[]
  terminationMessagePath?: string
  terminationMessagePolicy?: string
  [field: string]: unknown
}

export interface Volume {
  name: string
  configMap?: { name?: string; optional?: boolean }
  secret?: { secretName?: string; optional?: boolean }
  persistentVolumeClaim?: { claimName?: string }
  projected?: {
    sources?: {
      configMap?: { name?: string; optional?: boolean }
      secret?: { name?: string; optional?: boolean }
    }[]
  }
  [field: string]: unknown
}

export interface PodSpec {
  containers: Container[]
  initContainers?: Container[]
  restartPolicy?: string
  nodeName?: string
  volumes?: Volume[]
  terminationGracePeriodSeconds?: number
  [field: string]: unknown
}

export interface PodTemplate {
  metadata?: {
    labels?: Record<string, string>
    annotations?: Record<string, string>
    [field: string]: unknown
  }
  spec: PodSpec
}

export interface Condition {
  type: string
  status: 'True' | 'False' | 'Unknown'
  reason?: string
  message?: string
  lastTransitionTime?: string
  lastUpdateTime?: string
  lastProbeTime?: string | null
  lastHeartbeatTime?: string
}

export interface ContainerState {
  waiting?: { reason?: string; message?: string }
  running?: { startedAt?: string }
  terminated?: {
    exitCode: number
    reason?: string
    message?: string
    startedAt?: string
    finishedAt?: string
    containerID?: string
  }
}

export interface ContainerStatus {
  name: string
  image: string
  imageID: string
  ready: boolean
  started?: boolean
  restartCount: number
  state: ContainerState
  lastState: ContainerState
  containerID?: string
}

export interface PodStatus {
  phase?: string
  conditions?: Condition[]
  hostIP?: string
  hostIPs?: { ip: string }[]
  podIP?: string
  podIPs?: { ip: string }[]
  startTime?: string
  containerStatuses?: ContainerStatus[]
  initContainerStatuses?: ContainerStatus[]
  qosClass?: string
  [field: string]: unknown
}

export interface Pod extends KubeObject {
  spec: PodSpec
  status?: PodStatus
}

export interface LabelSelector {
  matchLabels?: Record<string, string>
  matchExpressions?: { key: string; operator: string; values?: string[] }[]
}

export interface WorkloadSpec {
  replicas?: number
  selector?: LabelSelector
  template: PodTemplate
  minReadySeconds?: number
  [field: string]: unknown
}

export interface Workload extends KubeObject {
  spec: WorkloadSpec
  status?: Record<string, unknown>
}

/** A typed view of any stored object whose spec holds a pod template (after the API server's validation). */
export function asWorkload(object: KubeObject): Workload | undefined {
  const spec = object.spec
  if (!isObject(spec) || !isObject(spec.template) || !isObject(spec.template.spec)) return undefined
  if (!Array.isArray(spec.template.spec.containers)) return undefined
  return object as Workload
}

export function asPod(object: KubeObject): Pod | undefined {
  const spec = object.spec
  if (!isObject(spec) || !Array.isArray(spec.containers)) return undefined
  return object as Pod
}

export function conditionOf(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find(c => c.type === type)
}

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find(ref => ref.controller === true)
}

export function isControlledBy(object: KubeObject, owner: KubeObject): boolean {
  return owner.metadata.uid !== undefined && controllerOf(object)?.uid === owner.metadata.uid
}

export function ownerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true
  }
}

export function isPodTerminal(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed'
}

export function isPodActive(pod: Pod): boolean {
  return !isPodTerminal(pod) && !pod.metadata.deletionTimestamp
}

export function isPodReady(pod: Pod): boolean {
  return conditionOf(pod.status?.conditions, 'Ready')?.status === 'True'
}

/** Ready for at least minReadyMs (the controllers' notion of "available"). */
export function isPodAvailable(pod: Pod, minReadyMs: number, now: number): boolean {
  if (!isPodReady(pod)) return false
  if (minReadyMs <= 0) return true
  const since = conditionOf(pod.status?.conditions, 'Ready')?.lastTransitionTime
  return since !== undefined && Date.parse(since) + minReadyMs <= now
}

export function matchesSelector(
  labels: Record<string, string> | undefined,
  selector: LabelSelector | undefined
): boolean {
  if (!selector) return false
  const have = labels ?? {}
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (have[key] !== value) return false
  }
  for (const expression of selector.matchExpressions ?? []) {
    const value = have[expression.key]
    const values = expression.values ?? []
    switch (expression.operator) {
      case 'In':
        if (value === undefined || !values.includes(value)) return false
        break
      case 'NotIn':
        if (value !== undefined && values.includes(value)) return false
        break
      case 'Exists':
        if (value === undefined) return false
        break
      case 'DoesNotExist':
        if (value !== undefined) return false
        break
      default:
        return false
    }
  }
  return true
}

const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'

/** A suffix like the API server's generateName: 5 characters without vowels. */
export function randomSuffix(length = 5): string {
  let out = ''
  for (const byte of randomBytes(length)) out += NAME_ALPHABET[byte % NAME_ALPHABET.length] ?? 'x'
  return out
}

/** JSON with sorted keys, so equal objects serialise identically whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter(k => value[k] !== undefined)
      .sort()
    return `{${keys.map(k => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** A deterministic fraction in [0, 1) from a text (a pod uid and a counter): stands in for rand.Float64 in jitter. */
export function hashFraction(text: string): number {
  // FNV alone barely moves its high bits when only the last character changes: finish with murmur3's fmix32.
  let hash = fnv1a32(text)
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b)
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35)
  return ((hash ^ (hash >>> 16)) >>> 0) / 2 ** 32
}

function fnv1a32(text: string): number {
  let hash = 0x811c9dc5
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash >>> 0
}

export const POD_TEMPLATE_HASH = 'pod-template-hash'

/** A template without the pod-template-hash label, as the deployment controller compares templates. */
export function templateWithoutHash(template: PodTemplate): PodTemplate {
  const copy = clone(template)
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH]
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels
  }
  return copy
}

/**
 * The pod-template-hash: FNV-32a over the template, its decimal digits mapped onto the vowel-free alphabet,
 * as the deployment controller does (equal templates give equal hashes, so a rollback finds its old ReplicaSet).
 */
export function templateHash(template: PodTemplate, collisionCount = 0): string {
  const digits = String(fnv1a32(canonicalJson(templateWithoutHash(template)) + String(collisionCount || '')))
  let out = ''
  for (const char of digits) out += NAME_ALPHABET[char.charCodeAt(0) % NAME_ALPHABET.length] ?? 'x'
  return out
}

export function templatesEqual(a: PodTemplate, b: PodTemplate): boolean {
  return canonicalJson(templateWithoutHash(a)) === canonicalJson(templateWithoutHash(b))
}

/** A stable fake digest for an image reference. */
export function imageDigest(image: string): string {
  return createHash('sha256').update(image).digest('hex')
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

/** maxSurge / maxUnavailable: an integer, or a percentage of `total` rounded up or down. */
export function intOrPercent(value: unknown, total: number, roundUp: boolean, fallback: number): number {
  if (typeof value === 'number') return Math.max(0, Math.floor(value))
  if (typeof value === 'string') {
    const percent = /^(\d+)%$/.exec(value)
    if (percent) {
      const scaled = (Number(percent[1]) * total) / 100
      return roundUp ? Math.ceil(scaled) : Math.floor(scaled)
    }
    if (/^\d+$/.test(value)) return Number(value)
  }
  return fallback
}

/** Drops zero counts, as the API's omitempty status fields do. */
export function omitZero<T extends Record<string, unknown>>(status: T): T {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(status)) {
    if (value === 0 || value === undefined) continue
    out[key] = value
  }
  return out as T
}
