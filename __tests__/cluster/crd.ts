/**
 * CustomResourceDefinitions: validation and defaulting on write (admission), and the controllers of
 * apiextensions-apiserver in one: names acceptance, establishing (the kinds join discovery and OpenAPI),
 * and the cleanup finalizer that deletes every custom resource before the CRD goes.
 *
 * Timing: a single real API server establishes a new CRD right after accepting its names (HA setups wait
 * 5 s); here both conditions are set together `establishDelayMs` after the write (default 200 ms), and the
 * kinds are served from that moment on, so a client that saw Established also finds them in discovery.
 */
import { invalid, invalidValue, requiredValue, type FieldError } from './errors.js'
import {
  asArray,
  asObject,
  asString,
  clone,
  deepEqual,
  isObject,
  timestamp,
  type JsonObject
} from './json.js'
import {
  resourceInfo,
  type CustomResourceVersion,
  type PrinterColumn,
  type ResourceInfo,
  type ResourceRegistry
} from './resources.js'
import type { AdmissionHook, ClusterStore, KubeObject, StoreEvent } from './types.js'

const CRD_RESOURCE = 'customresourcedefinitions'
const CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io'
const APPROVAL_ANNOTATION = 'api-approved.kubernetes.io'

interface CrdNames {
  plural: string
  singular: string
  kind: string
  listKind: string
  shortNames: string[]
  categories: string[]
}

function namesOf(spec: JsonObject): CrdNames {
  const names = asObject(spec.names) ?? {}
  const kind = asString(names.kind) ?? ''
  return {
    plural: asString(names.plural) ?? '',
    singular: asString(names.singular) || kind.toLowerCase(),
    kind,
    listKind: asString(names.listKind) || `${kind}List`,
    shortNames: asArray(names.shortNames).map(String),
    categories: asArray(names.categories).map(String)
  }
}

function versionsOf(spec: JsonObject): JsonObject[] {
  return asArray(spec.versions).filter(isObject)
}

/** Kubernetes' version priority: GA before beta before alpha, higher numbers first, others by name last. */
function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v)
    if (!match) return undefined
    const stability = match[2] === 'alpha' ? 0 : match[2] === 'beta' ? 1 : 2
    return [stability, Number(match[1]), Number(match[3] ?? 0)]
  }
  const pa = parse(a)
  const pb = parse(b)
  if (pa && pb) {
    for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pb[i] ?? 0) - (pa[i] ?? 0)
    return 0
  }
  if (pa) return -1
  if (pb) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

function validate(crd: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  const spec = asObject(crd.spec) ?? {}
  const group = asString(spec.group) ?? ''
  const names = namesOf(spec)
  if (!group) errors.push(requiredValue('spec.group', ''))
  else if (!group.includes('.'))
    errors.push(invalidValue('spec.group', group, 'should be a domain with at least one dot'))
  if (!names.plural) errors.push(requiredValue('spec.names.plural', ''))
  if (!names.kind) errors.push(requiredValue('spec.names.kind', ''))
  if (group && names.plural && crd.metadata.name !== `${names.plural}.${group}`) {
    errors.push(invalidValue('metadata.name', crd.metadata.name, 'must be spec.names.plural+"."+spec.group'))
  }
  const scope = spec.scope
  if (scope !== 'Namespaced' && scope !== 'Cluster') {
    errors.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.scope',
      message: `Unsupported value: ${JSON.stringify(scope ?? '')}: supported values: "Cluster", "Namespaced"`
    })
  }
  const versions = versionsOf(spec)
  if (versions.filter(v => v.storage === true).length !== 1) {
    // The real message prints the Go value of the versions; this prints its type.
    errors.push({
      reason: 'FieldValueInvalid',
      field: 'spec.versions',
      message:
        'Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: must have exactly one version marked as storage version'
    })
  }
  for (const [index, version] of versions.entries()) {
    if (!asString(version.name)) errors.push(requiredValue(`spec.versions[${index}].name`, ''))
    if (typeof version.served !== 'boolean') errors.push(requiredValue(`spec.versions[${index}].served`, ''))
  }
  if (
    (group === 'k8s.io' ||
      group.endsWith('.k8s.io') ||
      group === 'kubernetes.io' ||
      group.endsWith('.kubernetes.io')) &&
    !crd.metadata.annotations?.[APPROVAL_ANNOTATION]
  ) {
    errors.push(
      requiredValue(
        `metadata.annotations[${APPROVAL_ANNOTATION}]`,
        `protected groups must have approval annotation "${APPROVAL_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111`
      )
    )
  }
  return errors
}

