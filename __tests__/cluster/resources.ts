/**
 * What the API server serves: the built-in API surface of Kubernetes 1.35 as one table (adding a kind is one
 * row), and a per-cluster registry that custom resources (from CustomResourceDefinitions) join and leave.
 *
 * One stored resource can be served at several group versions (autoscaling/v2 and v1
 * HorizontalPodAutoscalers), even in several groups (core/v1 and events.k8s.io/v1 Events); each served version
 * is its own `ResourceInfo`, and all of them share the store key `resource` and the storage version objects
 * are kept in. conversion.ts converts between them.
 */
import type { JsonObject } from './json.js'
import type { ResourceName } from './types.js'

/** A column from a CRD's additionalPrinterColumns. */
export interface PrinterColumn {
  name: string
  type: string
  format?: string
  description?: string
  priority?: number
  jsonPath: string
}

/** What a CustomResourceDefinition says about one served version. */
export interface CustomResourceVersion {
  columns: PrinterColumn[]
  /** The version's openAPIV3Schema, for list and map types (x-kubernetes-list-type, ...). */
  schema: JsonObject | undefined
}

/** What the API server knows about a resource at one served group version. */
export interface ResourceInfo {
  /** The store key: the plural for built-ins, `<plural>.<group>` (the CRD's name) for custom resources. */
  resource: ResourceName
  /** The URL segment and discovery name. */
  plural: string
  group: string
  version: string
  kind: string
  listKind: string
  singular: string
  namespaced: boolean
  shortNames: string[]
  categories: string[]
  /** Has a status subresource: PUT on the main resource keeps the stored status. */
  hasStatus: boolean
  /** Has a scale subresource (autoscaling/v1 Scale over spec.replicas). */
  scalable: boolean
  /** apiVersion of the stored objects; other served versions are converted on the way in and out. */
  storageApiVersion: string
  /** The version clients should use: listed first in discovery. */
  preferred: boolean
  /** The version objects are stored in (`storageApiVersion` is this one's apiVersion). */
  storage: boolean
  /** Only for custom resources. */
  custom?: CustomResourceVersion
}

interface KindRow {
  plural: string
  kind: string
  group: string
  /** Served versions, preferred first; the first is the storage version. */
  versions: string[]
  cluster?: boolean
  shortNames?: string[]
  categories?: string[]
  /** Defaults to true: most kinds have a status subresource. */
  status?: boolean
  scale?: boolean
  /**
   * Other API groups that serve the same stored objects (events.k8s.io/v1 Events are the core/v1 ones): more
   * served versions of this resource, never its storage version.
   */
  alsoServedIn?: GroupVersion[]
}

const ALL = ['all']
const EXT = ['api-extensions']

