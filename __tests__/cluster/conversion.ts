/**
 * Conversion between the served versions of one resource. Objects are stored in the storage version; a
 * request through another version converts on the way in and out. For most kinds that is only apiVersion
 * (custom resources use conversion strategy None); HorizontalPodAutoscaler v1 <-> v2 and Event core/v1 <->
 * events.k8s.io/v1 convert fields.
 */
import { asArray, asNumber, asObject, asString, clone, isObject, type JsonObject } from './json.js'
import { apiVersionOf, type ResourceInfo } from './resources.js'
import type { KubeObject } from './types.js'

/** Converts `object` (a copy the converter may change or replace) to the fields of `toApiVersion`. */
type Converter = (object: KubeObject, toApiVersion: string) => KubeObject

// The annotations autoscaling/v1 keeps what it cannot express in (as the real conversion does).
const HPA_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics'
const HPA_BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior'
const HPA_CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics'

function isCpuUtilization(metric: JsonObject): boolean {
  const resource = asObject(metric.resource)
  const target = asObject(resource?.target)
  return metric.type === 'Resource' && resource?.name === 'cpu' && target?.type === 'Utilization'
}

function annotate(object: KubeObject, key: string, value: unknown): void {
  const annotations = { ...object.metadata.annotations }
  if (value === undefined || (Array.isArray(value) && value.length === 0)) delete annotations[key]
  else annotations[key] = JSON.stringify(value)
  object.metadata.annotations = annotations
  if (Object.keys(annotations).length === 0) delete object.metadata.annotations
}

