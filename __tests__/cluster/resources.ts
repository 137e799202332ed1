import type { ResourceName } from './types.js'

/** What the API server knows about each resource it serves. */
export interface ResourceInfo {
  resource: ResourceName
  group: string
  version: string
  kind: string
  singular: string
  namespaced: boolean
  shortNames: string[]
  categories: string[]
  /** PUT on the main resource keeps the stored status (it is written through /status only). */
  hasStatus: boolean
  /** Another group's view of the resource stored under the same name (events.k8s.io/v1 Events); see events-api.ts. */
  sharedStorage?: boolean
}

function info(
  resource: ResourceName,
  group: string,
  kind: string,
  extra: { namespaced?: boolean; shortNames?: string[]; all?: boolean; hasStatus?: boolean } = {}
): ResourceInfo {
  return {
    resource,
    group,
    version: 'v1',
    kind,
    singular: kind.toLowerCase(),
    namespaced: extra.namespaced ?? true,
    shortNames: extra.shortNames ?? [],
    categories: extra.all ? ['all'] : [],
    hasStatus: extra.hasStatus ?? true
  }
}

export const RESOURCES: readonly ResourceInfo[] = [
  info('namespaces', '', 'Namespace', { namespaced: false, shortNames: ['ns'] }),
  info('nodes', '', 'Node', { namespaced: false, shortNames: ['no'] }),
  info('configmaps', '', 'ConfigMap', { shortNames: ['cm'], hasStatus: false }),
  info('secrets', '', 'Secret', { hasStatus: false }),
  info('serviceaccounts', '', 'ServiceAccount', { shortNames: ['sa'], hasStatus: false }),
  info('services', '', 'Service', { shortNames: ['svc'], all: true }),
  info('pods', '', 'Pod', { shortNames: ['po'], all: true }),
  info('events', '', 'Event', { shortNames: ['ev'], hasStatus: false }),
  info('persistentvolumeclaims', '', 'PersistentVolumeClaim', { shortNames: ['pvc'] }),
  info('resourcequotas', '', 'ResourceQuota', { shortNames: ['quota'] }),
  info('deployments', 'apps', 'Deployment', { shortNames: ['deploy'], all: true }),
  info('replicasets', 'apps', 'ReplicaSet', { shortNames: ['rs'], all: true }),
  info('statefulsets', 'apps', 'StatefulSet', { shortNames: ['sts'], all: true }),
  info('daemonsets', 'apps', 'DaemonSet', { shortNames: ['ds'], all: true }),
  {
    ...info('events', 'events.k8s.io', 'Event', { shortNames: ['ev'], hasStatus: false }),
    sharedStorage: true
  },
  info('jobs', 'batch', 'Job', { all: true }),
  info('ingresses', 'networking.k8s.io', 'Ingress', { shortNames: ['ing'] }),
  info('roles', 'rbac.authorization.k8s.io', 'Role', { hasStatus: false }),
  info('rolebindings', 'rbac.authorization.k8s.io', 'RoleBinding', { hasStatus: false })
]

const BY_NAME = new Map(RESOURCES.filter(r => !r.sharedStorage).map(r => [r.resource, r]))

export function resourceInfo(resource: ResourceName): ResourceInfo {
  const found = BY_NAME.get(resource)
  if (!found) throw new Error(`unknown resource ${resource}`)
  return found
}

/** The resource served at /api/v1 or /apis/<group>/<version> under this plural name, if any. */
export function findResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return RESOURCES.find(r => r.group === group && r.version === version && r.resource === plural)
}

export function findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion]
  return RESOURCES.find(r => r.group === group && r.version === version && r.kind === kind)
}

export function apiVersionOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version
}

/** "deployments.apps" / "pods": how the API server names a resource in error messages. */
export function qualifiedName(r: ResourceInfo): string {
  return r.group ? `${r.resource}.${r.group}` : r.resource
}

export const GROUP_VERSIONS: readonly { group: string; version: string }[] = [
  ...new Map(RESOURCES.map(r => [`${r.group}/${r.version}`, { group: r.group, version: r.version }])).values()
]
