/**
 * The contract between the test cluster's API server half (server, store, watch, patches, discovery)
 * and its simulation half (controllers, kubelet, events, quota admission, pod logs).
 */

export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

export interface ObjectMeta {
  name: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  generation?: number
  creationTimestamp?: string
  deletionTimestamp?: string
  deletionGracePeriodSeconds?: number
  labels?: Record<string, string>
  annotations?: Record<string, string>
  ownerReferences?: OwnerReference[]
  generateName?: string
  finalizers?: string[]
  managedFields?: unknown[]
}

/** Any stored object. Typed views (Pod, Deployment, ...) are narrowed by the code that needs them. */
export interface KubeObject {
  apiVersion: string
  kind: string
  metadata: ObjectMeta
  [field: string]: unknown
}

/**
 * A stored resource: the plural for built-ins (`pods`, `deployments`, `horizontalpodautoscalers`; unique among
 * the built-ins), `<plural>.<group>` (the CRD's name) for custom resources. See resources.ts. All served
 * versions of a resource share its store key: events.k8s.io/v1 Events are the stored core/v1 `events`.
 */
export type ResourceName = string

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

export interface StoreEvent {
  type: WatchEventType
  resource: ResourceName
  /** The object after the change (for DELETED: its last state). */
  object: KubeObject
}

export interface StatusCause {
  reason?: string
  message?: string
  field?: string
}

/** Thrown by store, admission and log reads; the server turns it into a metav1.Status response. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details: { name?: string; group?: string; kind?: string; causes?: StatusCause[] } = {}
  ) {
    super(message)
    this.name = 'StatusError'
  }
}

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan'

export interface DeleteOptions {
  /** DeleteOptions.gracePeriodSeconds: 0 deletes a pod at once; absent uses the pod's terminationGracePeriodSeconds. */
  gracePeriodSeconds?: number
}

export interface ClusterStore {
  get(resource: ResourceName, namespace: string | undefined, name: string): KubeObject | undefined
  /** Objects of a resource, in one namespace or (undefined) all; sorted by namespace, then name. */
  list(resource: ResourceName, namespace?: string): KubeObject[]
  /**
   * Creates after admission. Assigns uid, resourceVersion, creationTimestamp, generation 1, and a name from
   * generateName. Throws AlreadyExists (409), Invalid (422), Forbidden (403) as StatusError.
   */
  create(resource: ResourceName, object: KubeObject): KubeObject
  /**
   * Replaces an object after admission. Bumps resourceVersion; bumps generation when anything outside
   * metadata and status changed. A non-empty metadata.resourceVersion that is stale gives Conflict (409).
   */
  update(resource: ResourceName, object: KubeObject): KubeObject
  /** Replaces only .status (controllers' writes); no admission, no generation bump. */
  updateStatus(resource: ResourceName, object: KubeObject): KubeObject
  /**
   * Deletes, cascading in the background to dependents through ownerReferences unless Orphan. NotFound when
   * absent. A pod on a node is deleted gracefully (deletionTimestamp set, removed later) unless
   * `gracePeriodSeconds` is 0, as the pod registry does.
   */
  delete(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
    propagation?: PropagationPolicy,
    options?: DeleteOptions
  ): KubeObject
  /** Called synchronously after every change, in order. Returns an unsubscribe function. */
  subscribe(listener: (event: StoreEvent) => void): () => void
}

export type AdmissionOperation = 'create' | 'update'

/** Runs before a create/update is stored (mutate `object` to default it); throws StatusError to refuse. */
export type AdmissionHook = (
  operation: AdmissionOperation,
  resource: ResourceName,
  object: KubeObject,
  store: ClusterStore
) => void

export interface LogRequest {
  container?: string
  previous: boolean
  tailLines?: number
}

/** The simulation half: started by startTestCluster with the store, stopped with the cluster. */
export interface Simulation {
  admission: AdmissionHook[]
  /** Text of a container's log (lines joined by \n, trailing \n); StatusError 400/404 as the kubelet answers. */
  readLog(namespace: string, pod: string, request: LogRequest): string
  stop(): void
}

export interface SimulationOptions {
  /** Multiplies every simulated duration; 1 = the kubelet's real timings. */
  timeScale: number
  /** The first node's name ('test-node'); nodes the simulated autoscaler adds are named after it. */
  nodeName: string
}

export type StartSimulation = (store: ClusterStore, options: SimulationOptions) => Simulation
