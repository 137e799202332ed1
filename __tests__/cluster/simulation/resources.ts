/** Pod resource arithmetic shared by the scheduler, quota admission and QoS classification. */
import { isObject } from '../json.js'
import { parseQuantity } from './quantity.js'

export interface PodResources {
  /** cores */
  requestsCpu: number
  /** bytes */
  requestsMemory: number
  limitsCpu: number
  limitsMemory: number
  /** Containers without a request / limit for each resource (quota's "must specify"). */
  missing: Record<'requests.cpu' | 'requests.memory' | 'limits.cpu' | 'limits.memory', string[]>
}

interface ContainerLike {
  name?: unknown
  resources?: unknown
}

function containersOf(spec: unknown, field: 'containers' | 'initContainers'): ContainerLike[] {
  if (!isObject(spec)) return []
  const list = spec[field]
  return Array.isArray(list) ? list.filter(isObject) : []
}

function amount(resources: unknown, kind: 'requests' | 'limits', name: 'cpu' | 'memory'): number | undefined {
  if (!isObject(resources)) return undefined
  const values = resources[kind]
  if (!isObject(values)) return undefined
  return parseQuantity(values[name])
}

/** The effective requests and limits of a pod: the sum over containers, or the largest init container if bigger. */
export function podResources(spec: unknown): PodResources {
  const result: PodResources = {
    requestsCpu: 0,
    requestsMemory: 0,
    limitsCpu: 0,
    limitsMemory: 0,
    missing: { 'requests.cpu': [], 'requests.memory': [], 'limits.cpu': [], 'limits.memory': [] }
  }
  for (const container of containersOf(spec, 'containers')) {
    const name = typeof container.name === 'string' ? container.name : ''
    const add = (kind: 'requests' | 'limits', resource: 'cpu' | 'memory'): number => {
      // A limit without a request means request = limit (pod defaulting; templates do not have it yet).
      const value =
        amount(container.resources, kind, resource) ??
        (kind === 'requests' ? amount(container.resources, 'limits', resource) : undefined)
      if (value === undefined) result.missing[`${kind}.${resource}`].push(name)
      return value ?? 0
    }
    result.requestsCpu += add('requests', 'cpu')
    result.requestsMemory += add('requests', 'memory')
    result.limitsCpu += add('limits', 'cpu')
    result.limitsMemory += add('limits', 'memory')
  }
  for (const container of containersOf(spec, 'initContainers')) {
    result.requestsCpu = Math.max(result.requestsCpu, amount(container.resources, 'requests', 'cpu') ?? 0)
    result.requestsMemory = Math.max(
      result.requestsMemory,
      amount(container.resources, 'requests', 'memory') ?? 0
    )
  }
  return result
}

/** Guaranteed / Burstable / BestEffort, by the kubelet's rules. */
export function qosClass(spec: unknown): string {
  const containers = [...containersOf(spec, 'containers'), ...containersOf(spec, 'initContainers')]
  let any = false
  let guaranteed = containers.length > 0
  for (const container of containers) {
    for (const resource of ['cpu', 'memory'] as const) {
      const limit = amount(container.resources, 'limits', resource)
      const request = amount(container.resources, 'requests', resource) ?? limit
      if (limit !== undefined || request !== undefined) any = true
      if (limit === undefined || request !== limit) guaranteed = false
    }
  }
  if (!any) return 'BestEffort'
  return guaranteed ? 'Guaranteed' : 'Burstable'
}