function takeAnnotation(object: KubeObject, key: string): unknown {
  const text = object.metadata.annotations?.[key]
  if (text === undefined) return undefined
  const annotations = { ...object.metadata.annotations }
  delete annotations[key]
  object.metadata.annotations = annotations
  if (Object.keys(annotations).length === 0) delete object.metadata.annotations
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** v2 -> v1: the CPU utilization target becomes targetCPUUtilizationPercentage; the rest goes to annotations. */
function hpaToV1(object: KubeObject): void {
  const spec = asObject(object.spec) ?? {}
  const metrics = asArray(spec.metrics).filter(isObject)
  const cpu = metrics.find(isCpuUtilization)
  const { metrics: _metrics, behavior, ...rest } = spec
  const v1Spec: JsonObject = { ...rest }
  const utilization = asNumber(asObject(asObject(cpu?.resource)?.target)?.averageUtilization)
  if (utilization !== undefined) v1Spec.targetCPUUtilizationPercentage = utilization
  object.spec = v1Spec
  annotate(
    object,
    HPA_METRICS_ANNOTATION,
    metrics.filter(m => m !== cpu)
  )
  annotate(object, HPA_BEHAVIOR_ANNOTATION, behavior)
  const status = asObject(object.status)
  if (status) {
    const current = asArray(status.currentMetrics).filter(isObject)
    const currentCpu = current.find(m => m.type === 'Resource' && asObject(m.resource)?.name === 'cpu')
    const { currentMetrics: _current, conditions: _conditions, ...statusRest } = status
    const v1Status: JsonObject = { ...statusRest }
    const average = asNumber(asObject(asObject(currentCpu?.resource)?.current)?.averageUtilization)
    if (average !== undefined) v1Status.currentCPUUtilizationPercentage = average
    object.status = v1Status
    annotate(
      object,
      HPA_CURRENT_METRICS_ANNOTATION,
      current.filter(m => m !== currentCpu)
    )
  }
}

/** v1 -> v2: targetCPUUtilizationPercentage becomes a Resource metric; annotations give back the rest. */
function hpaToV2(object: KubeObject): void {
  const spec = asObject(object.spec) ?? {}
  const { targetCPUUtilizationPercentage, ...rest } = spec
  const v2Spec: JsonObject = { ...rest }
  const metrics: unknown[] = []
  if (typeof targetCPUUtilizationPercentage === 'number') {
    metrics.push({
      type: 'Resource',
      resource: {
        name: 'cpu',
        target: { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage }
      }
    })
  }
  metrics.push(...asArray(takeAnnotation(object, HPA_METRICS_ANNOTATION)))
  if (metrics.length) v2Spec.metrics = metrics
  const behavior = takeAnnotation(object, HPA_BEHAVIOR_ANNOTATION)
  if (isObject(behavior)) v2Spec.behavior = behavior
  object.spec = v2Spec
  const currentExtra = asArray(takeAnnotation(object, HPA_CURRENT_METRICS_ANNOTATION))
  const status = asObject(object.status)
  if (status) {
    const { currentCPUUtilizationPercentage, ...statusRest } = status
    const v2Status: JsonObject = { ...statusRest }
    const current: unknown[] = []
    if (typeof currentCPUUtilizationPercentage === 'number') {
      current.push({
        type: 'Resource',
        resource: { name: 'cpu', current: { averageUtilization: currentCPUUtilizationPercentage } }
      })
    }
    current.push(...currentExtra)
    if (current.length) v2Status.currentMetrics = current
    object.status = v2Status
  }
}

const EVENTS_V1 = 'events.k8s.io/v1'

/**
 * The events.k8s.io/v1 view of a stored core/v1 Event, as pkg/apis/events/v1 converts it: regarding <->
 * involvedObject, note <-> message, reportingController <-> reportingComponent, deprecatedSource /
 * deprecatedFirstTimestamp / deprecatedLastTimestamp / deprecatedCount <-> source / firstTimestamp /
 * lastTimestamp / count; omitempty fields left out as the API server does.
 */
function eventToEventsV1(core: KubeObject): KubeObject {
  const out: KubeObject = {
    kind: 'Event',
    apiVersion: EVENTS_V1,
    metadata: core.metadata,
    eventTime: core.eventTime ?? null
  }
  if (core.series !== undefined) out.series = core.series
  const controller = asString(core.reportingComponent)
  if (controller) out.reportingController = controller
  const instance = asString(core.reportingInstance)
  if (instance) out.reportingInstance = instance
  if (core.action) out.action = core.action
  if (core.reason) out.reason = core.reason
  out.regarding = core.involvedObject ?? {}
  if (core.related !== undefined) out.related = core.related
  if (core.message) out.note = core.message
  if (core.type) out.type = core.type
  out.deprecatedSource = asObject(core.source) ?? {}
  out.deprecatedFirstTimestamp = core.firstTimestamp ?? null
  out.deprecatedLastTimestamp = core.lastTimestamp ?? null
  if (typeof core.count === 'number' && core.count !== 0) out.deprecatedCount = core.count
  return out
}

/** The core/v1 Event stored for an events.k8s.io/v1 one a client wrote. */
function eventToCore(event: KubeObject): KubeObject {
  const out: KubeObject = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: event.metadata,
    involvedObject: event.regarding ?? {}
  }
  if (event.reason) out.reason = event.reason
  if (event.note) out.message = event.note
  out.source = asObject(event.deprecatedSource) ?? {}
  out.firstTimestamp = event.deprecatedFirstTimestamp ?? null
  out.lastTimestamp = event.deprecatedLastTimestamp ?? null
  if (typeof event.deprecatedCount === 'number' && event.deprecatedCount !== 0)
    out.count = event.deprecatedCount
  if (event.type) out.type = event.type
  out.eventTime = event.eventTime ?? null
  if (event.series !== undefined) out.series = event.series
  if (event.action) out.action = event.action
  if (event.related !== undefined) out.related = event.related
  out.reportingComponent = asString(event.reportingController) ?? ''
  out.reportingInstance = asString(event.reportingInstance) ?? ''
  return out
}

const CONVERTERS: Partial<Record<string, Converter>> = {
  horizontalpodautoscalers(object, toApiVersion) {
    if (asString(object.apiVersion) === toApiVersion) return object
    if (toApiVersion === 'autoscaling/v1') hpaToV1(object)
    else hpaToV2(object)
    return object
  },
  events(object, toApiVersion) {
    if (asString(object.apiVersion) === toApiVersion) return object
    return toApiVersion === EVENTS_V1 ? eventToEventsV1(object) : eventToCore(object)
  }
}

/** A copy of `object` as the served version `target` shows it. */
export function convertTo(object: KubeObject, target: ResourceInfo): KubeObject {
  const apiVersion = apiVersionOf(target)
  if (object.apiVersion === apiVersion && object.kind === target.kind) return object
  const copy = clone(object)
  const converted = CONVERTERS[target.resource]?.(copy, apiVersion) ?? copy
  converted.apiVersion = apiVersion
  converted.kind = target.kind
  return converted
}

/** `object` (written through served version `from`) in the storage version, to hand to the store. */
export function convertToStorage(object: KubeObject, from: ResourceInfo): KubeObject {
  if (from.storage) return object
  const copy = clone(object)
  copy.apiVersion = apiVersionOf(from)
  const converted = CONVERTERS[from.resource]?.(copy, from.storageApiVersion) ?? copy
  converted.apiVersion = from.storageApiVersion
  return converted
}
