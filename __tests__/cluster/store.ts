/**
 * The test cluster's object store: an in-memory etcd plus the generic registry logic of the API server.
 *
 * Factory (stable):
 *
 *   createStore(options?: { admission?: AdmissionHook[] }): Store
 *
 * `Store` implements `ClusterStore` from types.ts, plus a few extras for the HTTP layer
 * (`admission` is a mutable array: hooks pushed later, e.g. the simulation's, run on every later write;
 * `resourceVersion()`, `select()`, and `{ dryRun }` options on writes).
 *
 * Semantics worth knowing:
 * - get/list/create/update/... return deep copies; mutating them never changes the store.
 * - One global resourceVersion counter; every write (and every delete) takes the next number.
 * - Built-in admission runs first (Secret stringData -> data, Service clusterIP/nodePort allocation),
 *   then the hooks in `admission`, in order.
 * - update() keeps the stored .status for resources that have a status subresource (as the real PUT does);
 *   write status with updateStatus().
 * - delete() of an object with metadata.finalizers only sets deletionTimestamp (and deletionGracePeriodSeconds 0);
 *   the object goes away when an update() removes the last finalizer.
 * - Pods are deleted gracefully, as the pod registry does: a pod on a node that is not terminal gets
 *   deletionTimestamp = now + grace period and deletionGracePeriodSeconds, and stays until a delete with
 *   gracePeriodSeconds 0 (the kubelet's, once its containers stopped). A later delete may only shorten the period. Cascading (Background/Foreground) happens synchronously when the
 *   object is actually removed; Orphan strips the ownerReferences of dependents instead.
 * - Deleting a namespace removes everything in it.
 * - Listeners run synchronously after each change, in order; changes made from inside a listener are queued
 *   and delivered after the current event has reached every listener.
 * - Resources come from `registry` (built-ins, plus custom resources while their CRD is established); objects
 *   are stored in their resource's storage version (the HTTP layer converts other served versions).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { serviceAdmission } from './admission-service.js'
import { crdAdmission } from './crd.js'
import {
  alreadyExists,
  conflict,
  invalid,
  invalidValue,
  notFound,
  requiredValue,
  type FieldError
} from './errors.js'
import { asObject, clone, deepEqual, isObject, timestamp } from './json.js'
import { ResourceRegistry, type ResourceInfo } from './resources.js'
import type {
  AdmissionHook,
  ClusterStore,
  DeleteOptions,
  KubeObject,
  PropagationPolicy,
  ResourceName,
  StoreEvent
} from './types.js'

export interface WriteOptions {
  /** Validate and admit, but store nothing (dryRun=All). */
  dryRun?: boolean
  /**
   * Runs after admission, right before the object is stored (or, with dryRun, returned): the HTTP layer
   * records metadata.managedFields here. `stored` is undefined on create. Throwing refuses the write.
   */
  prepare?: (object: KubeObject, stored: KubeObject | undefined) => void
  /** update(): when the admitted object equals the stored one, store nothing and return the stored object. */
  skipUnchanged?: boolean
}

export type StoreDeleteOptions = WriteOptions & DeleteOptions

export interface Store extends ClusterStore {
  readonly admission: AdmissionHook[]
  /** What this cluster serves; custom resources join and leave it with their CRDs. */
  readonly registry: ResourceRegistry
  /** The newest resourceVersion handed out, as lists report it. */
  resourceVersion(): string
  /** Copies of the objects matching `filter` (cheaper than list() + filter for large resources). */
  select(
    resource: ResourceName,
    namespace: string | undefined,
    filter: (object: KubeObject) => boolean
  ): KubeObject[]
  create(resource: ResourceName, object: KubeObject, options?: WriteOptions): KubeObject
  update(resource: ResourceName, object: KubeObject, options?: WriteOptions): KubeObject
  delete(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
    propagation?: PropagationPolicy,
    options?: StoreDeleteOptions
  ): KubeObject
}