/** The built-in kinds of Kubernetes 1.35 the test cluster serves, with scope, short names and categories. */
const BUILT_IN_KINDS: readonly KindRow[] = [
  // core/v1
  { plural: 'namespaces', kind: 'Namespace', group: '', versions: ['v1'], cluster: true, shortNames: ['ns'] },
  { plural: 'nodes', kind: 'Node', group: '', versions: ['v1'], cluster: true, shortNames: ['no'] },
  { plural: 'configmaps', kind: 'ConfigMap', group: '', versions: ['v1'], shortNames: ['cm'], status: false },
  { plural: 'secrets', kind: 'Secret', group: '', versions: ['v1'], status: false },
  {
    plural: 'serviceaccounts',
    kind: 'ServiceAccount',
    group: '',
    versions: ['v1'],
    shortNames: ['sa'],
    status: false
  },
  { plural: 'services', kind: 'Service', group: '', versions: ['v1'], shortNames: ['svc'], categories: ALL },
  { plural: 'pods', kind: 'Pod', group: '', versions: ['v1'], shortNames: ['po'], categories: ALL },
  {
    plural: 'events',
    kind: 'Event',
    group: '',
    versions: ['v1'],
    shortNames: ['ev'],
    status: false,
    alsoServedIn: [{ group: 'events.k8s.io', version: 'v1' }]
  },
  {
    plural: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    group: '',
    versions: ['v1'],
    shortNames: ['pvc']
  },
  {
    plural: 'persistentvolumes',
    kind: 'PersistentVolume',
    group: '',
    versions: ['v1'],
    cluster: true,
    shortNames: ['pv']
  },
  { plural: 'resourcequotas', kind: 'ResourceQuota', group: '', versions: ['v1'], shortNames: ['quota'] },
  {
    plural: 'limitranges',
    kind: 'LimitRange',
    group: '',
    versions: ['v1'],
    shortNames: ['limits'],
    status: false
  },
  { plural: 'endpoints', kind: 'Endpoints', group: '', versions: ['v1'], shortNames: ['ep'], status: false },
  {
    plural: 'replicationcontrollers',
    kind: 'ReplicationController',
    group: '',
    versions: ['v1'],
    shortNames: ['rc'],
    categories: ALL,
    scale: true
  },
  { plural: 'podtemplates', kind: 'PodTemplate', group: '', versions: ['v1'], status: false },
  // apps/v1
  {
    plural: 'deployments',
    kind: 'Deployment',
    group: 'apps',
    versions: ['v1'],
    shortNames: ['deploy'],
    categories: ALL,
    scale: true
  },
  {
    plural: 'replicasets',
    kind: 'ReplicaSet',
    group: 'apps',
    versions: ['v1'],
    shortNames: ['rs'],
    categories: ALL,
    scale: true
  },
  {
    plural: 'statefulsets',
    kind: 'StatefulSet',
    group: 'apps',
    versions: ['v1'],
    shortNames: ['sts'],
    categories: ALL,
    scale: true
  },
  {
    plural: 'daemonsets',
    kind: 'DaemonSet',
    group: 'apps',
    versions: ['v1'],
    shortNames: ['ds'],
    categories: ALL
  },
  // batch, autoscaling, policy
  { plural: 'jobs', kind: 'Job', group: 'batch', versions: ['v1'], categories: ALL },
  {
    plural: 'cronjobs',
    kind: 'CronJob',
    group: 'batch',
    versions: ['v1'],
    shortNames: ['cj'],
    categories: ALL
  },
  {
    plural: 'horizontalpodautoscalers',
    kind: 'HorizontalPodAutoscaler',
    group: 'autoscaling',
    versions: ['v2', 'v1'],
    shortNames: ['hpa'],
    categories: ALL
  },
  {
    plural: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    group: 'policy',
    versions: ['v1'],
    shortNames: ['pdb']
  },
  // networking, discovery, coordination, scheduling
  { plural: 'ingresses', kind: 'Ingress', group: 'networking.k8s.io', versions: ['v1'], shortNames: ['ing'] },
  {
    plural: 'ingressclasses',
    kind: 'IngressClass',
    group: 'networking.k8s.io',
    versions: ['v1'],
    cluster: true,
    status: false
  },
  {
    plural: 'networkpolicies',
    kind: 'NetworkPolicy',
    group: 'networking.k8s.io',
    versions: ['v1'],
    shortNames: ['netpol'],
    status: false
  },
  {
    plural: 'endpointslices',
    kind: 'EndpointSlice',
    group: 'discovery.k8s.io',
    versions: ['v1'],
    status: false
  },
  { plural: 'leases', kind: 'Lease', group: 'coordination.k8s.io', versions: ['v1'], status: false },
  {
    plural: 'priorityclasses',
    kind: 'PriorityClass',
    group: 'scheduling.k8s.io',
    versions: ['v1'],
    cluster: true,
    shortNames: ['pc'],
    status: false
  },
  // rbac
  { plural: 'roles', kind: 'Role', group: 'rbac.authorization.k8s.io', versions: ['v1'], status: false },
  {
    plural: 'rolebindings',
    kind: 'RoleBinding',
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    status: false
  },
  {
    plural: 'clusterroles',
    kind: 'ClusterRole',
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    cluster: true,
    status: false
  },
  {
    plural: 'clusterrolebindings',
    kind: 'ClusterRoleBinding',
    group: 'rbac.authorization.k8s.io',
    versions: ['v1'],
    cluster: true,
    status: false
  },
  // storage
  {
    plural: 'storageclasses',
    kind: 'StorageClass',
    group: 'storage.k8s.io',
    versions: ['v1'],
    cluster: true,
    shortNames: ['sc'],
    status: false
  },
  {
    plural: 'csidrivers',
    kind: 'CSIDriver',
    group: 'storage.k8s.io',
    versions: ['v1'],
    cluster: true,
    status: false
  },
  {
    plural: 'volumeattachments',
    kind: 'VolumeAttachment',
    group: 'storage.k8s.io',
    versions: ['v1'],
    cluster: true
  },
  // admission, aggregation, extensions, certificates
  {
    plural: 'validatingwebhookconfigurations',
    kind: 'ValidatingWebhookConfiguration',
    group: 'admissionregistration.k8s.io',
    versions: ['v1'],
    cluster: true,
    categories: EXT,
    status: false
  },
  {
    plural: 'mutatingwebhookconfigurations',
    kind: 'MutatingWebhookConfiguration',
    group: 'admissionregistration.k8s.io',
    versions: ['v1'],
    cluster: true,
    categories: EXT,
    status: false
  },
  {
    plural: 'validatingadmissionpolicies',
    kind: 'ValidatingAdmissionPolicy',
    group: 'admissionregistration.k8s.io',
    versions: ['v1'],
    cluster: true,
    categories: EXT
  },
  {
    plural: 'validatingadmissionpolicybindings',
    kind: 'ValidatingAdmissionPolicyBinding',
    group: 'admissionregistration.k8s.io',
    versions: ['v1'],
    cluster: true,
    categories: EXT,
    status: false
  },
  {
    plural: 'apiservices',
    kind: 'APIService',
    group: 'apiregistration.k8s.io',
    versions: ['v1'],
    cluster: true,
    categories: EXT
  },
  {
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    group: 'apiextensions.k8s.io',
    versions: ['v1'],
    cluster: true,
    shortNames: ['crd', 'crds'],
    categories: EXT
  },
  {
    plural: 'certificatesigningrequests',
    kind: 'CertificateSigningRequest',
    group: 'certificates.k8s.io',
    versions: ['v1'],
    cluster: true,
    shortNames: ['csr']
  }
]

