/**
 * PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902), and strategic merge patch with its
 * directives. Server-side apply is in managedfields.ts.
 */
import { badRequest } from './errors.js'
import { asArray, clone, deepEqual, isObject, type JsonObject } from './json.js'
import { StatusError } from './types.js'

// ---------------------------------------------------------------------------------------------------------
// JSON merge patch

export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch)
  const result: JsonObject = isObject(target) ? clone(target) : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = jsonMergePatch(result[key], value)
  }
  return result
}

// ---------------------------------------------------------------------------------------------------------
// JSON patch

function parsePointer(pointer: string): string[] {
  if (pointer === '') return []
  if (!pointer.startsWith('/'))
    throw badRequest(`the server rejected our request due to an error in our request`)
  return pointer
    .slice(1)
    .split('/')
    .map(token => token.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function patchFailure(message: string): StatusError {
  return new StatusError(422, 'Invalid', message)
}

function parentOf(
  doc: unknown,
  tokens: string[],
  op: string,
  path: string
): { parent: unknown; last: string } {
  let current = doc
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(current)) current = current[Number(token)]
    else if (isObject(current)) current = current[token]
    else current = undefined
    if (current === undefined)
      throw patchFailure(`${op} operation does not apply: doc is missing path: "${path}"`)
  }
  const last = tokens[tokens.length - 1]
  if (last === undefined) throw patchFailure(`${op} operation does not apply: doc is missing path: "${path}"`)
  return { parent: current, last }
}

function getAt(doc: unknown, path: string, op: string): unknown {
  let current = doc
  for (const token of parsePointer(path)) {
    if (Array.isArray(current)) current = current[Number(token)]
    else if (isObject(current)) current = current[token]
    else current = undefined
    if (current === undefined)
      throw patchFailure(`${op} operation does not apply: doc is missing path: "${path}"`)
  }
  return current
}

function addAt(doc: unknown, path: string, value: unknown, op: string): unknown {
  const tokens = parsePointer(path)
  if (tokens.length === 0) return clone(value)
  const { parent, last } = parentOf(doc, tokens, op, path)
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last)
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw patchFailure(`${op} operation does not apply: doc is missing path: "${path}"`)
    }
    parent.splice(index, 0, clone(value))
  } else if (isObject(parent)) parent[last] = clone(value)
  else throw patchFailure(`${op} operation does not apply: doc is missing path: "${path}"`)
  return doc
}

function removeAt(doc: unknown, path: string, op: string): unknown {
  const tokens = parsePointer(path)
  const { parent, last } = parentOf(doc, tokens, op, path)
  if (Array.isArray(parent)) {
    const index = Number(last)
    if (!Number.isInteger(index) || index < 0 || index >= parent.length) {
      throw patchFailure(`${op} operation does not apply: doc is missing path: "${path}"`)
    }
    parent.splice(index, 1)
  } else if (isObject(parent) && last in parent) delete parent[last]
  else throw patchFailure(`${op} operation does not apply: doc is missing path: "${path}"`)
  return doc
}

export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('json patch must be an array of operations')
  let doc = clone(target)
  for (const operation of operations) {
    if (!isObject(operation) || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      throw badRequest('invalid json patch operation')
    }
    const { op, path } = operation
    const from = typeof operation.from === 'string' ? operation.from : ''
    switch (op) {
      case 'add':
        doc = addAt(doc, path, operation.value, op)
        break
      case 'remove':
        doc = removeAt(doc, path, op)
        break
      case 'replace':
        getAt(doc, path, op)
        doc = addAt(removeAt(doc, path, op), path, operation.value, op)
        break
      case 'move': {
        const value = getAt(doc, from, op)
        doc = addAt(removeAt(doc, from, op), path, value, op)
        break
      }
      case 'copy':
        doc = addAt(doc, path, getAt(doc, from, op), op)
        break
      case 'test':
        if (!deepEqual(getAt(doc, path, op), operation.value)) {
          throw patchFailure(`testing value ${path} failed: test failed`)
        }
        break
      default:
        throw badRequest(`Unexpected kind: ${op}`)
    }
  }
  return doc
}

// ---------------------------------------------------------------------------------------------------------
// Strategic merge patch

const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers'])

const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  env: 'name',
  imagePullSecrets: 'name',
  resourceClaims: 'name',
  schedulingGates: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  hostAliases: 'ip',
  conditions: 'type',
  ownerReferences: 'uid',
  topologySpreadConstraints: 'topologyKey',
  readinessGates: 'conditionType'
}

/** Lists of scalars whose patch strategy is "merge" (union) rather than replace. */
const PRIMITIVE_MERGE_LISTS = new Set(['finalizers'])

type ListStrategy = { kind: 'replace' } | { kind: 'primitive' } | { kind: 'keyed'; key: string }

