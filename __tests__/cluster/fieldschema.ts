/**
 * The list and map types server-side apply needs to name fields: which lists are maps keyed by some fields
 * (containers by name, container ports by containerPort+protocol, ...), which are sets of scalars, which
 * are atomic (replaced whole); which maps are atomic (label selectors). Built-ins are judged by field name
 * and position, as their Go types declare them; custom resources by their CRD's openAPIV3Schema
 * (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`; lists default to atomic).
 */
import { asArray, asObject, asString, type JsonObject } from './json.js'
import type { ResourceInfo } from './resources.js'

export type ListType =
  { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[]; defaults: Record<string, unknown> }

export interface FieldSchema {
  /** The type of the list at `path` (field names from the object root, list keys left out). */
  list(path: readonly string[]): ListType
  /** Whether the map at `path` is atomic (owned and replaced as one value). */
  atomicMap(path: readonly string[]): boolean
  /**
   * Whether the map at `path` always exists in a typed object (Go struct fields that are not pointers):
   * such a map is never itself "added" by an update, so managedFields gives it no `.` entry.
   */
  alwaysPresent(path: readonly string[]): boolean
  /** Empty lists and maps are dropped (Go's omitempty on the built-in types); custom resources keep them. */
  omitEmpty: boolean
}

const ATOMIC: ListType = { type: 'atomic' }
const SET: ListType = { type: 'set' }

function keyed(keys: string[], defaults: Record<string, unknown> = {}): ListType {
  return { type: 'map', keys, defaults }
}

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers'])

/** Built-in lists that are maps, by field name (the Go types' +listType=map / +listMapKey). */
const BUILT_IN_MAP_LISTS: Record<string, ListType> = {
  containers: keyed(['name']),
  initContainers: keyed(['name']),
  ephemeralContainers: keyed(['name']),
  env: keyed(['name']),
  volumes: keyed(['name']),
  volumeMounts: keyed(['mountPath']),
  volumeDevices: keyed(['devicePath']),
  imagePullSecrets: keyed(['name']),
  resourceClaims: keyed(['name']),
  schedulingGates: keyed(['name']),
  hostAliases: keyed(['ip']),
  conditions: keyed(['type']),
  ownerReferences: keyed(['uid']),
  topologySpreadConstraints: keyed(['topologyKey', 'whenUnsatisfiable'])
}

const BUILT_IN_SETS = new Set(['finalizers'])

/** Struct fields that are values, not pointers, in the Go types (present, if empty, in every object). */
const ALWAYS_PRESENT = new Set([
  'metadata',
  'spec',
  'status',
  'template',
  'strategy',
  'updateStrategy',
  'resources'
])

const PROTOCOL_DEFAULT = { protocol: 'TCP' }

function builtInSchema(resource: string): FieldSchema {
  return {
    list(path) {
      const field = path[path.length - 1] ?? ''
      if (field === 'ports') {
        if (path.some(p => CONTAINER_LISTS.has(p)))
          return keyed(['containerPort', 'protocol'], PROTOCOL_DEFAULT)
        if (resource === 'services' && path.length === 2) return keyed(['port', 'protocol'], PROTOCOL_DEFAULT)
        return ATOMIC
      }
      if (BUILT_IN_SETS.has(field)) return SET
      return BUILT_IN_MAP_LISTS[field] ?? ATOMIC
    },
    atomicMap(path) {
      const field = path[path.length - 1] ?? ''
      return field === 'selector' || (field.endsWith('Selector') && field !== 'nodeSelector')
    },
    alwaysPresent(path) {
      return ALWAYS_PRESENT.has(path[path.length - 1] ?? '')
    },
    omitEmpty: true
  }
}

/** The schema node at `path` in a structural schema, following properties, items and additionalProperties. */
function nodeAt(schema: JsonObject | undefined, path: readonly string[]): JsonObject | undefined {
  let node = schema
  for (const name of path) {
    if (!node) return undefined
    if (node.type === 'array') node = asObject(node.items)
    const properties = asObject(node?.properties)
    node = asObject(properties?.[name]) ?? asObject(node?.additionalProperties)
  }
  if (node?.type === 'array') return node
  return node
}

function customSchema(schema: JsonObject | undefined): FieldSchema {
  const metadata = builtInSchema('')
  return {
    list(path) {
      if (path[0] === 'metadata') return metadata.list(path)
      const node = nodeAt(schema, path)
      const type = asString(node?.['x-kubernetes-list-type'])
      if (type === 'set') return SET
      if (type === 'map') return keyed(asArray(node?.['x-kubernetes-list-map-keys']).map(String))
      return ATOMIC
    },
    atomicMap(path) {
      if (path[0] === 'metadata') return metadata.atomicMap(path)
      return asString(nodeAt(schema, path)?.['x-kubernetes-map-type']) === 'atomic'
    },
    alwaysPresent(path) {
      return path.length === 1 && path[0] === 'metadata'
    },
    omitEmpty: false
  }
}

const BUILT_IN_CACHE = new Map<string, FieldSchema>()

export function fieldSchemaFor(info: ResourceInfo): FieldSchema {
  if (info.custom) return customSchema(info.custom.schema)
  let found = BUILT_IN_CACHE.get(info.resource)
  if (!found) {
    found = builtInSchema(info.resource)
    BUILT_IN_CACHE.set(info.resource, found)
  }
  return found
}
