/** Defaulting admission: the API server's SetDefaults_* for the kinds the simulation runs, plus the checks it needs. */
import { forbidden, invalid, requiredValue, type FieldError } from '../errors.js'
import { isObject, type JsonObject } from '../json.js'
import { resourceInfo } from '../resources.js'
import type { AdmissionHook, ClusterStore, KubeObject } from '../types.js'
import { qosClass } from './resources.js'
import { parseImageReference } from './images.js'

function defaultsFor(object: JsonObject, defaults: JsonObject): void {
  for (const [key, value] of Object.entries(defaults)) {
    if (object[key] === undefined || object[key] === null) object[key] = value
  }
}

function defaultProbe(probe: unknown): void {
  if (!isObject(probe)) return
  defaultsFor(probe, { timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 })
  if (isObject(probe.httpGet)) defaultsFor(probe.httpGet, { path: '/', scheme: 'HTTP' })
}

/** Always for `:latest` or no tag (and no digest), IfNotPresent otherwise: the API server's rule. */
export function defaultPullPolicy(image: string): string {
  const reference = parseImageReference(image)
  if (!reference) return 'IfNotPresent'
  if (reference.digest) return 'IfNotPresent'
  return reference.tag === undefined || reference.tag === 'latest' ? 'Always' : 'IfNotPresent'
}

function defaultContainer(container: unknown, isPod: boolean): void {
  if (!isObject(container)) return
  defaultsFor(container, {
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    resources: {}
  })
  if (container.imagePullPolicy === undefined && typeof container.image === 'string') {
    container.imagePullPolicy = defaultPullPolicy(container.image)
  }
  if (Array.isArray(container.ports)) {
    for (const port of container.ports) if (isObject(port)) defaultsFor(port, { protocol: 'TCP' })
  }
  for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) defaultProbe(container[probe])
  const resources = container.resources
  // A pod's requests default to its limits (SetDefaults_Pod; templates keep what was written).
  if (isPod && isObject(resources) && isObject(resources.limits)) {
    const requests = isObject(resources.requests) ? resources.requests : {}
    for (const [name, value] of Object.entries(resources.limits))
      if (requests[name] === undefined) requests[name] = value
    resources.requests = requests
  }
}

function defaultVolumes(volumes: unknown): void {
  if (!Array.isArray(volumes)) return
  for (const volume of volumes) {
    if (!isObject(volume)) continue
    for (const kind of ['configMap', 'secret', 'projected']) {
      const source = volume[kind]
      if (isObject(source)) defaultsFor(source, { defaultMode: 420 })
    }
  }
}

export function defaultPodSpec(spec: unknown, isPod: boolean): void {
  if (!isObject(spec)) return
  defaultsFor(spec, {
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    schedulerName: 'default-scheduler',
    securityContext: {}
  })
  for (const container of Array.isArray(spec.containers) ? spec.containers : [])
    defaultContainer(container, isPod)
  for (const container of Array.isArray(spec.initContainers) ? spec.initContainers : []) {
    defaultContainer(container, isPod)
  }
  defaultVolumes(spec.volumes)
  if (isPod) {
    defaultsFor(spec, {
      serviceAccountName: 'default',
      enableServiceLinks: true,
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority'
    })
    if (spec.serviceAccount === undefined) spec.serviceAccount = spec.serviceAccountName
    // The DefaultTolerationSeconds admission plugin.
    if (spec.tolerations === undefined) {
      spec.tolerations = ['not-ready', 'unreachable'].map(condition => ({
        key: `node.kubernetes.io/${condition}`,
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300
      }))
    }
  }
}

function defaultTemplate(spec: JsonObject): void {
  const template = spec.template
  if (!isObject(template)) return
  defaultPodSpec(template.spec, false)
}

function requireSelector(spec: JsonObject, errors: FieldError[]): void {
  if (!isObject(spec.selector)) errors.push(requiredValue('spec.selector', ''))
  if (!isObject(spec.template)) errors.push(requiredValue('spec.template', ''))
}

