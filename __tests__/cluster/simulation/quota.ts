/** ResourceQuota: admission that refuses what would exceed `spec.hard`, and the controller that keeps `status.used`. */
import { forbidden } from '../errors.js'
import { deepEqual, isObject } from '../json.js'
import { RESOURCES, resourceInfo } from '../resources.js'
import type { AdmissionHook, ClusterStore, KubeObject, ResourceName } from '../types.js'
import { guarded, type Controller } from './context.js'
import { asPod, isPodTerminal } from './model.js'
import { formatQuantity, parseQuantity } from './quantity.js'
import { podResources } from './resources.js'

const COMPUTE_KEYS: Record<string, 'requestsCpu' | 'requestsMemory' | 'limitsCpu' | 'limitsMemory'> = {
  cpu: 'requestsCpu',
  'requests.cpu': 'requestsCpu',
  memory: 'requestsMemory',
  'requests.memory': 'requestsMemory',
  'limits.cpu': 'limitsCpu',
  'limits.memory': 'limitsMemory'
}

const MISSING_NAME: Record<string, 'requests.cpu' | 'requests.memory' | 'limits.cpu' | 'limits.memory'> = {
  cpu: 'requests.cpu',
  'requests.cpu': 'requests.cpu',
  memory: 'requests.memory',
  'requests.memory': 'requests.memory',
  'limits.cpu': 'limits.cpu',
  'limits.memory': 'limits.memory'
}

const OBJECT_COUNT_KEYS: Partial<Record<string, ResourceName>> = {
  pods: 'pods',
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  persistentvolumeclaims: 'persistentvolumeclaims',
  resourcequotas: 'resourcequotas'
}

/** The resource a quota key counts objects of (`pods`, `count/deployments.apps`, ...). */
function countedResource(key: string): ResourceName | undefined {
  const direct = OBJECT_COUNT_KEYS[key]
  if (direct) return direct
  const match = /^count\/([a-z]+)(?:\.(.+))?$/.exec(key)
  if (!match) return undefined
  return RESOURCES.find(r => r.resource === match[1] && r.group === (match[2] ?? ''))?.resource
}

function isCpuKey(key: string): boolean {
  return key === 'cpu' || key.endsWith('.cpu')
}

function formatAmount(key: string, value: number): string {
  if (COMPUTE_KEYS[key] || key === 'requests.storage')
    return formatQuantity(value, isCpuKey(key) ? 'cpu' : 'memory')
  return String(value)
}

function pvcStorage(object: KubeObject): number {
  const spec = object.spec
  if (!isObject(spec) || !isObject(spec.resources) || !isObject(spec.resources.requests)) return 0
  return parseQuantity(spec.resources.requests.storage) ?? 0
}

/** What one object adds to each key of a quota. */
function contribution(resource: ResourceName, object: KubeObject, key: string): number {
  if (countedResource(key) === resource) {
    if (resource === 'pods') {
      const pod = asPod(object)
      return pod && isPodTerminal(pod) ? 0 : 1
    }
    return 1
  }
  const compute = COMPUTE_KEYS[key]
  if (compute && resource === 'pods') {
    const pod = asPod(object)
    if (!pod || isPodTerminal(pod)) return 0
    return podResources(pod.spec)[compute]
  }
  if (key === 'requests.storage' && resource === 'persistentvolumeclaims') return pvcStorage(object)
  return 0
}

function resourcesFor(key: string): ResourceName[] {
  const counted = countedResource(key)
  if (counted) return [counted]
  if (COMPUTE_KEYS[key]) return ['pods']
  if (key === 'requests.storage') return ['persistentvolumeclaims']
  return []
}

interface Quota {
  object: KubeObject
  hard: Record<string, number>
  hardText: Record<string, string>
}

function quotasIn(store: ClusterStore, namespace: string): Quota[] {
  return store.list('resourcequotas', namespace).map(object => {
    const hard: Record<string, number> = {}
    const hardText: Record<string, string> = {}
    const spec = isObject(object.spec) && isObject(object.spec.hard) ? object.spec.hard : {}
    for (const [key, value] of Object.entries(spec)) {
      const parsed = parseQuantity(value)
      if (parsed === undefined) continue
      hard[key] = parsed
      hardText[key] = typeof value === 'string' ? value : String(value)
    }
    return { object, hard, hardText }
  })
}

function used(store: ClusterStore, namespace: string, key: string, exclude?: KubeObject): number {
  let total = 0
  for (const resource of resourcesFor(key)) {
    for (const object of store.list(resource, namespace)) {
      if (exclude && object.metadata.name === exclude.metadata.name) continue
      total += contribution(resource, object, key)
    }
  }
  return total
}

/** Refuses a create that would take a namespace over one of its quotas, worded like the quota admission plugin. */
export const quotaAdmission: AdmissionHook = (operation, resource, object, store) => {
  if (operation !== 'create' || resource === 'events') return
  const namespace = object.metadata.namespace
  if (!namespace) return
  const quotas = quotasIn(store, namespace)
  if (quotas.length === 0) return
  const r = resourceInfo(resource)
  const name = object.metadata.name || object.metadata.generateName || ''
  const pod = resource === 'pods' ? asPod(object) : undefined
  for (const quota of quotas) {
    const keys = Object.keys(quota.hard)
      .filter(key => resourcesFor(key).includes(resource))
      .sort()
    if (keys.length === 0) continue
    if (pod) {
      const missing = podResources(pod.spec).missing
      const unspecified = [
        ...new Set(
          keys.map(key => MISSING_NAME[key]).filter((k): k is NonNullable<typeof k> => k !== undefined)
        )
      ]
        .sort()
        .filter(key => missing[key].length > 0)
        .map(key => `${key} for: ${missing[key].join(',')}`)
      if (unspecified.length > 0) {
        throw forbidden(
          r,
          name,
          `failed quota: ${quota.object.metadata.name}: must specify ${unspecified.join('; ')}`
        )
      }
    }
    const exceeded = keys.filter(key => {
      const requested = contribution(resource, object, key)
      return requested > 0 && used(store, namespace, key, object) + requested > (quota.hard[key] ?? 0)
    })
    if (exceeded.length === 0) continue
    const list = (value: (key: string) => string): string =>
      exceeded.map(key => `${key}=${value(key)}`).join(',')
    throw forbidden(
      r,
      name,
      `exceeded quota: ${quota.object.metadata.name}, requested: ${list(key =>
        formatAmount(key, contribution(resource, object, key))
      )}, used: ${list(key => formatAmount(key, used(store, namespace, key, object)))}, limited: ${list(
        key => quota.hardText[key] ?? ''
      )}`
    )
  }
}

/** Keeps every quota's status.hard and status.used current. */
export class QuotaController implements Controller {
  constructor(private readonly store: ClusterStore) {}

  sync(): void {
    for (const object of this.store.list('resourcequotas')) {
      guarded(`quota ${object.metadata.name}`, () => this.syncQuota(object))
    }
  }

  private syncQuota(object: KubeObject): void {
    const namespace = object.metadata.namespace ?? ''
    const [quota] = quotasIn(this.store, namespace).filter(
      q => q.object.metadata.name === object.metadata.name
    )
    if (!quota) return
    const usedText: Record<string, string> = {}
    for (const key of Object.keys(quota.hard))
      usedText[key] = formatAmount(key, used(this.store, namespace, key))
    const status = { hard: { ...quota.hardText }, used: usedText }
    if (deepEqual(object.status, status)) return
    this.store.updateStatus('resourcequotas', { ...object, status })
  }
}
