/**
 * meta.k8s.io/v1 Table responses, with the columns and cell values the real API server's printers produce,
 * so kubectl's default output looks as it does against a real cluster.
 */
import { convertTo } from './conversion.js'
import { asArray, asNumber, asObject, asString, isObject, type JsonObject } from './json.js'
import type { ResourceInfo } from './resources.js'
import { selectorText } from './selectors.js'
import type { KubeObject } from './types.js'

interface Column {
  name: string
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date'
  format?: string
  priority?: number
  description?: string
}

interface Printer {
  columns: Column[]
  cells(object: KubeObject, now: number): unknown[]
}

/** Kubernetes' duration.HumanDuration. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 10) {
    const s = seconds % 60
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`
  }
  if (minutes < 180) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 8) {
    const m = minutes % 60
    return m === 0 ? `${hours}h` : `${hours}h${m}m`
  }
  if (hours < 48) return `${hours}h`
  if (hours < 24 * 8) {
    const h = hours % 24
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365
    const years = Math.floor(hours / 24 / 365)
    return days === 0 ? `${years}y` : `${years}y${days}d`
  }
  return `${Math.floor(hours / 24 / 365)}y`
}

function since(time: unknown, now: number): string {
  const text = asString(time)
  if (!text) return '<unknown>'
  return humanDuration(now - Date.parse(text))
}

function age(object: KubeObject, now: number): string {
  return since(object.metadata.creationTimestamp, now)
}

const NAME: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace.'
}
const AGE: Column = { name: 'Age', type: 'string', description: 'CreationTimestamp' }

function spec(object: KubeObject): JsonObject {
  return asObject(object.spec) ?? {}
}

function status(object: KubeObject): JsonObject {
  return asObject(object.status) ?? {}
}

function objects(value: unknown): JsonObject[] {
  return asArray(value).filter(isObject)
}

function containersOf(podSpec: JsonObject): { names: string; images: string } {
  const containers = objects(podSpec.containers)
  return {
    names: containers.map(c => asString(c.name) ?? '').join(','),
    images: containers.map(c => asString(c.image) ?? '').join(',')
  }
}

function hasCondition(object: KubeObject, type: string, value = 'True'): boolean {
  return objects(status(object).conditions).some(c => c.type === type && c.status === value)
}

/** The STATUS column of `kubectl get pods`, computed like the API server's pod printer. */
export function podStatusReason(pod: KubeObject): {
  reason: string
  ready: number
  total: number
  restarts: number
  lastRestart?: number
} {
  const podStatus = status(pod)
  const podSpec = spec(pod)
  let reason = asString(podStatus.reason) || asString(podStatus.phase) || 'Pending'
  const total = objects(podSpec.containers).length
  let ready = 0
  let restarts = 0
  let lastRestart: number | undefined
  const noteRestart = (containerStatus: JsonObject): void => {
    const finished = asString(asObject(asObject(containerStatus.lastState)?.terminated)?.finishedAt)
    if (finished) lastRestart = Math.max(lastRestart ?? 0, Date.parse(finished))
  }
  if (objects(podStatus.conditions).some(c => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated'
  }
  const initStatuses = objects(podStatus.initContainerStatuses)
  const initCount = objects(podSpec.initContainers).length
  let initializing = false
  for (const [index, container] of initStatuses.entries()) {
    restarts += asNumber(container.restartCount) ?? 0
    noteRestart(container)
    const state = asObject(container.state) ?? {}
    const terminated = asObject(state.terminated)
    const waiting = asObject(state.waiting)
    if (terminated && asNumber(terminated.exitCode) === 0) continue
    if (terminated) {
      const why = asString(terminated.reason)
      if (why) reason = `Init:${why}`
      else if (asNumber(terminated.signal)) reason = `Init:Signal:${asNumber(terminated.signal)}`
      else reason = `Init:ExitCode:${asNumber(terminated.exitCode) ?? 0}`
    } else if (waiting && asString(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = `Init:${asString(waiting.reason)}`
    } else {
      reason = `Init:${index}/${initCount}`
    }
    initializing = true
    break
  }
  if (!initializing || hasCondition(pod, 'Initialized')) {
    restarts = 0
    let hasRunning = false
    const statuses = objects(podStatus.containerStatuses)
    for (let i = statuses.length - 1; i >= 0; i--) {
      const container = statuses[i] ?? {}
      restarts += asNumber(container.restartCount) ?? 0
      noteRestart(container)
      const state = asObject(container.state) ?? {}
      const waiting = asObject(state.waiting)
      const terminated = asObject(state.terminated)
      if (waiting && asString(waiting.reason)) reason = asString(waiting.reason) ?? reason
      else if (terminated && asString(terminated.reason)) reason = asString(terminated.reason) ?? reason
      else if (terminated) {
        const signal = asNumber(terminated.signal)
        reason = signal ? `Signal:${signal}` : `ExitCode:${asNumber(terminated.exitCode) ?? 0}`
      } else if (container.ready === true && state.running) {
        hasRunning = true
        ready++
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady'
  }
  if (pod.metadata.deletionTimestamp) reason = podStatus.reason === 'NodeLost' ? 'Unknown' : 'Terminating'
  return { reason, ready, total, restarts, lastRestart }
}

const pods: Printer = {
  columns: [
    NAME,
    {
      name: 'Ready',
      type: 'string',
      description: 'The aggregate readiness state of this pod for accepting traffic.'
    },
    { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.' },
    {
      name: 'Restarts',
      type: 'string',
      description:
        'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'
    },
    AGE,
    { name: 'IP', type: 'string', priority: 1, description: 'IP address allocated to the pod.' },
    { name: 'Node', type: 'string', priority: 1, description: 'Name of the node this pod is assigned to.' },
    {
      name: 'Nominated Node',
      type: 'string',
      priority: 1,
      description: 'Name of the node this pod is nominated to.'
    },
    { name: 'Readiness Gates', type: 'string', priority: 1, description: 'The readiness gates of this pod.' }
  ],
  cells(pod, now) {
    const { reason, ready, total, restarts, lastRestart } = podStatusReason(pod)
    const restartText =
      lastRestart !== undefined && restarts > 0
        ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
        : String(restarts)
    const gates = objects(spec(pod).readinessGates)
    const gateText = gates.length
      ? `${gates.filter(g => hasCondition(pod, asString(g.conditionType) ?? '')).length}/${gates.length}`
      : '<none>'
    return [
      pod.metadata.name,
      `${ready}/${total}`,
      reason,
      restartText,
      age(pod, now),
      asString(status(pod).podIP) || '<none>',
      asString(spec(pod).nodeName) || '<none>',
      asString(status(pod).nominatedNodeName) || '<none>',
      gateText
    ]
  }
}

const CONTAINERS: Column = {
  name: 'Containers',
  type: 'string',
  priority: 1,
  description: 'Names of each container in the template.'
}
const IMAGES: Column = {
  name: 'Images',
  type: 'string',
  priority: 1,
  description: 'Images referenced by each container in the template.'
}
const SELECTOR: Column = {
  name: 'Selector',
  type: 'string',
  priority: 1,
  description: 'Label selector for pods.'
}

function templateSpec(object: KubeObject): JsonObject {
  return asObject(asObject(spec(object).template)?.spec) ?? {}
}

const deployments: Printer = {
  columns: [
    NAME,
    { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
    {
      name: 'Up-to-date',
      type: 'integer',
      description:
        'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'
    },
    {
      name: 'Available',
      type: 'integer',
      description:
        'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'
    },
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR
  ],
  cells(d, now) {
    const st = status(d)
    const { names, images } = containersOf(templateSpec(d))
    return [
      d.metadata.name,
      `${asNumber(st.readyReplicas) ?? 0}/${asNumber(spec(d).replicas) ?? 1}`,
      asNumber(st.updatedReplicas) ?? 0,
      asNumber(st.availableReplicas) ?? 0,
      age(d, now),
      names,
      images,
      selectorText(spec(d).selector)
    ]
  }
}

const replicasets: Printer = {
  columns: [
    NAME,
    { name: 'Desired', type: 'integer', description: 'Number of desired pods.' },
    { name: 'Current', type: 'integer', description: 'Number of actual replicas.' },
    { name: 'Ready', type: 'integer', description: 'The number of ready replicas.' },
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR
  ],
  cells(rs, now) {
    const st = status(rs)
    const { names, images } = containersOf(templateSpec(rs))
    return [
      rs.metadata.name,
      asNumber(spec(rs).replicas) ?? 1,
      asNumber(st.replicas) ?? 0,
      asNumber(st.readyReplicas) ?? 0,
      age(rs, now),
      names,
      images,
      selectorText(spec(rs).selector)
    ]
  }
}

const statefulsets: Printer = {
  columns: [
    NAME,
    { name: 'Ready', type: 'string', description: 'Number of the pod with ready state' },
    AGE,
    CONTAINERS,
    IMAGES
  ],
  cells(s, now) {
    const { names, images } = containersOf(templateSpec(s))
    return [
      s.metadata.name,
      `${asNumber(status(s).readyReplicas) ?? 0}/${asNumber(spec(s).replicas) ?? 1}`,
      age(s, now),
      names,
      images
    ]
  }
}

const daemonsets: Printer = {
  columns: [
    NAME,
    { name: 'Desired', type: 'integer' },
    { name: 'Current', type: 'integer' },
    { name: 'Ready', type: 'integer' },
    { name: 'Up-to-date', type: 'integer' },
    { name: 'Available', type: 'integer' },
    { name: 'Node Selector', type: 'string' },
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR
  ],
  cells(ds, now) {
    const st = status(ds)
    const nodeSelector = asObject(templateSpec(ds).nodeSelector)
    const { names, images } = containersOf(templateSpec(ds))
    return [
      ds.metadata.name,
      asNumber(st.desiredNumberScheduled) ?? 0,
      asNumber(st.currentNumberScheduled) ?? 0,
      asNumber(st.numberReady) ?? 0,
      asNumber(st.updatedNumberScheduled) ?? 0,
      asNumber(st.numberAvailable) ?? 0,
      nodeSelector
        ? Object.entries(nodeSelector)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(',')
        : '<none>',
      age(ds, now),
      names,
      images,
      selectorText(spec(ds).selector)
    ]
  }
}

function servicePorts(svc: KubeObject): string {
  const ports = objects(spec(svc).ports)
  if (!ports.length) return '<none>'
  return ports
    .map(p => {
      const protocol = asString(p.protocol) ?? 'TCP'
      const nodePort = asNumber(p.nodePort)
      return nodePort ? `${String(p.port)}:${nodePort}/${protocol}` : `${String(p.port)}/${protocol}`
    })
    .join(',')
}

const services: Printer = {
  columns: [
    NAME,
    { name: 'Type', type: 'string', description: 'type determines how the Service is exposed.' },
    { name: 'Cluster-IP', type: 'string', description: 'clusterIP is the IP address of the service.' },
    {
      name: 'External-IP',
      type: 'string',
      description:
        'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'
    },
    { name: 'Port(s)', type: 'string', description: 'The list of ports that are exposed by this service.' },
    AGE,
    {
      name: 'Selector',
      type: 'string',
      priority: 1,
      description: 'Route service traffic to pods with label keys and values matching this selector.'
    }
  ],
  cells(svc, now) {
    const s = spec(svc)
    const type = asString(s.type) ?? 'ClusterIP'
    const externalIPs = asArray(s.externalIPs).map(String)
    const ingress = objects(asObject(status(svc).loadBalancer)?.ingress).map(
      i => asString(i.ip) ?? asString(i.hostname) ?? ''
    )
    let external = externalIPs.length ? externalIPs.join(',') : '<none>'
    if (type === 'LoadBalancer') external = [...ingress, ...externalIPs].join(',') || '<pending>'
    if (type === 'ExternalName') external = asString(s.externalName) ?? '<none>'
    const selector = asObject(s.selector)
    return [
      svc.metadata.name,
      type,
      asString(s.clusterIP) || '<none>',
      external,
      servicePorts(svc),
      age(svc, now),
      selector
        ? Object.entries(selector)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(',')
        : '<none>'
    ]
  }
}

function jobStatus(job: KubeObject): string {
  if (job.metadata.deletionTimestamp) return 'Terminating'
  if (hasCondition(job, 'Complete')) return 'Complete'
  if (hasCondition(job, 'Failed')) return 'Failed'
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget'
  if (hasCondition(job, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet'
  if (hasCondition(job, 'Suspended')) return 'Suspended'
  return 'Running'
}

const jobs: Printer = {
  columns: [
    NAME,
    { name: 'Status', type: 'string', description: 'Status of the job.' },
    {
      name: 'Completions',
      type: 'string',
      description: 'The desired number of successfully finished pods the job should be run with.'
    },
    { name: 'Duration', type: 'string', description: 'Time required to complete the job.' },
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR
  ],
  cells(job, now) {
    const st = status(job)
    const completions = asNumber(spec(job).completions)
    const parallelism = asNumber(spec(job).parallelism) ?? 1
    const succeeded = asNumber(st.succeeded) ?? 0
    const completionText =
      completions !== undefined
        ? `${succeeded}/${completions}`
        : parallelism > 1
          ? `${succeeded}/1 of ${parallelism}`
          : `${succeeded}/1`
    const start = asString(st.startTime)
    const end = asString(st.completionTime)
    const duration = start ? humanDuration((end ? Date.parse(end) : now) - Date.parse(start)) : ''
    const { names, images } = containersOf(templateSpec(job))
    return [
      job.metadata.name,
      jobStatus(job),
      completionText,
      duration,
      age(job, now),
      names,
      images,
      selectorText(spec(job).selector)
    ]
  }
}

const events: Printer = {
  columns: [
    { name: 'Last Seen', type: 'string', description: 'Time when last event occurred' },
    {
      name: 'Type',
      type: 'string',
      description: 'Type of this event (Normal, Warning), new types could be added in the future.'
    },
    {
      name: 'Reason',
      type: 'string',
      description:
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."
    },
    { name: 'Object', type: 'string', description: 'The object that this event is about.' },
    { name: 'Subobject', type: 'string', priority: 1, description: 'The subobject this event is about.' },
    { name: 'Source', type: 'string', priority: 1, description: 'The component reporting this event.' },
    {
      name: 'Message',
      type: 'string',
      description: 'A human-readable description of the status of this operation.'
    },
    {
      name: 'First Seen',
      type: 'string',
      priority: 1,
      description: 'The time at which the event was first recorded.'
    },
    {
      name: 'Count',
      type: 'string',
      priority: 1,
      description: 'The number of times this event has occurred.'
    },
    {
      name: 'Name',
      type: 'string',
      priority: 1,
      format: 'name',
      description: 'Name must be unique within a namespace.'
    }
  ],
  // printEvent: firstTimestamp falls back to eventTime, lastTimestamp to series.lastObservedTime (or first),
  // count to series.count (or 1 for a singleton of the new API); the source to reportingController/Instance.
  cells(event, now) {
    const involved = asObject(event.involvedObject) ?? {}
    const source = asObject(event.source) ?? {}
    const series = asObject(event.series)
    const first = asString(event.firstTimestamp)
      ? since(event.firstTimestamp, now)
      : since(event.eventTime, now)
    let last = asString(event.lastTimestamp) ? since(event.lastTimestamp, now) : first
    let count = asNumber(event.count) ?? 0
    if (series) {
      last = since(series.lastObservedTime, now)
      count = asNumber(series.count) ?? count
    } else if (count === 0) count = 1
    const component = asString(source.component) || asString(event.reportingComponent) || ''
    const instance = asString(source.host) || asString(event.reportingInstance) || ''
    const name = asString(involved.name) ?? ''
    const kind = (asString(involved.kind) ?? '').toLowerCase()
    return [
      last,
      asString(event.type) ?? '',
      asString(event.reason) ?? '',
      name ? `${kind}/${name}` : kind,
      asString(involved.fieldPath) ?? '',
      instance ? `${component}, ${instance}` : component,
      (asString(event.message) ?? '').trim(),
      first,
      count,
      event.metadata.name
    ]
  }
}

const configmaps: Printer = {
  columns: [
    NAME,
    { name: 'Data', type: 'integer', description: 'Data contains the configuration data.' },
    AGE
  ],
  cells(cm, now) {
    const count =
      Object.keys(asObject(cm.data) ?? {}).length + Object.keys(asObject(cm.binaryData) ?? {}).length
    return [cm.metadata.name, count, age(cm, now)]
  }
}

const secrets: Printer = {
  columns: [
    NAME,
    { name: 'Type', type: 'string', description: 'Used to facilitate programmatic handling of secret data.' },
    { name: 'Data', type: 'integer', description: 'Data contains the secret data.' },
    AGE
  ],
  cells(secret, now) {
    return [
      secret.metadata.name,
      asString(secret.type) ?? 'Opaque',
      Object.keys(asObject(secret.data) ?? {}).length,
      age(secret, now)
    ]
  }
}

const namespaces: Printer = {
  columns: [NAME, { name: 'Status', type: 'string', description: 'The status of the namespace' }, AGE],
  cells(ns, now) {
    return [ns.metadata.name, asString(status(ns).phase) ?? 'Active', age(ns, now)]
  }
}

const nodes: Printer = {
  columns: [
    NAME,
    { name: 'Status', type: 'string', description: 'The status of the node' },
    { name: 'Roles', type: 'string', description: 'The roles of the node' },
    AGE,
    { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.' }
  ],
  cells(node, now) {
    const ready = hasCondition(node, 'Ready') ? 'Ready' : 'NotReady'
    const roles = Object.keys(node.metadata.labels ?? {})
      .filter(l => l.startsWith('node-role.kubernetes.io/'))
      .map(l => l.slice('node-role.kubernetes.io/'.length))
    const nodeInfo = asObject(status(node).nodeInfo)
    return [
      node.metadata.name,
      ready,
      roles.join(',') || '<none>',
      age(node, now),
      asString(nodeInfo?.kubeletVersion) ?? ''
    ]
  }
}

const serviceaccounts: Printer = {
  columns: [
    NAME,
    {
      name: 'Secrets',
      type: 'integer',
      description:
        'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'
    },
    AGE
  ],
  cells(sa, now) {
    return [sa.metadata.name, asArray(sa.secrets).length, age(sa, now)]
  }
}

const persistentvolumeclaims: Printer = {
  columns: [
    NAME,
    { name: 'Status', type: 'string' },
    { name: 'Volume', type: 'string' },
    { name: 'Capacity', type: 'string' },
    { name: 'Access Modes', type: 'string' },
    { name: 'StorageClass', type: 'string' },
    { name: 'VolumeAttributesClass', type: 'string' },
    AGE,
    { name: 'VolumeMode', type: 'string', priority: 1 }
  ],
  cells(pvc, now) {
    const s = spec(pvc)
    const st = status(pvc)
    const modes = asArray(st.accessModes).length ? asArray(st.accessModes) : []
    const shortModes = modes.map(
      m =>
        ({ ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' })[
          String(m)
        ] ?? String(m)
    )
    return [
      pvc.metadata.name,
      asString(st.phase) ?? 'Pending',
      asString(s.volumeName) ?? '',
      asString(asObject(st.capacity)?.storage) ?? '',
      shortModes.join(','),
      asString(s.storageClassName) ?? '<unset>',
      asString(s.volumeAttributesClassName) ?? '<unset>',
      age(pvc, now),
      asString(s.volumeMode) ?? 'Filesystem'
    ]
  }
}

// ---------------------------------------------------------------------------------------------------------
// The other built-in kinds: the real printers' columns, cells computed the same way where cheap.

function column(name: string, type: Column['type'] = 'string', priority = 0): Column {
  return priority ? { name, type, priority } : { name, type }
}

const CREATED_AT: Column = { name: 'Created At', type: 'date', description: 'CreationTimestamp' }

/** kubectl's metav1.FormatLabelSelector: "<none>" for an empty selector. */
function labelSelectorText(selector: unknown): string {
  const text = selectorText(selector)
  return text || '<none>'
}

function joinOrNone(values: string[], none = '<none>'): string {
  return values.length ? values.join(',') : none
}

/** Up to `max` entries, then " + N more...", as the printers shorten long lists. */
function limited(values: string[], max: number): string {
  if (values.length <= max) return values.join(',')
  return `${values.slice(0, max).join(',')} + ${values.length - max} more...`
}

/** A JSON value as text: strings as they are, anything else as JSON. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value)
}

function createdAt(object: KubeObject): string {
  return object.metadata.creationTimestamp ?? ''
}

function nameAndCreated(): Printer {
  return {
    columns: [NAME, CREATED_AT],
    cells: object => [object.metadata.name, createdAt(object)]
  }
}

function hpaMetricText(metric: JsonObject, current: JsonObject | undefined): string {
  const type = asString(metric.type) ?? ''
  const source = asObject(metric[type.charAt(0).toLowerCase() + type.slice(1)]) ?? {}
  const target = asObject(source.target) ?? {}
  const now = asObject(current?.[type.charAt(0).toLowerCase() + type.slice(1)])
  const nowValue = asObject(now?.current) ?? {}
  if (type === 'Resource' || type === 'ContainerResource') {
    const name = asString(source.name) ?? ''
    if (target.type === 'Utilization') {
      const value = asNumber(nowValue.averageUtilization)
      return `${name}: ${value === undefined ? '<unknown>' : `${value}%`}/${String(target.averageUtilization)}%`
    }
    const value = asString(nowValue.averageValue)
    return `${name}: ${value ?? '<unknown>'}/${text(target.averageValue ?? target.value)}`
  }
  const value = asString(nowValue.averageValue) ?? asString(nowValue.value)
  const wanted = target.averageValue ?? target.value ?? ''
  return `${value ?? '<unknown>'}/${text(wanted)}${target.type === 'AverageValue' ? ' (avg)' : ''}`
}

const horizontalpodautoscalers: Printer = {
  columns: [
    NAME,
    column('Reference'),
    column('Targets'),
    column('MinPods'),
    column('MaxPods', 'integer'),
    column('Replicas', 'integer'),
    AGE
  ],
  cells(hpa, now) {
    const s = spec(hpa)
    const ref = asObject(s.scaleTargetRef) ?? {}
    const metrics = objects(s.metrics)
    const currents = objects(status(hpa).currentMetrics)
    const targets = metrics.map((m, i) => hpaMetricText(m, currents[i]))
    const targetText = targets.length
      ? targets.length > 2
        ? `${targets.slice(0, 2).join(', ')} + ${targets.length - 2} more...`
        : targets.join(', ')
      : '<none>'
    const min = asNumber(s.minReplicas)
    return [
      hpa.metadata.name,
      `${asString(ref.kind) ?? ''}/${asString(ref.name) ?? ''}`,
      targetText,
      min === undefined ? '<unset>' : String(min),
      asNumber(s.maxReplicas) ?? 0,
      asNumber(status(hpa).currentReplicas) ?? 0,
      age(hpa, now)
    ]
  }
}

const cronjobs: Printer = {
  columns: [
    NAME,
    column('Schedule'),
    column('Timezone'),
    column('Suspend', 'string'),
    column('Active', 'integer'),
    column('Last Schedule'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR
  ],
  cells(cj, now) {
    const s = spec(cj)
    const jobSpec = asObject(asObject(s.jobTemplate)?.spec) ?? {}
    const podSpec = asObject(asObject(jobSpec.template)?.spec) ?? {}
    const { names, images } = containersOf(podSpec)
    const last = asString(status(cj).lastScheduleTime)
    return [
      cj.metadata.name,
      asString(s.schedule) ?? '',
      asString(s.timeZone) ?? '<none>',
      s.suspend === true ? 'True' : 'False',
      asArray(status(cj).active).length,
      last ? since(last, now) : '<none>',
      age(cj, now),
      names,
      images,
      labelSelectorText(jobSpec.selector)
    ]
  }
}

const poddisruptionbudgets: Printer = {
  columns: [
    NAME,
    column('Min Available'),
    column('Max Unavailable'),
    column('Allowed Disruptions', 'integer'),
    AGE
  ],
  cells(pdb, now) {
    const s = spec(pdb)
    return [
      pdb.metadata.name,
      s.minAvailable === undefined ? 'N/A' : text(s.minAvailable),
      s.maxUnavailable === undefined ? 'N/A' : text(s.maxUnavailable),
      asNumber(status(pdb).disruptionsAllowed) ?? 0,
      age(pdb, now)
    ]
  }
}

const networkpolicies: Printer = {
  columns: [NAME, column('Pod-Selector'), AGE],
  cells: (np, now) => [np.metadata.name, labelSelectorText(spec(np).podSelector), age(np, now)]
}

const ingressclasses: Printer = {
  columns: [NAME, column('Controller'), column('Parameters'), AGE],
  cells(ic, now) {
    const params = asObject(spec(ic).parameters)
    const paramText = params
      ? `${asString(params.kind) ?? ''}${params.apiGroup ? `.${asString(params.apiGroup) ?? ''}` : ''}/${asString(params.name) ?? ''}`
      : '<none>'
    return [ic.metadata.name, asString(spec(ic).controller) ?? '', paramText, age(ic, now)]
  }
}

const ingresses: Printer = {
  columns: [NAME, column('Class'), column('Hosts'), column('Address'), column('Ports'), AGE],
  cells(ing, now) {
    const s = spec(ing)
    const hosts = objects(s.rules)
      .map(r => asString(r.host))
      .filter((h): h is string => Boolean(h))
    const addresses = objects(asObject(status(ing).loadBalancer)?.ingress).map(
      i => asString(i.ip) ?? asString(i.hostname) ?? ''
    )
    return [
      ing.metadata.name,
      asString(s.ingressClassName) ?? '<none>',
      hosts.length ? limited(hosts, 4) : '*',
      addresses.join(','),
      objects(s.tls).length ? '80, 443' : '80',
      age(ing, now)
    ]
  }
}

function subjectsOf(binding: KubeObject, kind: string): string {
  return objects(binding.subjects)
    .filter(s => s.kind === kind)
    .map(s =>
      kind === 'ServiceAccount'
        ? `${asString(s.namespace) ?? ''}:${asString(s.name) ?? ''}`
        : (asString(s.name) ?? '')
    )
    .join(', ')
}

const bindings: Printer = {
  columns: [
    NAME,
    column('Role'),
    AGE,
    column('Users', 'string', 1),
    column('Groups', 'string', 1),
    column('ServiceAccounts', 'string', 1)
  ],
  cells(binding, now) {
    const ref = asObject(binding.roleRef) ?? {}
    return [
      binding.metadata.name,
      `${asString(ref.kind) ?? ''}/${asString(ref.name) ?? ''}`,
      age(binding, now),
      subjectsOf(binding, 'User'),
      subjectsOf(binding, 'Group'),
      subjectsOf(binding, 'ServiceAccount')
    ]
  }
}

const priorityclasses: Printer = {
  columns: [
    NAME,
    column('Value', 'integer'),
    column('Global-Default', 'string'),
    AGE,
    column('PreemptionPolicy')
  ],
  cells: (pc, now) => [
    pc.metadata.name,
    asNumber(pc.value) ?? 0,
    pc.globalDefault === true ? 'true' : 'false',
    age(pc, now),
    asString(pc.preemptionPolicy) ?? 'PreemptLowerPriority'
  ]
}

const storageclasses: Printer = {
  columns: [
    NAME,
    column('Provisioner'),
    column('ReclaimPolicy'),
    column('VolumeBindingMode'),
    column('AllowVolumeExpansion', 'string'),
    AGE
  ],
  cells(sc, now) {
    const annotations = sc.metadata.annotations ?? {}
    const isDefault =
      annotations['storageclass.kubernetes.io/is-default-class'] === 'true' ||
      annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true'
    return [
      isDefault ? `${sc.metadata.name} (default)` : sc.metadata.name,
      asString(sc.provisioner) ?? '',
      asString(sc.reclaimPolicy) ?? 'Delete',
      asString(sc.volumeBindingMode) ?? 'Immediate',
      sc.allowVolumeExpansion === true ? 'true' : 'false',
      age(sc, now)
    ]
  }
}

const csidrivers: Printer = {
  columns: [
    NAME,
    column('AttachRequired', 'string'),
    column('PodInfoOnMount', 'string'),
    column('StorageCapacity', 'string'),
    column('TokenRequests'),
    column('RequiresRepublish', 'string'),
    column('Modes'),
    AGE
  ],
  cells(driver, now) {
    const s = spec(driver)
    const bool = (value: unknown, fallback: boolean): string =>
      String(typeof value === 'boolean' ? value : fallback)
    const tokens = objects(s.tokenRequests).map(t => asString(t.audience) ?? '')
    return [
      driver.metadata.name,
      bool(s.attachRequired, true),
      bool(s.podInfoOnMount, false),
      bool(s.storageCapacity, false),
      tokens.length ? tokens.join(',') : '<unset>',
      bool(s.requiresRepublish, false),
      joinOrNone(asArray(s.volumeLifecycleModes).map(String), 'Persistent'),
      age(driver, now)
    ]
  }
}

const volumeattachments: Printer = {
  columns: [NAME, column('Attacher'), column('PV'), column('Node'), column('Attached', 'string'), AGE],
  cells(va, now) {
    const s = spec(va)
    return [
      va.metadata.name,
      asString(s.attacher) ?? '',
      asString(asObject(s.source)?.persistentVolumeName) ?? '',
      asString(s.nodeName) ?? '',
      status(va).attached === true ? 'true' : 'false',
      age(va, now)
    ]
  }
}

function shortAccessModes(modes: unknown[]): string {
  const short: Record<string, string> = {
    ReadWriteOnce: 'RWO',
    ReadOnlyMany: 'ROX',
    ReadWriteMany: 'RWX',
    ReadWriteOncePod: 'RWOP'
  }
  return modes.map(m => short[String(m)] ?? String(m)).join(',')
}

const persistentvolumes: Printer = {
  columns: [
    NAME,
    column('Capacity'),
    column('Access Modes'),
    column('Reclaim Policy'),
    column('Status'),
    column('Claim'),
    column('StorageClass'),
    column('VolumeAttributesClass'),
    column('Reason'),
    AGE,
    column('VolumeMode', 'string', 1)
  ],
  cells(pv, now) {
    const s = spec(pv)
    const claim = asObject(s.claimRef)
    return [
      pv.metadata.name,
      asString(asObject(s.capacity)?.storage) ?? '',
      shortAccessModes(asArray(s.accessModes)),
      asString(s.persistentVolumeReclaimPolicy) ?? 'Retain',
      asString(status(pv).phase) ?? 'Pending',
      claim ? `${asString(claim.namespace) ?? ''}/${asString(claim.name) ?? ''}` : '',
      asString(s.storageClassName) ?? '',
      asString(s.volumeAttributesClassName) ?? '<unset>',
      asString(status(pv).reason) ?? '',
      age(pv, now),
      asString(s.volumeMode) ?? 'Filesystem'
    ]
  }
}

const endpoints: Printer = {
  columns: [NAME, column('Endpoints'), AGE],
  cells(ep, now) {
    const addresses: string[] = []
    for (const subset of objects(ep.subsets)) {
      const ports = objects(subset.ports).map(p => asNumber(p.port))
      for (const address of objects(subset.addresses)) {
        const ip = asString(address.ip) ?? ''
        if (ports.length === 0) addresses.push(ip)
        for (const port of ports) addresses.push(`${ip}:${String(port)}`)
      }
    }
    return [ep.metadata.name, addresses.length ? limited(addresses, 3) : '<none>', age(ep, now)]
  }
}

const replicationcontrollers: Printer = {
  columns: [
    NAME,
    column('Desired', 'integer'),
    column('Current', 'integer'),
    column('Ready', 'integer'),
    AGE,
    CONTAINERS,
    IMAGES,
    SELECTOR
  ],
  cells(rc, now) {
    const { names, images } = containersOf(templateSpec(rc))
    const selector = asObject(spec(rc).selector) ?? {}
    return [
      rc.metadata.name,
      asNumber(spec(rc).replicas) ?? 1,
      asNumber(status(rc).replicas) ?? 0,
      asNumber(status(rc).readyReplicas) ?? 0,
      age(rc, now),
      names,
      images,
      Object.entries(selector)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(',')
    ]
  }
}

const podtemplates: Printer = {
  columns: [NAME, column('Containers'), column('Images'), column('Pod Labels')],
  cells(pt) {
    const template = asObject(pt.template) ?? {}
    const { names, images } = containersOf(asObject(template.spec) ?? {})
    const labels = Object.entries(asObject(asObject(template.metadata)?.labels) ?? {}).map(
      ([k, v]) => `${k}=${String(v)}`
    )
    return [pt.metadata.name, names, images, joinOrNone(labels)]
  }
}

const leases: Printer = {
  columns: [NAME, column('Holder'), AGE],
  cells: (lease, now) => [lease.metadata.name, asString(spec(lease).holderIdentity) ?? '', age(lease, now)]
}

const endpointslices: Printer = {
  columns: [NAME, column('AddressType'), column('Ports'), column('Endpoints'), AGE],
  cells(slice, now) {
    const ports = objects(slice.ports).map(p => text(p.port))
    const addresses = objects(slice.endpoints).flatMap(e => asArray(e.addresses).map(String))
    return [
      slice.metadata.name,
      asString(slice.addressType) ?? '',
      ports.length ? limited(ports, 3) : '<unset>',
      addresses.length ? limited(addresses, 3) : '<unset>',
      age(slice, now)
    ]
  }
}

const webhookConfigurations: Printer = {
  columns: [NAME, column('Webhooks', 'integer'), AGE],
  cells: (config, now) => [config.metadata.name, asArray(config.webhooks).length, age(config, now)]
}

const validatingadmissionpolicies: Printer = {
  columns: [NAME, column('Validations', 'integer'), column('ParamKind'), AGE],
  cells(policy, now) {
    const param = asObject(spec(policy).paramKind)
    return [
      policy.metadata.name,
      asArray(spec(policy).validations).length,
      param ? `${asString(param.apiVersion) ?? ''}/${asString(param.kind) ?? ''}` : '<unset>',
      age(policy, now)
    ]
  }
}

const validatingadmissionpolicybindings: Printer = {
  columns: [NAME, column('PolicyName'), column('ParamRef'), AGE],
  cells(binding, now) {
    const ref = asObject(spec(binding).paramRef)
    return [
      binding.metadata.name,
      asString(spec(binding).policyName) ?? '',
      ref ? `${asString(ref.namespace) ?? ''}/${asString(ref.name) ?? ''}` : '<unset>',
      age(binding, now)
    ]
  }
}

const apiservices: Printer = {
  columns: [NAME, column('Service'), column('Available'), AGE],
  cells(service, now) {
    const ref = asObject(spec(service).service)
    const available = objects(status(service).conditions).find(c => c.type === 'Available')
    let availableText = 'Unknown'
    if (available) {
      availableText =
        available.status === 'True'
          ? 'True'
          : `${asString(available.status) ?? ''} (${asString(available.reason) ?? ''})`
    }
    return [
      service.metadata.name,
      ref ? `${asString(ref.namespace) ?? ''}/${asString(ref.name) ?? ''}` : 'Local',
      availableText,
      age(service, now)
    ]
  }
}

const certificatesigningrequests: Printer = {
  columns: [
    NAME,
    AGE,
    column('SignerName'),
    column('Requestor'),
    column('RequestedDuration'),
    column('Condition')
  ],
  cells(csr, now) {
    const s = spec(csr)
    const conditions = objects(status(csr).conditions).map(c => asString(c.type) ?? '')
    const seconds = asNumber(s.expirationSeconds)
    return [
      csr.metadata.name,
      age(csr, now),
      asString(s.signerName) ?? '',
      asString(s.username) ?? '',
      seconds === undefined ? '<none>' : humanDuration(seconds * 1000),
      conditions.length ? conditions.join(',') : 'Pending'
    ]
  }
}

const generic: Printer = {
  columns: [NAME, AGE],
  cells(object, now) {
    return [object.metadata.name, age(object, now)]
  }
}

const PRINTERS: Partial<Record<string, Printer>> = {
  pods,
  deployments,
  replicasets,
  statefulsets,
  daemonsets,
  services,
  jobs,
  events,
  configmaps,
  secrets,
  namespaces,
  nodes,
  serviceaccounts,
  persistentvolumeclaims,
  horizontalpodautoscalers,
  cronjobs,
  poddisruptionbudgets,
  networkpolicies,
  ingressclasses,
  ingresses,
  roles: nameAndCreated(),
  clusterroles: nameAndCreated(),
  rolebindings: bindings,
  clusterrolebindings: bindings,
  priorityclasses,
  storageclasses,
  csidrivers,
  volumeattachments,
  persistentvolumes,
  limitranges: nameAndCreated(),
  endpoints,
  replicationcontrollers,
  podtemplates,
  leases,
  endpointslices,
  validatingwebhookconfigurations: webhookConfigurations,
  mutatingwebhookconfigurations: webhookConfigurations,
  validatingadmissionpolicies,
  validatingadmissionpolicybindings,
  apiservices,
  customresourcedefinitions: nameAndCreated(),
  certificatesigningrequests
}

// ---------------------------------------------------------------------------------------------------------
// Custom resources: NAME plus the CRD's additionalPrinterColumns (Age when it declares none).

/** A JSONPath as printer columns use them: `.a.b`, `.a[0]`, `.a[*].b`, `.a[?(@.type=="Ready")].status`. */
export function evaluateJsonPath(object: unknown, path: string): unknown[] {
  const tokens = path.replace(/^\{|\}$/g, '').match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? []
  let current: unknown[] = [object]
  for (const token of tokens) {
    const next: unknown[] = []
    for (const value of current) {
      if (token.startsWith('.')) {
        if (isObject(value) && value[token.slice(1)] !== undefined) next.push(value[token.slice(1)])
        continue
      }
      const inner = token.slice(1, -1)
      if (!Array.isArray(value)) continue
      const list = value as unknown[]
      if (inner === '*') next.push(...list)
      else if (/^-?\d+$/.test(inner)) {
        const index = Number(inner)
        const item = list[index < 0 ? list.length + index : index]
        if (item !== undefined) next.push(item)
      } else {
        const filter = /^\?\(@\.([\w.-]+)\s*==\s*["']?([^"']*)["']?\)$/.exec(inner)
        if (!filter) continue
        const [, field = '', wanted = ''] = filter
        next.push(...list.filter(item => evaluateJsonPath(item, `.${field}`).some(v => text(v) === wanted)))
      }
    }
    current = next
  }
  return current
}

function customPrinter(r: ResourceInfo): Printer {
  const columns = r.custom?.columns ?? []
  return {
    columns: [
      NAME,
      ...columns.map(c => ({
        name: c.name,
        type: (c.type === 'date' ? 'date' : c.type) as Column['type'],
        format: c.format,
        description: c.description,
        priority: c.priority
      }))
    ],
    cells(object, now) {
      return [
        object.metadata.name,
        ...columns.map(c => {
          const values = evaluateJsonPath(object, c.jsonPath)
          const first = values[0]
          if (first === undefined || first === null) return null
          if (c.type === 'date') return since(first, now)
          if (values.length > 1)
            return values.map(v => (typeof v === 'string' ? v : JSON.stringify(v))).join(',')
          return isObject(first) || Array.isArray(first) ? JSON.stringify(first) : first
        })
      ]
    }
  }
}

/** Whether the Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept: string | undefined): boolean {
  return /as=Table/.test(accept ?? '')
}

function partialMetadata(object: KubeObject): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata }
}

/**
 * The Table of stored objects that served version `r` returns. Built-in printers read the stored form, as the
 * API server prints its internal version (so autoscaling/v1 and v2, core/v1 and events.k8s.io/v1 print
 * alike); a CRD's columns and embedded objects (includeObject=Object) are the served version's.
 */
export function toTable(
  r: ResourceInfo,
  stored: KubeObject[],
  resourceVersion: string,
  includeObject: 'None' | 'Metadata' | 'Object' = 'Metadata'
): Record<string, unknown> {
  const printer = r.custom ? customPrinter(r) : (PRINTERS[r.resource] ?? generic)
  const now = Date.now()
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: printer.columns.map(c => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0
    })),
    rows: stored.map(item => {
      // Conversion keeps metadata, so PartialObjectMetadata rows need none.
      const served = r.custom || includeObject === 'Object' ? convertTo(item, r) : item
      const row: Record<string, unknown> = { cells: printer.cells(r.custom ? served : item, now) }
      if (includeObject === 'Metadata') row.object = partialMetadata(served)
      else if (includeObject === 'Object') row.object = served
      return row
    })
  }
}