function defaultWorkload(resource: string, object: KubeObject): FieldError[] {
  const errors: FieldError[] = []
  if (!isObject(object.spec)) object.spec = {}
  const spec = object.spec as JsonObject
  switch (resource) {
    case 'deployments':
      defaultsFor(spec, {
        replicas: 1,
        strategy: { type: 'RollingUpdate' },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600
      })
      if (isObject(spec.strategy) && spec.strategy.type === 'RollingUpdate') {
        if (!isObject(spec.strategy.rollingUpdate)) spec.strategy.rollingUpdate = {}
        defaultsFor(spec.strategy.rollingUpdate as JsonObject, { maxUnavailable: '25%', maxSurge: '25%' })
      }
      requireSelector(spec, errors)
      break
    case 'replicasets':
      defaultsFor(spec, { replicas: 1 })
      requireSelector(spec, errors)
      break
    case 'statefulsets':
      defaultsFor(spec, {
        replicas: 1,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        revisionHistoryLimit: 10,
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' }
      })
      requireSelector(spec, errors)
      break
    case 'daemonsets':
      defaultsFor(spec, {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        revisionHistoryLimit: 10
      })
      requireSelector(spec, errors)
      break
    case 'jobs':
      defaultJob(object, spec)
      break
  }
  defaultTemplate(spec)
  if (resource === 'jobs') {
    const restartPolicy =
      isObject(spec.template) && isObject(spec.template.spec) ? spec.template.spec.restartPolicy : undefined
    if (restartPolicy !== 'Never' && restartPolicy !== 'OnFailure') {
      errors.push({
        reason: 'FieldValueNotSupported',
        field: 'spec.template.spec.restartPolicy',
        message: `Unsupported value: ${JSON.stringify(restartPolicy ?? '')}: supported values: "OnFailure", "Never"`
      })
    }
  }
  return errors
}

function defaultJob(object: KubeObject, spec: JsonObject): void {
  defaultsFor(spec, {
    backoffLimit: 6,
    completions: 1,
    parallelism: 1,
    completionMode: 'NonIndexed',
    suspend: false,
    podReplacementPolicy: 'TerminatingOrFailed',
    manualSelector: undefined
  })
  const uid = object.metadata.uid
  if (!uid || spec.manualSelector === true) return
  // The job controller's selector: the Job's own uid (assigned before admission runs).
  const jobLabels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': object.metadata.name,
    'controller-uid': uid,
    'job-name': object.metadata.name
  }
  if (spec.selector === undefined)
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } }
  if (isObject(spec.template)) {
    if (!isObject(spec.template.metadata)) spec.template.metadata = {}
    const metadata = spec.template.metadata as JsonObject
    metadata.labels = { ...(isObject(metadata.labels) ? metadata.labels : {}), ...jobLabels }
  }
}

function defaultPvc(object: KubeObject, operation: 'create' | 'update'): void {
  if (!isObject(object.spec)) object.spec = {}
  const spec = object.spec as JsonObject
  defaultsFor(spec, { volumeMode: 'Filesystem' })
  // The DefaultStorageClass admission plugin: only on create, and only when the field is absent.
  if (operation === 'create' && spec.storageClassName === undefined) spec.storageClassName = 'standard'
  if (operation === 'create' && !isObject(object.status)) object.status = { phase: 'Pending' }
}

/**
 * The ServiceAccount admission plugin: a pod naming a missing service account is refused. It runs before the
 * API server generates a name, hence `generateName` in the message. `default` is let through, since the
 * service account controller creates it right after the namespace (the real plugin waits for it).
 */
function requireServiceAccount(object: KubeObject, store: ClusterStore): void {
  const spec = isObject(object.spec) ? object.spec : {}
  const name = typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : 'default'
  const namespace = object.metadata.namespace ?? 'default'
  if (name === 'default' || store.get('serviceaccounts', namespace, name)) return
  throw forbidden(
    resourceInfo('pods'),
    object.metadata.generateName || object.metadata.name,
    `error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`
  )
}

/** Defaulting for workloads, pods and claims; refuses a Job whose pods would restart forever. */
export const defaultingAdmission: AdmissionHook = (operation, resource, object, store) => {
  switch (resource) {
    case 'deployments':
    case 'replicasets':
    case 'statefulsets':
    case 'daemonsets':
    case 'jobs': {
      const errors = defaultWorkload(resource, object)
      if (errors.length) throw invalid(resourceInfo(resource), object.metadata.name, errors)
      break
    }
    case 'pods':
      defaultPodSpec(object.spec, true)
      if (operation === 'create') {
        requireServiceAccount(object, store)
        const status = isObject(object.status) ? object.status : {}
        status.phase ??= 'Pending'
        if (isObject(object.spec)) status.qosClass = qosClass(object.spec)
        object.status = status
      }
      break
    case 'persistentvolumeclaims':
      defaultPvc(object, operation)
      break
  }
}
