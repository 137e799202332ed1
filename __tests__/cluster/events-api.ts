/**
 * events.k8s.io/v1 Events are the core/v1 Events of the same storage, converted as the API server converts
 * them (pkg/apis/events/v1 conversion): regarding ⇄ involvedObject, note ⇄ message, reportingController ⇄
 * reportingComponent, deprecatedSource / deprecatedFirstTimestamp / deprecatedLastTimestamp / deprecatedCount ⇄
 * source / firstTimestamp / lastTimestamp / count. The store keeps the core/v1 form.
 */
import { asObject, asString } from './json.js'
import type { KubeObject } from './types.js'

export const EVENTS_GROUP = 'events.k8s.io'

/** The events.k8s.io/v1 view of a stored (core/v1) Event; omitempty fields left out as the API server does. */
export function toEventsV1(core: KubeObject): KubeObject {
  const out: KubeObject = {
    kind: 'Event',
    apiVersion: `${EVENTS_GROUP}/v1`,
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

/** The core/v1 Event stored for an events.k8s.io/v1 one written by a client. */
export function fromEventsV1(event: KubeObject): KubeObject {
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
