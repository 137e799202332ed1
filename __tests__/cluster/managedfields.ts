/**
 * Server-side apply and field ownership like the API server's fieldmanager (structured-merge-diff):
 * `metadata.managedFields` with one entry per manager (Apply, or Update per apiVersion), fieldsV1 sets
 * (`f:<field>`, `k:{<keys>}`, `v:<value>`, `.`), ownership moving on updates, pruning of what an applier
 * stopped applying, and 409 conflicts when an apply changes a field another manager owns (unless forced).
 *
 * A field path is a list of path elements in fieldsV1 spelling, joined by "\n" to be a Set member.
 */
import { StatusError } from './types.js'
import { asArray, clone, deepEqual, isObject, timestamp, type JsonObject } from './json.js'
import type { FieldSchema, ListType } from './fieldschema.js'
import type { KubeObject } from './types.js'

const SEPARATOR = '\n'

export type FieldSet = Set<string>

export type Operation = 'Apply' | 'Update'

export interface Manager {
  manager: string
  operation: Operation
  apiVersion: string
  time?: string
  subresource?: string
  fields: FieldSet
}

/** The part of an object whose fields are owned: metadata the server sets, and status (own subresource), stay out. */
export type Scope = 'main' | 'main-with-status'

const UNOWNED_METADATA = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields'
]

/** The owned content of an object: what field sets are computed over. */
export function ownedContent(object: KubeObject, scope: Scope): JsonObject {
  const { apiVersion: _apiVersion, kind: _kind, metadata, status, ...rest } = object
  const meta: JsonObject = { ...metadata }
  for (const key of UNOWNED_METADATA) delete meta[key]
  const content: JsonObject = { ...rest }
  if (Object.keys(meta).length) content.metadata = meta
  if (scope === 'main-with-status' && status !== undefined) content.status = status
  return content
}

// ---------------------------------------------------------------------------------------------------------
// Path elements

/** The key element of a map-list item: `k:{"containerPort":80,"protocol":"TCP"}` (fields sorted). */
function keyElement(item: JsonObject, list: Extract<ListType, { type: 'map' }>): string | undefined {
  const key: JsonObject = {}
  for (const name of [...list.keys].sort()) {
    const value = item[name] ?? list.defaults[name]
    if (value === undefined) return undefined
    key[name] = value
  }
  return `k:${JSON.stringify(key)}`
}

function join(path: readonly string[]): string {
  return path.join(SEPARATOR)
}

function split(path: string): string[] {
  return path === '' ? [] : path.split(SEPARATOR)
}

