/** /version, API discovery (aggregated v2 and legacy), and the OpenAPI v3 stub the clients probe. */
import { createHash } from 'node:crypto'
import type { ResourceInfo, ResourceRegistry } from './resources.js'

export const KUBERNETES_VERSION = 'v1.35.0'

export const AGGREGATED_DISCOVERY_CONTENT_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '35',
    emulationMajor: '1',
    emulationMinor: '35',
    minCompatibilityMajor: '1',
    minCompatibilityMinor: '34',
    gitVersion: KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-12-17T00:00:00Z',
    goVersion: 'go1.25.5',
    compiler: 'gc',
    platform: 'linux/amd64'
  }
}

/** Whether the client asked for aggregated discovery (it lists it first when it can read it). */
export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? '').includes('as=APIGroupDiscoveryList') && (accept ?? '').includes('v=v2')
}

interface Subresource {
  name: string
  group: string
  version: string
  kind: string
  verbs: string[]
}

function subresources(r: ResourceInfo): Subresource[] {
  const subs: Subresource[] = []
  const own = { group: r.group, version: r.version }
  if (r.hasStatus) subs.push({ name: 'status', ...own, kind: r.kind, verbs: ['get', 'patch', 'update'] })
  if (r.resource === 'pods') subs.push({ name: 'log', ...own, kind: 'Pod', verbs: ['get'] })
  if (r.scalable) {
    subs.push({
      name: 'scale',
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update']
    })
  }
  return subs
}

function aggregatedResource(r: ResourceInfo): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: VERBS
  }
  if (r.shortNames.length) entry.shortNames = r.shortNames
  if (r.categories.length) entry.categories = r.categories
  const subs = subresources(r)
  if (subs.length) {
    entry.subresources = subs.map(s => ({
      subresource: s.name,
      responseKind: { group: s.group, version: s.version, kind: s.kind },
      verbs: s.verbs
    }))
  }
  return entry
}

/** The served versions of a group, preferred first (as discovery lists them). */
function versionsOf(registry: ResourceRegistry, group: string): string[] {
  return registry
    .groupVersions()
    .filter(gv => gv.group === group)
    .map(gv => gv.version)
}

/** The order the API server lists built-in groups in (by APIService priority); custom groups follow by name. */
const GROUP_ORDER = [
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io'
]

function groupRank(group: string): number {
  const index = GROUP_ORDER.indexOf(group)
  return index < 0 ? GROUP_ORDER.length : index
}

function groupsOf(registry: ResourceRegistry, core: boolean): string[] {
  return [...new Set(registry.all().map(r => r.group))]
    .filter(g => (g === '') === core)
    .sort((a, b) => groupRank(a) - groupRank(b) || (a < b ? -1 : a > b ? 1 : 0))
}

/** APIGroupDiscoveryList for /api (core only) or /apis (named groups). */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean): Record<string, unknown> {
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groupsOf(registry, core).map(group => ({
      metadata: group ? { name: group } : {},
      versions: versionsOf(registry, group).map(version => ({
        version,
        resources: registry
          .all()
          .filter(r => r.group === group && r.version === version)
          .map(aggregatedResource),
        freshness: 'Current'
      }))
    }))
  }
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }]
  }
}

function groupEntry(registry: ResourceRegistry, group: string): Record<string, unknown> {
  const versions = versionsOf(registry, group).map(version => ({
    groupVersion: `${group}/${version}`,
    version
  }))
  return { name: group, versions, preferredVersion: versions[0] }
}

/** APIGroup for /apis/<group>, or undefined when the group is not served. */
export function apiGroup(registry: ResourceRegistry, group: string): Record<string, unknown> | undefined {
  if (!group || !groupsOf(registry, false).includes(group)) return undefined
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(registry, group) }
}

export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupsOf(registry, false).map(group => groupEntry(registry, group))
  }
}

export function apiResourceList(
  registry: ResourceRegistry,
  group: string,
  version: string
): Record<string, unknown> | undefined {
  const resources = registry.all().filter(r => r.group === group && r.version === version)
  if (!resources.length) return undefined
  const entries: Record<string, unknown>[] = []
  for (const r of resources) {
    const entry: Record<string, unknown> = {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS
    }
    if (r.shortNames.length) entry.shortNames = r.shortNames
    if (r.categories.length) entry.categories = r.categories
    entries.push(entry)
    for (const sub of subresources(r)) {
      const entry: Record<string, unknown> = {
        name: `${r.plural}/${sub.name}`,
        singularName: '',
        namespaced: r.namespaced,
        kind: sub.kind,
        verbs: sub.verbs
      }
      if (sub.group !== r.group || sub.version !== r.version) {
        entry.group = sub.group
        entry.version = sub.version
      }
      entries.push(entry)
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: entries
  }
}

// ---------------------------------------------------------------------------------------------------------
// OpenAPI v3 stub: enough for the clients' "does the server validate fields" check, and no real schema.

function openApiPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`
}

function openApiDocument(
  registry: ResourceRegistry,
  group: string,
  version: string
): Record<string, unknown> {
  const paths: Record<string, unknown> = {}
  for (const r of registry.all().filter(x => x.group === group && x.version === version)) {
    const prefix = `/${openApiPath(group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.plural}/{name}`
    paths[prefix] = {
      patch: {
        operationId: `patch${r.kind}`,
        parameters: ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map(name => ({
          name,
          in: 'query',
          schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true }
        })),
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: r.group, version: r.version, kind: r.kind }
      }
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: KUBERNETES_VERSION },
    paths,
    components: { schemas: {} }
  }
}

interface OpenApiDocuments {
  revision: number
  documents: Map<string, { body: string; hash: string }>
}

const OPENAPI_CACHE = new WeakMap<ResourceRegistry, OpenApiDocuments>()

/** One document per served group version, rebuilt when the registry changed (a CRD came or went). */
function openApiDocuments(registry: ResourceRegistry): Map<string, { body: string; hash: string }> {
  const cached = OPENAPI_CACHE.get(registry)
  if (cached?.revision === registry.revision) return cached.documents
  const documents = new Map(
    registry.groupVersions().map(({ group, version }) => {
      const body = JSON.stringify(openApiDocument(registry, group, version))
      const hash = createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase()
      return [openApiPath(group, version), { body, hash }]
    })
  )
  OPENAPI_CACHE.set(registry, { revision: registry.revision, documents })
  return documents
}

export function openApiRoot(registry: ResourceRegistry): Record<string, unknown> {
  const paths: Record<string, unknown> = {}
  for (const [path, doc] of openApiDocuments(registry))
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` }
  return { paths }
}

/** The JSON text of /openapi/v3/<path>, or undefined when no such group version is served. */
export function openApiGroupVersion(registry: ResourceRegistry, path: string): string | undefined {
  return openApiDocuments(registry).get(path)?.body
}
