/** /version, API discovery (aggregated v2 and legacy), and the OpenAPI v3 stub the clients probe. */
import { createHash } from 'node:crypto'
import { GROUP_VERSIONS, RESOURCES, type ResourceInfo } from './resources.js'

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
  if (['deployments', 'replicasets', 'statefulsets'].includes(r.resource)) {
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
    resource: r.resource,
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

/** APIGroupDiscoveryList for /api (core only) or /apis (named groups). */
export function aggregatedDiscovery(core: boolean): Record<string, unknown> {
  const groups = [...new Set(RESOURCES.filter(r => (r.group === '') === core).map(r => r.group))]
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map(group => ({
      metadata: group ? { name: group } : {},
      versions: [
        {
          version: 'v1',
          resources: RESOURCES.filter(r => r.group === group).map(aggregatedResource),
          freshness: 'Current'
        }
      ]
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

function groupEntry(group: string, version: string): Record<string, unknown> {
  const groupVersion = { groupVersion: `${group}/${version}`, version }
  return { name: group, versions: [groupVersion], preferredVersion: groupVersion }
}

/** APIGroup for /apis/<group>, or undefined when the group is not served. */
export function apiGroup(group: string): Record<string, unknown> | undefined {
  const served = GROUP_VERSIONS.find(gv => gv.group === group && group !== '')
  return served
    ? { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(served.group, served.version) }
    : undefined
}

export function apiGroupList(): Record<string, unknown> {
  const groups = GROUP_VERSIONS.filter(gv => gv.group !== '')
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map(({ group, version }) => groupEntry(group, version))
  }
}

export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const resources = RESOURCES.filter(r => r.group === group && r.version === version)
  if (!resources.length) return undefined
  const entries: Record<string, unknown>[] = []
  for (const r of resources) {
    const entry: Record<string, unknown> = {
      name: r.resource,
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
        name: `${r.resource}/${sub.name}`,
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

function openApiDocument(group: string, version: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {}
  for (const r of RESOURCES.filter(x => x.group === group && x.version === version)) {
    const prefix = `/${openApiPath(group, version)}${r.namespaced ? '/namespaces/{namespace}' : ''}/${r.resource}/{name}`
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

const OPENAPI_DOCUMENTS = new Map(
  GROUP_VERSIONS.map(({ group, version }) => {
    const body = JSON.stringify(openApiDocument(group, version))
    const hash = createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase()
    return [openApiPath(group, version), { body, hash }]
  })
)

export function openApiRoot(): Record<string, unknown> {
  const paths: Record<string, unknown> = {}
  for (const [path, doc] of OPENAPI_DOCUMENTS)
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` }
  return { paths }
}

/** The JSON text of /openapi/v3/<path>, or undefined when no such group version is served. */
export function openApiGroupVersion(path: string): string | undefined {
  return OPENAPI_DOCUMENTS.get(path)?.body
}