/** Validation and defaulting of CustomResourceDefinition writes, as the apiextensions registry does them. */
export const crdAdmission: AdmissionHook = (operation, resource, object) => {
  if (resource !== CRD_RESOURCE) return
  const errors = validate(object)
  if (errors.length) throw invalid(resourceInfo(CRD_RESOURCE), object.metadata.name, errors)
  const spec = object.spec as JsonObject
  const names = asObject(spec.names) ?? {}
  const defaulted = namesOf(spec)
  spec.names = { ...names, singular: defaulted.singular, listKind: defaulted.listKind }
  if (!isObject(spec.conversion)) spec.conversion = { strategy: 'None' }
  const storageVersion = asString(versionsOf(spec).find(v => v.storage === true)?.name) ?? ''
  if (operation === 'create') {
    object.metadata.finalizers = [...new Set([...(object.metadata.finalizers ?? []), CLEANUP_FINALIZER])]
    object.status = {
      acceptedNames: { plural: '', kind: '' },
      conditions: [],
      storedVersions: [storageVersion]
    }
    return
  }
  // store.update() has put the stored status back; a new storage version is recorded in it, as the
  // registry's update strategy does.
  const status = asObject(object.status)
  const storedVersions = asArray(status?.storedVersions).map(String)
  if (status && storageVersion && !storedVersions.includes(storageVersion)) {
    object.status = { ...status, storedVersions: [...storedVersions, storageVersion] }
  }
}

function condition(
  type: string,
  status: string,
  reason: string,
  message: string,
  previous: JsonObject[]
): JsonObject {
  const before = previous.find(c => c.type === type)
  const lastTransitionTime = before && before.status === status ? before.lastTransitionTime : timestamp()
  return { type, status, lastTransitionTime, reason, message }
}

function columnsOf(version: JsonObject): PrinterColumn[] {
  const columns = asArray(version.additionalPrinterColumns)
    .filter(isObject)
    .map(c => ({
      name: asString(c.name) ?? '',
      type: asString(c.type) ?? 'string',
      format: asString(c.format),
      description: asString(c.description),
      priority: typeof c.priority === 'number' ? c.priority : 0,
      jsonPath: asString(c.jsonPath) ?? ''
    }))
  // Without printer columns the API server shows the object's age.
  return columns.length
    ? columns
    : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: '', priority: 0 }]
}

/** The served versions of an accepted CRD as registry entries. */
function customResourceInfos(crd: KubeObject): ResourceInfo[] {
  const spec = asObject(crd.spec) ?? {}
  const group = asString(spec.group) ?? ''
  const names = namesOf(spec)
  const versions = versionsOf(spec)
  const storageVersion = asString(versions.find(v => v.storage === true)?.name) ?? ''
  const served = versions
    .filter(v => v.served === true && asString(v.name))
    .sort((a, b) => compareVersions(asString(a.name) ?? '', asString(b.name) ?? ''))
  const hasStorage = served.some(v => v.name === storageVersion)
  return served.map((v, index) => {
    const name = asString(v.name) ?? ''
    const subresources = asObject(v.subresources) ?? {}
    const custom: CustomResourceVersion = {
      columns: columnsOf(v),
      schema: asObject(asObject(v.schema)?.openAPIV3Schema)
    }
    return {
      resource: crd.metadata.name,
      plural: names.plural,
      group,
      version: name,
      kind: names.kind,
      listKind: names.listKind,
      singular: names.singular,
      namespaced: spec.scope !== 'Cluster',
      shortNames: names.shortNames,
      categories: names.categories,
      hasStatus: isObject(subresources.status),
      scalable: false,
      storageApiVersion: `${group}/${storageVersion}`,
      preferred: index === 0,
      // When the storage version is not served, the store still needs one entry to key objects by.
      storage: hasStorage ? name === storageVersion : index === 0,
      custom
    }
  })
}

function clashes(a: CrdNames, b: CrdNames): string | undefined {
  if (a.plural === b.plural) return `"${a.plural}" is already in use`
  if (a.kind === b.kind) return `"${a.kind}" is already in use`
  if (a.singular === b.singular) return `"${a.singular}" is already in use`
  const short = a.shortNames.find(s => b.shortNames.includes(s))
  if (short) return `"${short}" is already in use`
  return undefined
}

export interface CrdControllerOptions {
  establishDelayMs?: number
}