/** A path as the API server prints it in conflicts: `.spec.template.spec.containers[name="web"].image`. */
export function pathText(path: string): string {
  return split(path)
    .map(element => {
      const body = element.slice(2)
      switch (element[0]) {
        case 'f':
          return `.${body}`
        case 'k': {
          const key = JSON.parse(body) as JsonObject
          return `[${Object.entries(key)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`)
            .join(',')}]`
        }
        case 'v': {
          const value = JSON.parse(body) as unknown
          return `[=${typeof value === 'string' ? JSON.stringify(value) : String(value)}]`
        }
        default:
          return `[${body}]`
      }
    })
    .join('')
}

const ELEMENT_ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 }

/** Set iteration order of structured-merge-diff: element by element, field names before keys and values. */
function comparePaths(a: string, b: string): number {
  const pa = split(a)
  const pb = split(b)
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i] ?? ''
    const y = pb[i] ?? ''
    if (x === y) continue
    const kind = (ELEMENT_ORDER[x[0] ?? ''] ?? 9) - (ELEMENT_ORDER[y[0] ?? ''] ?? 9)
    if (kind !== 0) return kind
    return x < y ? -1 : 1
  }
  return pa.length - pb.length
}

// ---------------------------------------------------------------------------------------------------------
// Field sets of objects

/** The fields an object (an applied configuration) sets: leaves, list items, empty maps, atomic values. */
export function fieldSetOf(content: JsonObject, schema: FieldSchema): FieldSet {
  const set: FieldSet = new Set()
  const walk = (value: unknown, path: string[], names: string[]): void => {
    if (isObject(value)) {
      if (path.length && (Object.keys(value).length === 0 || schema.atomicMap(names))) {
        set.add(join(path))
        return
      }
      for (const [key, child] of Object.entries(value)) {
        if (child === undefined) continue
        walk(child, [...path, `f:${key}`], [...names, key])
      }
      return
    }
    if (Array.isArray(value)) {
      const list = schema.list(names)
      if (list.type === 'atomic') set.add(join(path))
      else if (list.type === 'set')
        for (const item of value) set.add(join([...path, `v:${JSON.stringify(item)}`]))
      else {
        for (const item of value) {
          const key = isObject(item) ? keyElement(item, list) : undefined
          if (!key || !isObject(item)) {
            set.add(join(path)) // an item without its keys: own the list as a whole
            continue
          }
          const itemPath = [...path, key]
          set.add(join(itemPath))
          walk(item, itemPath, names)
        }
      }
      return
    }
    set.add(join(path))
  }
  walk(content, [], [])
  return set
}

export interface Comparison {
  added: FieldSet
  modified: FieldSet
  removed: FieldSet
}

function listItems(value: unknown, list: ListType): Map<string, unknown> {
  const items = new Map<string, unknown>()
  for (const item of asArray(value)) {
    if (list.type === 'set') items.set(`v:${JSON.stringify(item)}`, item)
    else if (list.type === 'map' && isObject(item)) {
      const key = keyElement(item, list)
      if (key) items.set(key, item)
    }
  }
  return items
}

/** What changed between two objects' owned content, path by path (typed.Compare). */
export function compareContent(before: JsonObject, after: JsonObject, schema: FieldSchema): Comparison {
  const result: Comparison = { added: new Set(), modified: new Set(), removed: new Set() }
  const subtree = (value: unknown, path: string[], names: string[], into: FieldSet): void => {
    // Everything under a node that exists on one side only.
    if (isObject(value) && Object.keys(value).length && !schema.atomicMap(names)) {
      if (!schema.alwaysPresent(names)) into.add(join(path))
      for (const [key, child] of Object.entries(value)) {
        if (child !== undefined) subtree(child, [...path, `f:${key}`], [...names, key], into)
      }
      return
    }
    if (Array.isArray(value)) {
      const list = schema.list(names)
      if (list.type === 'atomic') {
        into.add(join(path))
        return
      }
      for (const [key, item] of listItems(value, list)) {
        if (list.type === 'set') into.add(join([...path, key]))
        else subtree(item, [...path, key], names, into)
      }
      return
    }
    into.add(join(path))
  }
  const walk = (a: unknown, b: unknown, path: string[], names: string[]): void => {
    if (a === undefined && b === undefined) return
    if (a === undefined) return subtree(b, path, names, result.added)
    if (b === undefined) return subtree(a, path, names, result.removed)
    if (
      isObject(a) &&
      isObject(b) &&
      !schema.atomicMap(names) &&
      (Object.keys(a).length || Object.keys(b).length)
    ) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        walk(a[key], b[key], [...path, `f:${key}`], [...names, key])
      }
      return
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const list = schema.list(names)
      if (list.type !== 'atomic') {
        const left = listItems(a, list)
        const right = listItems(b, list)
        for (const key of new Set([...left.keys(), ...right.keys()])) {
          if (list.type === 'set') {
            if (!left.has(key)) result.added.add(join([...path, key]))
            else if (!right.has(key)) result.removed.add(join([...path, key]))
          } else walk(left.get(key), right.get(key), [...path, key], names)
        }
        return
      }
    }
    if (!deepEqual(a, b)) result.modified.add(join(path))
  }
  walk(before, after, [], [])
  return result
}

// ---------------------------------------------------------------------------------------------------------
// fieldsV1 encoding

type Tree = Map<string, Tree>

function toFieldsV1(set: FieldSet): JsonObject {
  const root: Tree = new Map()
  for (const path of [...set].sort(comparePaths)) {
    let node = root
    for (const element of split(path)) {
      let child = node.get(element)
      if (!child) {
        child = new Map()
        node.set(element, child)
      }
      node = child
    }
    node.set('.', node.get('.') ?? new Map<string, Tree>())
  }
  const render = (node: Tree): JsonObject => {
    const out: JsonObject = {}
    const children = [...node.keys()].filter(k => k !== '.')
    // A member with children is marked by ".", a member without children is just {}.
    if (node.has('.') && children.length) out['.'] = {}
    for (const key of children) out[key] = render(node.get(key) as Tree)
    return out
  }
  return render(root)
}

function fromFieldsV1(value: unknown): FieldSet {
  const set: FieldSet = new Set()
  const walk = (node: unknown, path: string[]): void => {
    if (!isObject(node)) return
    const keys = Object.keys(node)
    if (path.length && (keys.length === 0 || keys.includes('.'))) set.add(join(path))
    for (const key of keys) if (key !== '.') walk(node[key], [...path, key])
  }
  walk(value, [])
  return set
}

function identity(m: Pick<Manager, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  return m.operation === 'Apply'
    ? `${m.manager}\0Apply\0${m.subresource ?? ''}`
    : `${m.manager}\0Update\0${m.apiVersion}\0${m.subresource ?? ''}`
}

/** The managers recorded on an object; undefined when it has no (decodable) managedFields. */
export function decodeManagers(object: KubeObject): Manager[] | undefined {
  const entries = object.metadata.managedFields
  if (!Array.isArray(entries) || entries.length === 0) return undefined
  const managers: Manager[] = []
  for (const entry of entries) {
    if (!isObject(entry) || typeof entry.manager !== 'string') return undefined
    const operation = entry.operation === 'Apply' ? 'Apply' : 'Update'
    const manager: Manager = {
      manager: entry.manager,
      operation,
      apiVersion: typeof entry.apiVersion === 'string' ? entry.apiVersion : '',
      fields: fromFieldsV1(entry.fieldsV1)
    }
    if (typeof entry.time === 'string') manager.time = entry.time
    if (typeof entry.subresource === 'string' && entry.subresource) manager.subresource = entry.subresource
    managers.push(manager)
  }
  return managers
}

/** `metadata.managedFields: [{}]` asks the server to drop all ownership information. */
function isReset(object: KubeObject): boolean {
  const entries = object.metadata.managedFields
  return (
    Array.isArray(entries) &&
    entries.length === 1 &&
    isObject(entries[0]) &&
    Object.keys(entries[0]).length === 0
  )
}

/** Encodes managers in the API server's order: Apply before Update, then by time, manager, apiVersion. */
export function encodeManagers(managers: Manager[]): unknown[] {
  const seconds = (m: Manager): number => (m.time ? Date.parse(m.time) / 1000 : 0)
  return managers
    .filter(m => m.fields.size > 0)
    .sort(
      (p, q) =>
        (p.operation < q.operation ? -1 : p.operation > q.operation ? 1 : 0) ||
        seconds(p) - seconds(q) ||
        (p.manager < q.manager ? -1 : p.manager > q.manager ? 1 : 0) ||
        (p.apiVersion < q.apiVersion ? -1 : p.apiVersion > q.apiVersion ? 1 : 0) ||
        ((p.subresource ?? '') < (q.subresource ?? '') ? -1 : 1)
    )
    .map(m => {
      const entry: JsonObject = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion }
      if (m.time) entry.time = m.time
      entry.fieldsType = 'FieldsV1'
      entry.fieldsV1 = toFieldsV1(m.fields)
      if (m.subresource) entry.subresource = m.subresource
      return entry
    })
}

// ---------------------------------------------------------------------------------------------------------
// Operations

export interface WriteContext {
  schema: FieldSchema
  scope: Scope
  manager: string
  apiVersion: string
  subresource?: string
}

function intersect(a: FieldSet, b: FieldSet): FieldSet {
  const out: FieldSet = new Set()
  for (const path of a) if (b.has(path)) out.add(path)
  return out
}

function subtract(a: FieldSet, b: Iterable<string>): FieldSet {
  const out = new Set(a)
  for (const path of b) out.delete(path)
  return out
}

/** The managers to start from: the request's own managedFields when it set some, else the stored ones. */
function startingManagers(stored: KubeObject | undefined, incoming: KubeObject): Manager[] {
  if (isReset(incoming)) return []
  const fromRequest = decodeManagers(incoming)
  const fromStored = stored ? decodeManagers(stored) : undefined
  if (fromRequest && stored && !deepEqual(incoming.metadata.managedFields, stored.metadata.managedFields))
    return fromRequest
  if (!stored) return fromRequest ?? []
  return fromStored ?? []
}

/**
 * A create, update or non-apply patch by `context.manager`: the fields it changed become its own (taken
 * from any other manager), removed fields leave every set. Writes `object.metadata.managedFields`.
 */
export function recordUpdate(
  context: WriteContext,
  stored: KubeObject | undefined,
  object: KubeObject
): void {
  const managers = startingManagers(stored, object)
  const before = stored ? ownedContent(stored, context.scope) : {}
  const comparison = compareContent(before, ownedContent(object, context.scope), context.schema)
  const changed = new Set([...comparison.added, ...comparison.modified])
  for (const m of managers) m.fields = subtract(subtract(m.fields, changed), comparison.removed)
  const key = identity({ ...context, operation: 'Update' })
  let own = managers.find(m => identity(m) === key)
  if (!own && changed.size) {
    own = { manager: context.manager, operation: 'Update', apiVersion: context.apiVersion, fields: new Set() }
    if (context.subresource) own.subresource = context.subresource
    managers.push(own)
  }
  if (own && changed.size) {
    own.fields = new Set([...subtract(own.fields, comparison.removed), ...changed])
    own.time = timestamp()
  }
  const encoded = encodeManagers(managers)
  if (encoded.length) object.metadata.managedFields = encoded
  else delete object.metadata.managedFields
}

function conflictError(conflicts: { manager: Manager; paths: string[] }[]): StatusError {
  const describe = (m: Manager): string => {
    let text = JSON.stringify(m.manager)
    if (m.subresource) text += ` with subresource ${JSON.stringify(m.subresource)}`
    return m.operation === 'Update' ? `${text} using ${m.apiVersion}` : text
  }
  const total = conflicts.reduce((n, c) => n + c.paths.length, 0)
  const causes = conflicts.flatMap(c =>
    c.paths.map(path => ({
      reason: 'FieldManagerConflict',
      message: `conflict with ${describe(c.manager)}`,
      field: pathText(path)
    }))
  )
  let message: string
  const first = conflicts[0]
  if (total === 1 && first) {
    message = `Apply failed with 1 conflict: conflict with ${describe(first.manager)}: ${pathText(first.paths[0] ?? '')}`
  } else {
    const lines: string[] = []
    for (const c of [...conflicts].sort((a, b) => (identity(a.manager) < identity(b.manager) ? -1 : 1))) {
      lines.push(`conflicts with ${describe(c.manager)}:`)
      for (const path of c.paths) lines.push(`- ${pathText(path)}`)
    }
    message = `Apply failed with ${total} conflicts: ${lines.join('\n')}`
  }
  return new StatusError(409, 'Conflict', message, { causes })
}

/**
 * Removes the field or list item at `path`. For built-ins, a list or map left empty goes too, up the tree
 * (their Go types drop empty slices and maps: omitempty), except structs every object has.
 */
function removePath(target: JsonObject, path: string[], schema: FieldSchema): void {
  // Each step: the container, and how to take the child out of it.
  const chain: { container: JsonObject | unknown[]; remove: () => void; names: string[] }[] = []
  let node: unknown = target
  const names: string[] = []
  for (const element of path) {
    const body = element.slice(2)
    if (element.startsWith('f:')) {
      if (!isObject(node) || node[body] === undefined) return
      const container = node
      chain.push({ container, remove: () => delete container[body], names: [...names] })
      node = node[body]
      names.push(body)
      continue
    }
    if (!Array.isArray(node)) return
    const container = node as unknown[]
    const item = listItems(container, schema.list(names)).get(element)
    if (item === undefined) return
    chain.push({ container, remove: () => container.splice(container.indexOf(item), 1), names: [...names] })
    node = item
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const step = chain[i]
    if (!step) return
    step.remove()
    const empty = Array.isArray(step.container)
      ? step.container.length === 0
      : Object.keys(step.container).length === 0
    if (!schema.omitEmpty || !empty || i === 0 || schema.alwaysPresent(step.names)) return
  }
}

/** Every path of the set and every ancestor of one: "is this path or something under it owned?" */
function withAncestors(sets: Iterable<FieldSet>): Set<string> {
  const out = new Set<string>()
  for (const set of sets) {
    for (const path of set) {
      const elements = split(path)
      for (let i = 1; i <= elements.length; i++) out.add(join(elements.slice(0, i)))
    }
  }
  return out
}

function mergeApplied(live: unknown, config: unknown, names: string[], schema: FieldSchema): unknown {
  if (isObject(config) && !schema.atomicMap(names)) {
    const result: JsonObject = isObject(live) ? clone(live) : {}
    for (const [key, value] of Object.entries(config)) {
      if (value === null) delete result[key]
      else result[key] = mergeApplied(result[key], value, [...names, key], schema)
    }
    return result
  }
  if (Array.isArray(config)) {
    const list = schema.list(names)
    if (list.type === 'atomic' || !Array.isArray(live)) return clone(config)
    const liveItems = listItems(live, list)
    const configItems = listItems(config, list)
    const merged = config.map((item: unknown): unknown => {
      const key =
        list.type === 'set'
          ? `v:${JSON.stringify(item)}`
          : isObject(item)
            ? keyElement(item, list)
            : undefined
      const current = key ? liveItems.get(key) : undefined
      return current === undefined || list.type === 'set'
        ? clone(item)
        : mergeApplied(current, item, names, schema)
    })
    // Items only the live object has belong to other managers (or to no one) and stay.
    for (const [key, item] of liveItems) if (!configItems.has(key)) merged.push(clone(item))
    return merged
  }
  return clone(config)
}

export interface ApplyContext extends WriteContext {
  force: boolean
}

export interface ApplyPlan {
  /** The live object with the configuration merged in and what the applier stopped applying pruned. */
  merged: KubeObject
  /** Run on the admitted object: conflicts (409 unless forced), then the new managedFields. */
  finish(admitted: KubeObject): void
}

/** Plans an apply of `config` onto `live` (undefined: the apply creates the object). */
export function planApply(
  context: ApplyContext,
  live: KubeObject | undefined,
  config: KubeObject
): ApplyPlan {
  const configContent = ownedContent(config, context.scope)
  const applied = fieldSetOf(configContent, context.schema)
  const key = identity({ ...context, operation: 'Apply' })
  if (!live) {
    return {
      merged: clone(config),
      finish(admitted) {
        const own: Manager = {
          ...context,
          operation: 'Apply',
          apiVersion: context.apiVersion,
          fields: applied,
          time: timestamp()
        }
        admitted.metadata.managedFields = encodeManagers([own])
      }
    }
  }
  let managers = decodeManagers(live)
  if (!managers) {
    // An object nobody owns fields of (created before managedFields): its fields go to a stand-in manager.
    managers = [
      {
        manager: 'before-first-apply',
        operation: 'Update',
        apiVersion: context.apiVersion,
        fields: fieldSetOf(ownedContent(live, context.scope), context.schema)
      }
    ]
  }
  const previous = managers.find(m => identity(m) === key)
  const others = managers.filter(m => identity(m) !== key)
  const merged = mergeApplied(live, config, [], context.schema) as KubeObject
  if (previous) {
    const owned = withAncestors([applied, ...others.map(m => m.fields)])
    // Shallow paths first: a removed list item takes its fields along (they identify it by its keys).
    const removed: string[] = []
    for (const path of [...subtract(previous.fields, applied)].sort(comparePaths)) {
      if (owned.has(path) || removed.some(r => path.startsWith(`${r}${SEPARATOR}`))) continue
      removePath(merged, split(path), context.schema)
      removed.push(path)
    }
  }
  const liveContent = ownedContent(live, context.scope)
  return {
    merged,
    finish(admitted) {
      const comparison = compareContent(liveContent, ownedContent(admitted, context.scope), context.schema)
      const changed = new Set([...comparison.added, ...comparison.modified])
      const conflicts = others
        .map(m => ({ manager: m, paths: [...intersect(m.fields, changed)].sort(comparePaths) }))
        .filter(c => c.paths.length)
      if (conflicts.length && !context.force) throw conflictError(conflicts)
      for (const m of others) m.fields = subtract(subtract(m.fields, changed), comparison.removed)
      const own: Manager = previous ?? {
        manager: context.manager,
        operation: 'Apply',
        apiVersion: context.apiVersion,
        fields: new Set()
      }
      if (context.subresource) own.subresource = context.subresource
      const setChanged = !deepEqual([...own.fields].sort(), [...applied].sort())
      own.fields = applied
      own.apiVersion = context.apiVersion
      if (!previous || setChanged || changed.size || comparison.removed.size) own.time = timestamp()
      admitted.metadata.managedFields = encodeManagers([own, ...others])
    }
  }
}