export interface StoreOptions {
  admission?: AdmissionHook[]
  registry?: ResourceRegistry
}

const GENERATE_NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789'

function randomSuffix(length = 5): string {
  const bytes = randomBytes(length)
  let out = ''
  for (const byte of bytes) out += GENERATE_NAME_ALPHABET[byte % GENERATE_NAME_ALPHABET.length] ?? 'x'
  return out
}

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`
}

/** Everything outside metadata and status: a change here bumps metadata.generation. */
function specPart(object: KubeObject): Record<string, unknown> {
  const { metadata: _metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...rest } = object
  return rest
}

function compareObjects(a: KubeObject, b: KubeObject): number {
  const an = a.metadata.namespace ?? ''
  const bn = b.metadata.namespace ?? ''
  if (an !== bn) return an < bn ? -1 : 1
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/

/** The API server's name validation message for this kind of object, or undefined when the name is fine. */
function nameProblem(r: ResourceInfo, name: string): string | undefined {
  // APIService names are "<version>.<group>", and "v1." for the core group.
  if (r.resource === 'apiservices') return undefined
  if (r.resource === 'services') {
    if (name.length > 63) return 'must be no more than 63 characters'
    if (!DNS_1035_LABEL.test(name)) {
      return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    }
    return undefined
  }
  if (r.resource === 'namespaces') {
    if (name.length > 63) return 'must be no more than 63 characters'
    if (!DNS_LABEL.test(name)) {
      return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    }
    return undefined
  }
  if (name.length > 253) return 'must be no more than 253 characters'
  if (!DNS_SUBDOMAIN.test(name)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
  }
  return undefined
}

/** Secrets: stringData is write-only and merges into data as base64. */
const secretAdmission: AdmissionHook = (_operation, resource, object) => {
  if (resource !== 'secrets') return
  const stringData = asObject(object.stringData)
  if (stringData) {
    const data = { ...(asObject(object.data) ?? {}) }
    for (const [key, value] of Object.entries(stringData)) {
      data[key] = Buffer.from(typeof value === 'string' ? value : String(value), 'utf8').toString('base64')
    }
    object.data = data
    delete object.stringData
  }
  if (object.type === undefined || object.type === '') object.type = 'Opaque'
}

/** The pod registry's grace period for a delete (CheckGracefulDelete); 0 means at once. */
function podGracePeriod(pod: KubeObject, requested: number | undefined): number {
  const spec = asObject(pod.spec) ?? {}
  const status = asObject(pod.status) ?? {}
  let period =
    requested ??
    (typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 0)
  if (typeof spec.nodeName !== 'string' || spec.nodeName === '') period = 0
  if (status.phase === 'Succeeded' || status.phase === 'Failed') period = 0
  return period < 0 ? 1 : period
}

export function createStore(options: StoreOptions = {}): Store {
  const registry = options.registry ?? new ResourceRegistry()
  const objects = new Map<ResourceName, Map<string, KubeObject>>()
  const listeners = new Set<(event: StoreEvent) => void>()
  const admission: AdmissionHook[] = [...(options.admission ?? [])]
  const builtInAdmission: AdmissionHook[] = [secretAdmission, serviceAdmission, crdAdmission]
  const pending: StoreEvent[] = []
  let dispatching = false
  let counter = 1

  function table(resource: ResourceName): Map<string, KubeObject> {
    let found = objects.get(resource)
    if (!found) {
      registry.info(resource) // throws for a resource this cluster does not serve
      found = new Map()
      objects.set(resource, found)
    }
    return found
  }

  function resourceInfo(resource: ResourceName): ResourceInfo {
    return registry.info(resource)
  }

  function nextVersion(): string {
    counter += 1
    return String(counter)
  }

  function emit(event: StoreEvent): void {
    pending.push(event)
    if (dispatching) return
    dispatching = true
    try {
      for (let next = pending.shift(); next; next = pending.shift()) {
        for (const listener of [...listeners]) {
          try {
            listener(next)
          } catch (error) {
            // A failing listener must not break the write that triggered it, nor the other listeners.
            console.error('test cluster: store listener failed:', error)
          }
        }
      }
    } finally {
      dispatching = false
    }
  }

  function lookup(r: ResourceInfo, namespace: string | undefined, name: string): KubeObject | undefined {
    return table(r.resource).get(keyOf(r.namespaced ? namespace : undefined, name))
  }

  function runAdmission(operation: 'create' | 'update', r: ResourceInfo, object: KubeObject): void {
    for (const hook of [...builtInAdmission, ...admission]) hook(operation, r.resource, object, store)
  }

  function normalize(r: ResourceInfo, input: KubeObject): KubeObject {
    const object = clone(input)
    object.apiVersion = r.storageApiVersion
    object.kind = r.kind
    if (!isObject(object.metadata)) object.metadata = { name: '' }
    if (!r.namespaced) delete object.metadata.namespace
    return object
  }

  function validateMeta(r: ResourceInfo, object: KubeObject): void {
    const errors: FieldError[] = []
    const name = object.metadata.name
    if (!name) errors.push(requiredValue('metadata.name', 'name or generateName is required'))
    else {
      const problem = nameProblem(r, name)
      if (problem) errors.push(invalidValue('metadata.name', name, problem))
    }
    if (r.namespaced && !object.metadata.namespace) errors.push(requiredValue('metadata.namespace', ''))
    if (errors.length) throw invalid(r, object.metadata.name ?? '', errors)
  }

  function ensureNamespace(r: ResourceInfo, object: KubeObject): void {
    if (!r.namespaced || !object.metadata.namespace) return
    if (!table('namespaces').has(keyOf(undefined, object.metadata.namespace))) {
      throw notFound(resourceInfo('namespaces'), object.metadata.namespace)
    }
  }

  function dependentsOf(owner: KubeObject): { resource: ResourceName; object: KubeObject }[] {
    const uid = owner.metadata.uid
    const found: { resource: ResourceName; object: KubeObject }[] = []
    if (!uid) return found
    for (const [resource, byKey] of objects) {
      for (const object of byKey.values()) {
        if (object.metadata.ownerReferences?.some(ref => ref.uid === uid)) found.push({ resource, object })
      }
    }
    return found
  }

  /** Takes an object out of the store for good, then garbage-collects what it owned. */
  function remove(r: ResourceInfo, stored: KubeObject, propagation: PropagationPolicy): KubeObject {
    const key = keyOf(stored.metadata.namespace, stored.metadata.name)
    if (propagation === 'Orphan') orphanDependents(stored)
    else if (propagation === 'Foreground') cascade(stored)
    if (r.resource === 'namespaces') removeNamespaceContents(stored.metadata.name)
    table(r.resource).delete(key)
    stored.metadata.resourceVersion = nextVersion()
    const last = clone(stored)
    emit({ type: 'DELETED', resource: r.resource, object: clone(last) })
    if (propagation === 'Background') cascade(stored)
    return last
  }

  function cascade(owner: KubeObject): void {
    for (const { resource, object } of dependentsOf(owner)) {
      const r = resourceInfo(resource)
      if (!lookup(r, object.metadata.namespace, object.metadata.name)) continue
      deleteStored(r, object, 'Background')
    }
  }

  function orphanDependents(owner: KubeObject): void {
    for (const { resource, object } of dependentsOf(owner)) {
      object.metadata.ownerReferences = object.metadata.ownerReferences?.filter(
        ref => ref.uid !== owner.metadata.uid
      )
      if (object.metadata.ownerReferences?.length === 0) delete object.metadata.ownerReferences
      object.metadata.resourceVersion = nextVersion()
      emit({ type: 'MODIFIED', resource, object: clone(object) })
    }
  }

  function removeNamespaceContents(namespace: string): void {
    for (const resource of [...objects.keys()]) {
      const r = registry.find(resource)
      if (!r?.namespaced) continue
      for (const object of [...table(r.resource).values()]) {
        if (object.metadata.namespace !== namespace) continue
        if (!table(r.resource).has(keyOf(namespace, object.metadata.name))) continue
        remove(r, object, 'Background')
      }
    }
  }

  /**
   * Deletion of a stored object: immediate, marked while finalizers remain, or (pods) graceful. The pod rules
   * are the registry's CheckGracefulDelete and BeforeDelete: the requested period, else the pod's
   * terminationGracePeriodSeconds; 0 for a pod never scheduled or already terminal; negative means 1.
   */
  function deleteStored(
    r: ResourceInfo,
    stored: KubeObject,
    propagation: PropagationPolicy,
    options: DeleteOptions = {}
  ): KubeObject {
    const meta = stored.metadata
    const pending = meta.deletionTimestamp !== undefined && (meta.deletionGracePeriodSeconds ?? 0) > 0
    if (pending) {
      // Graceful deletion under way: only a shorter period given on this request changes anything.
      const requested = options.gracePeriodSeconds
      if (requested === undefined) return clone(stored)
      const grace = requested < 0 ? 1 : requested
      const current = meta.deletionGracePeriodSeconds ?? 0
      if (grace >= current) return clone(stored)
      if (grace > 0) {
        markDeleted(r, stored, Date.parse(meta.deletionTimestamp ?? '') - current * 1000, grace)
        return clone(stored)
      }
    } else if (!meta.deletionTimestamp && r.resource === 'pods') {
      const grace = podGracePeriod(stored, options.gracePeriodSeconds)
      if (grace > 0) {
        markDeleted(r, stored, Date.now(), grace)
        return clone(stored)
      }
    }
    if (meta.finalizers?.length) {
      if (!meta.deletionTimestamp || meta.deletionGracePeriodSeconds !== 0)
        markDeleted(r, stored, Date.now(), 0)
      return clone(stored)
    }
    return remove(r, stored, propagation)
  }

  function markDeleted(r: ResourceInfo, stored: KubeObject, start: number, grace: number): void {
    const meta = stored.metadata
    // The registry bumps generation when an object is first marked for deletion (markAsDeleting, BeforeDelete).
    if (!meta.deletionTimestamp && meta.generation !== undefined) meta.generation += 1
    meta.deletionTimestamp = timestamp(new Date(start + grace * 1000))
    meta.deletionGracePeriodSeconds = grace
    meta.resourceVersion = nextVersion()
    emit({ type: 'MODIFIED', resource: r.resource, object: clone(stored) })
  }

  const store: Store = {
    admission,
    registry,

    resourceVersion: () => String(counter),

    get(resource, namespace, name) {
      const found = lookup(resourceInfo(resource), namespace, name)
      return found ? clone(found) : undefined
    },

    list(resource, namespace) {
      return store.select(resource, namespace, () => true)
    },

    select(resource, namespace, filter) {
      const r = resourceInfo(resource)
      const out: KubeObject[] = []
      for (const object of table(resource).values()) {
        if (r.namespaced && namespace !== undefined && object.metadata.namespace !== namespace) continue
        if (filter(object)) out.push(clone(object))
      }
      return out.sort(compareObjects)
    },

    create(resource, input, writeOptions = {}) {
      const r = resourceInfo(resource)
      const object = normalize(r, input)
      const meta = object.metadata
      if (!meta.name && meta.generateName) meta.name = `${meta.generateName}${randomSuffix()}`
      validateMeta(r, object)
      ensureNamespace(r, object)
      if (lookup(r, meta.namespace, meta.name)) throw alreadyExists(r, meta.name)
      meta.uid = randomUUID()
      meta.creationTimestamp = timestamp()
      meta.generation = 1
      delete meta.resourceVersion
      delete meta.deletionTimestamp
      delete meta.deletionGracePeriodSeconds
      if (resource === 'namespaces') {
        meta.labels = { ...meta.labels, 'kubernetes.io/metadata.name': meta.name }
        object.spec = { finalizers: ['kubernetes'], ...asObject(object.spec) }
        object.status = { phase: 'Active' }
      }
      runAdmission('create', r, object)
      validateMeta(r, object)
      writeOptions.prepare?.(object, undefined)
      if (writeOptions.dryRun) return clone(object)
      if (lookup(r, meta.namespace, meta.name)) throw alreadyExists(r, meta.name)
      meta.resourceVersion = nextVersion()
      table(resource).set(keyOf(meta.namespace, meta.name), object)
      emit({ type: 'ADDED', resource, object: clone(object) })
      return clone(object)
    },

    update(resource, input, writeOptions = {}) {
      const r = resourceInfo(resource)
      const object = normalize(r, input)
      const meta = object.metadata
      const stored = lookup(r, meta.namespace, meta.name)
      if (!stored) throw notFound(r, meta.name)
      if (meta.resourceVersion && meta.resourceVersion !== stored.metadata.resourceVersion) {
        throw conflict(r, meta.name)
      }
      if (meta.uid && meta.uid !== stored.metadata.uid) throw conflict(r, meta.name)
      meta.uid = stored.metadata.uid
      meta.creationTimestamp = stored.metadata.creationTimestamp
      meta.generation = stored.metadata.generation ?? 1
      if (stored.metadata.deletionTimestamp) meta.deletionTimestamp = stored.metadata.deletionTimestamp
      else delete meta.deletionTimestamp
      if (stored.metadata.deletionGracePeriodSeconds !== undefined)
        meta.deletionGracePeriodSeconds = stored.metadata.deletionGracePeriodSeconds
      else delete meta.deletionGracePeriodSeconds
      if (meta.managedFields === undefined && stored.metadata.managedFields) {
        meta.managedFields = stored.metadata.managedFields
      }
      if (r.hasStatus) {
        if (stored.status === undefined) delete object.status
        else object.status = clone(stored.status)
      }
      if (resource === 'namespaces') {
        meta.labels = { ...meta.labels, 'kubernetes.io/metadata.name': meta.name }
      }
      runAdmission('update', r, object)
      if (!deepEqual(specPart(object), specPart(stored))) meta.generation += 1
      writeOptions.prepare?.(object, clone(stored))
      if (writeOptions.skipUnchanged && deepEqual(object, stored)) return clone(stored)
      if (writeOptions.dryRun) return clone(object)
      meta.resourceVersion = nextVersion()
      table(resource).set(keyOf(meta.namespace, meta.name), object)
      emit({ type: 'MODIFIED', resource, object: clone(object) })
      // The registry's ShouldDeleteDuringUpdate: the last finalizer of an object whose grace period is over.
      if (meta.deletionTimestamp && !meta.finalizers?.length && meta.deletionGracePeriodSeconds === 0)
        return remove(r, object, 'Background')
      return clone(object)
    },

    updateStatus(resource, input) {
      const r = resourceInfo(resource)
      const stored = lookup(r, input.metadata.namespace, input.metadata.name)
      if (!stored) throw notFound(r, input.metadata.name)
      const rv = input.metadata.resourceVersion
      if (rv && rv !== stored.metadata.resourceVersion) throw conflict(r, input.metadata.name)
      const object = clone(stored)
      if (input.status === undefined) delete object.status
      else object.status = clone(input.status)
      object.metadata.resourceVersion = nextVersion()
      table(resource).set(keyOf(object.metadata.namespace, object.metadata.name), object)
      emit({ type: 'MODIFIED', resource, object: clone(object) })
      return clone(object)
    },

    delete(resource, namespace, name, propagation = 'Background', deleteOptions = {}) {
      const r = resourceInfo(resource)
      const stored = lookup(r, namespace, name)
      if (!stored) throw notFound(r, name)
      if (deleteOptions.dryRun) return clone(stored)
      return deleteStored(r, stored, propagation, deleteOptions)
    },

    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    }
  }
  return store
}