/** Runs the CRD controllers against a store until stopped. */
export function startCrdController(
  store: ClusterStore & { readonly registry: ResourceRegistry },
  options: CrdControllerOptions = {}
): () => void {
  const delay = options.establishDelayMs ?? 200
  const timers = new Map<string, NodeJS.Timeout>()
  const registered = new Map<string, string>()

  function schedule(name: string, ms: number): void {
    if (timers.has(name)) return
    const timer = setTimeout(() => {
      timers.delete(name)
      try {
        reconcile(name)
      } catch (error) {
        console.error('test cluster: CRD controller failed:', error)
      }
    }, ms)
    timer.unref()
    timers.set(name, timer)
  }

  function register(crd: KubeObject): void {
    const infos = customResourceInfos(crd)
    const key = JSON.stringify(infos)
    if (registered.get(crd.metadata.name) === key) return
    registered.set(crd.metadata.name, key)
    store.registry.setCustom(crd.metadata.name, infos)
  }

  function unregister(name: string): void {
    registered.delete(name)
    store.registry.removeCustom(name)
  }

  /** NamesAccepted and Established (with the kinds registered), or NamesAccepted False on a clash. */
  function accept(crd: KubeObject): void {
    const spec = asObject(crd.spec) ?? {}
    const group = asString(spec.group) ?? ''
    const names = namesOf(spec)
    const status = asObject(crd.status) ?? {}
    const previous = asArray(status.conditions).filter(isObject)
    let problem: string | undefined
    for (const other of store.list(CRD_RESOURCE)) {
      if (other.metadata.name === crd.metadata.name || asObject(other.spec)?.group !== group) continue
      if (
        !asArray(asObject(other.status)?.conditions).some(
          c => isObject(c) && c.type === 'Established' && c.status === 'True'
        )
      )
        continue
      problem = clashes(names, namesOf(asObject(other.spec) ?? {}))
      if (problem) break
    }
    if (
      !problem &&
      store.registry.all().some(r => !r.custom && r.group === group && r.plural === names.plural)
    ) {
      problem = `"${names.plural}" is already in use`
    }
    const established = previous.some(c => c.type === 'Established' && c.status === 'True')
    const conditions: JsonObject[] = problem
      ? [
          condition('NamesAccepted', 'False', 'MultipleNamesNotAllowed', problem, previous),
          condition('Established', 'False', 'NotAccepted', 'not all names are accepted', previous)
        ]
      : [
          condition('NamesAccepted', 'True', 'NoConflicts', 'no conflicts found', previous),
          condition(
            'Established',
            'True',
            'InitialNamesAccepted',
            'the initial names have been accepted',
            previous
          )
        ]
    const acceptedNames: JsonObject =
      problem && established ? (asObject(status.acceptedNames) ?? {}) : { ...(asObject(spec.names) ?? {}) }
    const wanted = { ...status, acceptedNames, conditions }
    if (!problem) register(crd)
    if (!deepEqual(wanted, status)) store.updateStatus(CRD_RESOURCE, { ...crd, status: wanted })
  }

  /** Deletes every custom resource of a terminating CRD, then lets the CRD go. */
  function cleanUp(crd: KubeObject): void {
    const status = asObject(crd.status) ?? {}
    const previous = asArray(status.conditions).filter(isObject)
    if (!previous.some(c => c.type === 'Terminating' && c.status === 'True')) {
      const conditions = [
        ...previous.filter(c => c.type !== 'Terminating'),
        condition(
          'Terminating',
          'True',
          'InstanceDeletionInProgress',
          'CustomResource deletion is in progress',
          previous
        )
      ]
      crd = store.updateStatus(CRD_RESOURCE, { ...crd, status: { ...status, conditions } })
    }
    const resource = crd.metadata.name
    if (store.registry.find(resource)) {
      for (const object of store.list(resource)) {
        if (object.metadata.deletionTimestamp) continue
        store.delete(resource, object.metadata.namespace, object.metadata.name)
      }
      if (store.list(resource).length > 0) return // finalizers on custom resources hold the CRD
    }
    const finalizers = (crd.metadata.finalizers ?? []).filter(f => f !== CLEANUP_FINALIZER)
    const fresh = clone(crd)
    fresh.metadata.finalizers = finalizers
    store.update(CRD_RESOURCE, fresh)
  }

  function reconcile(name: string): void {
    const crd = store.get(CRD_RESOURCE, undefined, name)
    if (!crd) {
      unregister(name)
      return
    }
    if (crd.metadata.deletionTimestamp) {
      if (crd.metadata.finalizers?.includes(CLEANUP_FINALIZER)) cleanUp(crd)
      return
    }
    accept(crd)
  }

  const unsubscribe = store.subscribe((event: StoreEvent) => {
    if (event.resource === CRD_RESOURCE) {
      const name = event.object.metadata.name
      if (event.type === 'DELETED') {
        unregister(name)
        return
      }
      // Acceptance waits like the real controllers do; cleanup of a terminating CRD starts at once.
      schedule(name, event.object.metadata.deletionTimestamp ? 0 : delay)
      return
    }
    if (event.type === 'DELETED' && registered.has(event.resource)) {
      const crd = store.get(CRD_RESOURCE, undefined, event.resource)
      if (crd?.metadata.deletionTimestamp) schedule(event.resource, 0)
    }
  })

  return () => {
    unsubscribe()
    for (const timer of timers.values()) clearTimeout(timer)
    timers.clear()
  }
}