function apiVersionText(group: string, version: string): string {
  return group ? `${group}/${version}` : version
}

function infosOf(row: KindRow): ResourceInfo[] {
  const storage = apiVersionText(row.group, row.versions[0] ?? 'v1')
  const served = [
    ...row.versions.map(version => ({ group: row.group, version })),
    ...(row.alsoServedIn ?? [])
  ]
  return served.map(({ group, version }, index) => ({
    resource: row.plural,
    plural: row.plural,
    group,
    version,
    kind: row.kind,
    listKind: `${row.kind}List`,
    singular: row.kind.toLowerCase(),
    namespaced: !row.cluster,
    shortNames: row.shortNames ?? [],
    categories: row.categories ?? [],
    hasStatus: row.status ?? true,
    scalable: row.scale ?? false,
    storageApiVersion: storage,
    // Each group lists its own first version as preferred.
    preferred: served.findIndex(gv => gv.group === group) === index,
    storage: index === 0
  }))
}

/** Every served built-in group version of every built-in kind. */
export const BUILT_IN_SERVED: readonly ResourceInfo[] = BUILT_IN_KINDS.flatMap(infosOf)

/** One entry per stored built-in resource: its storage version. */
export const RESOURCES: readonly ResourceInfo[] = BUILT_IN_SERVED.filter(r => r.storage)