/** The patchMergeKey the Kubernetes types declare for a list, judged by its field name and where it sits. */
export function listStrategy(path: readonly string[], field: string): ListStrategy {
  if (field === 'ports') {
    return { kind: 'keyed', key: path.some(p => CONTAINER_LISTS.has(p)) ? 'containerPort' : 'port' }
  }
  if (PRIMITIVE_MERGE_LISTS.has(field)) return { kind: 'primitive' }
  const key = MERGE_KEYS[field]
  return key ? { kind: 'keyed', key } : { kind: 'replace' }
}

function stripDirectives(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value
      .filter(item => !(isObject(item) && item.$patch !== undefined && Object.keys(item).length === 1))
      .map(stripDirectives)
  }
  if (!isObject(value)) return value
  const out: JsonObject = {}
  for (const [key, item] of Object.entries(value)) {
    if (key.startsWith('$')) continue
    out[key] = stripDirectives(item)
  }
  return out
}

function sameKey(item: unknown, key: string, value: unknown): boolean {
  return isObject(item) && deepEqual(item[key], value)
}

function mergeList(original: unknown[], patch: unknown[], path: readonly string[], field: string): unknown[] {
  const strategy = listStrategy(path, field)
  if (strategy.kind === 'replace') return patch.map(stripDirectives)
  if (strategy.kind === 'primitive') {
    const result = [...original]
    for (const item of patch) if (!result.some(existing => deepEqual(existing, item))) result.push(item)
    return result
  }
  const key = strategy.key
  if (patch.some(item => isObject(item) && item.$patch === 'replace')) {
    return patch.filter(item => !(isObject(item) && item.$patch === 'replace')).map(stripDirectives)
  }
  let result = clone(original)
  const itemPath = [...path, field]
  for (const item of patch) {
    if (!isObject(item)) {
      result.push(item)
      continue
    }
    if (item.$patch === 'delete') {
      result = result.filter(existing => !sameKey(existing, key, item[key]))
      continue
    }
    const index =
      item[key] === undefined ? -1 : result.findIndex(existing => sameKey(existing, key, item[key]))
    if (index >= 0) {
      const merged = strategicMerge(asObjectOrEmpty(result[index]), item, itemPath)
      if (merged === undefined) result.splice(index, 1)
      else result[index] = merged
    } else {
      const added = strategicMerge({}, item, itemPath)
      if (added !== undefined) result.push(added)
    }
  }
  return result
}

function asObjectOrEmpty(value: unknown): JsonObject {
  return isObject(value) ? value : {}
}

function reorder(list: unknown[], order: unknown[], strategy: ListStrategy): unknown[] {
  const identity = (item: unknown): unknown =>
    strategy.kind === 'keyed' && isObject(item) ? item[strategy.key] : item
  const wanted = order.map(identity)
  const ordered: unknown[] = []
  for (const id of wanted) {
    const found = list.find(item => deepEqual(identity(item), id))
    if (found !== undefined) ordered.push(found)
  }
  const rest = list.filter(item => !wanted.some(id => deepEqual(identity(item), id)))
  return [...ordered, ...rest]
}

/** Applies a strategic merge patch to a map; undefined means the map itself was deleted ($patch: delete). */
export function strategicMerge(
  original: JsonObject,
  patch: JsonObject,
  path: readonly string[] = []
): JsonObject | undefined {
  if (patch.$patch === 'delete') return undefined
  if (patch.$patch === 'replace') return stripDirectives(patch) as JsonObject
  const result = clone(original)
  const orders: [string, unknown[]][] = []
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue
    if (key.startsWith('$setElementOrder/')) {
      orders.push([key.slice('$setElementOrder/'.length), asArray(value)])
      continue
    }
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length)
      const remove = asArray(value)
      if (Array.isArray(result[field])) {
        result[field] = result[field].filter(item => !remove.some(r => deepEqual(r, item)))
      }
      continue
    }
    if (key.startsWith('$')) continue
    if (value === null) {
      delete result[key]
    } else if (isObject(value)) {
      const merged = strategicMerge(asObjectOrEmpty(result[key]), value, [...path, key])
      if (merged === undefined) delete result[key]
      else result[key] = merged
    } else if (Array.isArray(value)) {
      result[key] = mergeList(asArray(result[key]), value, path, key)
    } else {
      result[key] = value
    }
  }
  for (const [field, order] of orders) {
    if (Array.isArray(result[field])) result[field] = reorder(result[field], order, listStrategy(path, field))
  }
  if (Array.isArray(patch.$retainKeys)) {
    const retain = new Set(patch.$retainKeys.map(String))
    for (const key of Object.keys(result)) if (!retain.has(key)) delete result[key]
  }
  return result
}