const BUILT_IN_BY_NAME = new Map(RESOURCES.map(r => [r.resource, r]))

/**
 * Custom resources any cluster in this process registered, by store key: lets `resourceInfo` (used by code that
 * only has a resource name, e.g. admission error messages) answer for them too.
 */
const CUSTOM_BY_NAME = new Map<ResourceName, ResourceInfo>()

/** The storage version of a resource, built-in or custom (the latter once some cluster registered it). */
export function resourceInfo(resource: ResourceName): ResourceInfo {
  const found = BUILT_IN_BY_NAME.get(resource) ?? CUSTOM_BY_NAME.get(resource)
  if (!found) throw new Error(`unknown resource ${resource}`)
  return found
}

export function apiVersionOf(r: ResourceInfo): string {
  return apiVersionText(r.group, r.version)
}

/** "deployments.apps" / "pods": how the API server names a resource in error messages. */
export function qualifiedName(r: ResourceInfo): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural
}

/** A served group version. */
export interface GroupVersion {
  group: string
  version: string
}

/**
 * The resources one cluster serves: the built-ins plus the custom resources of its established CRDs.
 * `revision` changes whenever the set changes (discovery and OpenAPI documents are cached per revision).
 */
export class ResourceRegistry {
  private custom: ResourceInfo[] = []
  private served: readonly ResourceInfo[] = BUILT_IN_SERVED
  private byName = new Map<ResourceName, ResourceInfo>(BUILT_IN_BY_NAME)
  private byRoute = new Map<string, ResourceInfo>()
  revision = 0

  constructor() {
    this.index()
  }

  private index(): void {
    this.served = [...BUILT_IN_SERVED, ...this.custom]
    this.byName = new Map(BUILT_IN_BY_NAME)
    this.byRoute = new Map()
    for (const r of this.served) {
      // A built-in wins over a custom resource claiming the same group and plural.
      const key = `${r.group}/${r.version}/${r.plural}`
      if (!this.byRoute.has(key)) this.byRoute.set(key, r)
      if (r.storage && !this.byName.has(r.resource)) this.byName.set(r.resource, r)
    }
    this.revision += 1
  }

  /** Every served group version of every resource, built-ins first. */
  all(): readonly ResourceInfo[] {
    return this.served
  }

  /** The storage version of a resource, or undefined when not served (e.g. a CRD not yet established). */
  find(resource: ResourceName): ResourceInfo | undefined {
    return this.byName.get(resource)
  }

  info(resource: ResourceName): ResourceInfo {
    const found = this.byName.get(resource)
    if (!found) throw new Error(`unknown resource ${resource}`)
    return found
  }

  /** The resource served at /api/v1 or /apis/<group>/<version> under this plural name, if any. */
  route(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.byRoute.get(`${group}/${version}/${plural}`)
  }

  /** Served group versions, each group's preferred version first, core first. */
  groupVersions(): GroupVersion[] {
    const seen = new Map<string, GroupVersion>()
    const ordered = [...this.served.filter(r => r.preferred), ...this.served.filter(r => !r.preferred)]
    for (const r of ordered) {
      const key = apiVersionText(r.group, r.version)
      if (!seen.has(key)) seen.set(key, { group: r.group, version: r.version })
    }
    return [...seen.values()]
  }

  /** Registers (or replaces) the served versions of a custom resource; all share `versions[0].resource`. */
  setCustom(resource: ResourceName, versions: ResourceInfo[]): void {
    this.custom = [...this.custom.filter(r => r.resource !== resource), ...versions]
    const storage = versions.find(v => v.storage) ?? versions[0]
    if (storage) CUSTOM_BY_NAME.set(resource, storage)
    this.index()
  }

  removeCustom(resource: ResourceName): void {
    if (!this.custom.some(r => r.resource === resource)) return
    this.custom = this.custom.filter(r => r.resource !== resource)
    this.index()
  }
}
