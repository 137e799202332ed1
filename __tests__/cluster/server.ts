/** The HTTP half of the test cluster's API server: routing, content negotiation, verbs and errors. */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http'
import { parse as parseYaml } from 'yaml'
import {
  aggregatedDiscovery,
  AGGREGATED_DISCOVERY_CONTENT_TYPE,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  openApiGroupVersion,
  openApiRoot,
  versionInfo,
  wantsAggregated
} from './discovery.js'
import { badRequest, invalid, invalidValue, notFound } from './errors.js'
import type { FaultAction, Faults, RequestLog, RequestLogEntry } from './faults.js'
import { asArray, asObject, asString, isObject, type JsonObject } from './json.js'
import { convertTo, convertToStorage } from './conversion.js'
import { fieldSchemaFor } from './fieldschema.js'
import { planApply, recordUpdate, type Scope, type WriteContext } from './managedfields.js'
import { jsonMergePatch, jsonPatch, strategicMerge } from './patch.js'
import { decodeProtobuf, isProtobuf, UnsupportedMediaType } from './protobuf.js'
import { apiVersionOf, qualifiedName, type ResourceInfo, type ResourceRegistry } from './resources.js'
import { parseFieldSelector, parseLabelSelector, selectorText, type Matcher } from './selectors.js'
import type { Store } from './store.js'
import { toTable, wantsTable } from './table.js'
import { type KubeObject, type LogRequest, type PropagationPolicy, StatusError } from './types.js'
import type { WatchHub } from './watch.js'

export interface ApiServerOptions {
  store: Store
  hub: WatchHub
  faults: Faults
  requestLog: RequestLog
  readLog: (namespace: string, pod: string, request: LogRequest) => string
  /** host:port the server is reachable at, for legacy discovery's serverAddressByClientCIDRs. */
  serverAddress: () => string
}

interface ResourceRoute {
  info: ResourceInfo
  namespace: string | undefined
  name: string | undefined
  subresource: string | undefined
  watchPrefix: boolean
}

interface Call {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  body: Buffer
  entry: RequestLogEntry
}

const JSON_TYPE = 'application/json'

function sendJson(res: ServerResponse, code: number, body: unknown, contentType = JSON_TYPE): void {
  const text = JSON.stringify(body)
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

function statusBody(error: StatusError): JsonObject {
  const body: JsonObject = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: error.message,
    reason: error.reason,
    code: error.code
  }
  const details = Object.fromEntries(Object.entries(error.details).filter(([, v]) => v !== undefined))
  if (Object.keys(details).length) body.details = details
  return body
}

function sendStatus(res: ServerResponse, error: StatusError, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(statusBody(error))
  res.writeHead(error.code, {
    'Content-Type': JSON_TYPE,
    'Content-Length': Buffer.byteLength(text),
    ...headers
  })
  res.end(text)
}

function methodNotAllowed(): StatusError {
  return new StatusError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource'
  )
}

function pathNotFound(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {})
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

function parseBody(req: IncomingMessage, body: Buffer): unknown {
  if (body.length === 0) return undefined
  if (isProtobuf(req.headers['content-type'])) return decodeProtobuf(body)
  const text = body.toString('utf8')
  const type = mediaType(req)
  try {
    if (type.includes('yaml')) return parseYaml(text) as unknown
    return JSON.parse(text) as unknown
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`)
  }
}

function parseRoute(registry: ResourceRegistry, pathname: string): ResourceRoute | undefined {
  const segments = pathname
    .split('/')
    .filter(s => s !== '')
    .map(s => decodeURIComponent(s))
  let group: string
  let version: string | undefined
  let rest: string[]
  if (segments[0] === 'api') {
    group = ''
    version = segments[1]
    rest = segments.slice(2)
  } else if (segments[0] === 'apis') {
    group = segments[1] ?? ''
    version = segments[2]
    rest = segments.slice(3)
  } else return undefined
  if (!version) return undefined
  let watchPrefix = false
  if (rest[0] === 'watch') {
    watchPrefix = true
    rest = rest.slice(1)
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const info = registry.route(group, version, rest[2] ?? '')
    if (info?.namespaced && rest.length <= 5) {
      return { info, namespace: rest[1], name: rest[3], subresource: rest[4], watchPrefix }
    }
  }
  const info = registry.route(group, version, rest[0] ?? '')
  if (!info || rest.length > 3) return undefined
  if (info.namespaced && rest.length > 1) return undefined
  return { info, namespace: undefined, name: rest[1], subresource: rest[2], watchPrefix }
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1'
}

function isDryRun(url: URL, options?: JsonObject): boolean {
  return url.searchParams.getAll('dryRun').includes('All') || asArray(options?.dryRun).includes('All')
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * The field manager of a write: the fieldManager parameter, else the user agent up to its first "/"
 * (printable characters, at most 128), as the API server derives it.
 */
function fieldManagerOf(call: Call): string {
  const given = call.url.searchParams.get('fieldManager')
  if (given) return given
  const agent = (call.req.headers['user-agent'] ?? '').split('/')[0] ?? ''
  return [...agent]
    .filter(c => c >= ' ' && c !== '\x7f')
    .join('')
    .slice(0, 128)
}

function ownershipScope(info: ResourceInfo): Scope {
  return info.hasStatus ? 'main' : 'main-with-status'
}

function writeContext(call: Call, info: ResourceInfo, subresource?: string): WriteContext {
  const context: WriteContext = {
    schema: fieldSchemaFor(info),
    scope: ownershipScope(info),
    manager: fieldManagerOf(call),
    apiVersion: apiVersionOf(info)
  }
  if (subresource) context.subresource = subresource
  return context
}

export function createApiHandler(options: ApiServerOptions): RequestListener {
  const { store, hub, faults, requestLog } = options
  const registry = store.registry

  function injectFault(call: Call, fault: FaultAction): void {
    const { req, res } = call
    if (fault === 'drop') {
      req.socket.destroy()
      return
    }
    if (fault === 'hang') return
    if (fault.status === 500) {
      sendStatus(res, new StatusError(500, 'InternalError', 'Internal error occurred: injected fault'))
    } else if (fault.status === 429) {
      sendStatus(
        res,
        new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', {
          causes: [{ reason: 'TooManyRequests', message: 'injected fault' }]
        }),
        { 'Retry-After': String(fault.retryAfterSeconds) }
      )
    } else {
      const route = parseRoute(registry, call.url.pathname)
      const what = route ? `${qualifiedName(route.info)} "${route.name ?? ''}"` : 'the object'
      sendStatus(
        res,
        new StatusError(
          409,
          'Conflict',
          `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`
        )
      )
    }
  }

  function handleNonResource(call: Call): boolean {
    const { req, res, url } = call
    const path = url.pathname.replace(/\/+$/, '') || '/'
    const accept = req.headers.accept
    if (req.method !== 'GET') return false
    switch (path) {
      case '/version':
        sendJson(res, 200, versionInfo())
        return true
      case '/healthz':
      case '/livez':
      case '/readyz':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' })
        res.end('ok')
        return true
      case '/api':
        if (wantsAggregated(accept))
          sendJson(res, 200, aggregatedDiscovery(registry, true), AGGREGATED_DISCOVERY_CONTENT_TYPE)
        else sendJson(res, 200, apiVersions(options.serverAddress()))
        return true
      case '/apis':
        if (wantsAggregated(accept))
          sendJson(res, 200, aggregatedDiscovery(registry, false), AGGREGATED_DISCOVERY_CONTENT_TYPE)
        else sendJson(res, 200, apiGroupList(registry))
        return true
      case '/openapi/v3':
        sendJson(res, 200, openApiRoot(registry))
        return true
    }
    if (path.startsWith('/openapi/v3/')) {
      const doc = openApiGroupVersion(registry, path.slice('/openapi/v3/'.length))
      if (!doc) return false
      res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(doc) })
      res.end(doc)
      return true
    }
    const groupVersion = /^\/api\/(v1)$/.exec(path) ?? /^\/apis\/([^/]+\/[^/]+)$/.exec(path)
    if (groupVersion?.[1]) {
      const [group, version] = groupVersion[1].includes('/')
        ? groupVersion[1].split('/')
        : ['', groupVersion[1]]
      const list = apiResourceList(registry, group ?? '', version ?? '')
      if (!list) return false
      sendJson(res, 200, list)
      return true
    }
    const groupOnly = /^\/apis\/([^/]+)$/.exec(path)
    const group = groupOnly?.[1] ? apiGroup(registry, groupOnly[1]) : undefined
    if (group) {
      sendJson(res, 200, group)
      return true
    }
    return false
  }

  /** Label and field selectors of a request; field paths are the served version's (regarding.name for events.k8s.io). */
  function selectors(url: URL, info: ResourceInfo): Matcher {
    const labels = parseLabelSelector(url.searchParams.get('labelSelector'))
    const fields = parseFieldSelector(url.searchParams.get('fieldSelector'))
    if (!url.searchParams.get('fieldSelector') || info.storage)
      return object => labels(object) && fields(object)
    return object => labels(object) && fields(convertTo(object, info))
  }

  function renderer(call: Call, info: ResourceInfo): (object: KubeObject) => unknown {
    if (!wantsTable(call.req.headers.accept)) return object => convertTo(object, info)
    const include = call.url.searchParams.get('includeObject')
    const mode = include === 'None' || include === 'Object' ? include : 'Metadata'
    return object => toTable(info, [object], store.resourceVersion(), mode)
  }

  function isWatch(call: Call, route: ResourceRoute): boolean {
    return route.watchPrefix || isTrue(call.url.searchParams.get('watch'))
  }

  function handleCollectionGet(call: Call, route: ResourceRoute): void {
    const { url, res } = call
    const selected = selectors(url, route.info)
    // A watch on one object (/watch/.../pods/<name>) is a collection watch narrowed to that name.
    const matches: Matcher =
      route.name === undefined ? selected : object => object.metadata.name === route.name && selected(object)
    if (isWatch(call, route)) {
      const timeout = Number(url.searchParams.get('timeoutSeconds'))
      hub.serve(
        {
          resource: route.info,
          namespace: route.namespace,
          matches,
          filtered:
            route.name !== undefined ||
            Boolean(url.searchParams.get('labelSelector')) ||
            Boolean(url.searchParams.get('fieldSelector')),
          resourceVersion: url.searchParams.get('resourceVersion') ?? '',
          sendInitialEvents: isTrue(url.searchParams.get('sendInitialEvents')),
          allowBookmarks: isTrue(url.searchParams.get('allowWatchBookmarks')),
          timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
          render: renderer(call, route.info)
        },
        res
      )
      call.entry.status = 200
      return
    }
    const resourceVersion = store.resourceVersion()
    const items = store.select(route.info.resource, route.namespace, matches)
    if (wantsTable(call.req.headers.accept)) {
      const include = url.searchParams.get('includeObject')
      sendJson(
        res,
        200,
        toTable(
          route.info,
          items,
          resourceVersion,
          include === 'None' || include === 'Object' ? include : 'Metadata'
        )
      )
      return
    }
    sendJson(res, 200, {
      kind: route.info.listKind,
      apiVersion: apiVersionOf(route.info),
      metadata: { resourceVersion },
      items: items.map(item => convertTo(item, route.info))
    })
  }

  function requireObject(value: unknown): KubeObject {
    if (!isObject(value)) throw badRequest('the body of the request was empty or not an object')
    if (!isObject(value.metadata)) value.metadata = {}
    return value as KubeObject
  }

  function scopeToRoute(object: KubeObject, route: ResourceRoute): void {
    object.apiVersion = apiVersionOf(route.info)
    object.kind = route.info.kind
    if (route.info.namespaced) {
      if (object.metadata.namespace && object.metadata.namespace !== route.namespace) {
        throw badRequest(
          'the namespace of the provided object does not match the namespace sent on the request'
        )
      }
      object.metadata.namespace = route.namespace
    }
    if (route.name !== undefined) {
      if (object.metadata.name && object.metadata.name !== route.name) {
        throw badRequest(
          `the name of the object (${object.metadata.name}) does not match the name on the URL (${route.name})`
        )
      }
      object.metadata.name = route.name
    }
  }

  function handleCreate(call: Call, route: ResourceRoute): void {
    if (route.info.namespaced && route.namespace === undefined) throw pathNotFound()
    const object = requireObject(parseBody(call.req, call.body))
    scopeToRoute(object, { ...route, name: undefined })
    const context = writeContext(call, route.info)
    const created = store.create(route.info.resource, convertToStorage(object, route.info), {
      dryRun: isDryRun(call.url),
      prepare: admitted => recordUpdate(context, undefined, admitted)
    })
    sendJson(call.res, 201, convertTo(created, route.info))
  }

  function getExisting(route: ResourceRoute, name: string): KubeObject {
    const found = store.get(route.info.resource, route.namespace, name)
    if (!found) throw notFound(route.info, name)
    return found
  }

  /** A PUT or non-apply PATCH of the main resource, recorded as an Update by its field manager. */
  function update(call: Call, route: ResourceRoute, object: KubeObject, subresource?: string): KubeObject {
    const context = writeContext(call, route.info, subresource)
    const result = store.update(route.info.resource, convertToStorage(object, route.info), {
      dryRun: isDryRun(call.url),
      skipUnchanged: true,
      prepare: (admitted, stored) => recordUpdate(context, stored, admitted)
    })
    return convertTo(result, route.info)
  }

  function updateStatus(call: Call, route: ResourceRoute, object: KubeObject): KubeObject {
    const stored = convertToStorage(object, route.info)
    if (isDryRun(call.url)) {
      return convertTo({ ...getExisting(route, object.metadata.name), status: stored.status }, route.info)
    }
    return convertTo(store.updateStatus(route.info.resource, stored), route.info)
  }

  function handleUpdate(call: Call, route: ResourceRoute, name: string): void {
    const object = requireObject(parseBody(call.req, call.body))
    scopeToRoute(object, route)
    if (route.subresource === 'status') {
      getExisting(route, name)
      sendJson(call.res, 200, updateStatus(call, route, object))
      return
    }
    sendJson(call.res, 200, update(call, route, object))
  }

  function handleApply(call: Call, route: ResourceRoute, name: string): void {
    const applied = requireObject(parseBody(call.req, call.body))
    if (!call.url.searchParams.get('fieldManager')) {
      throw new StatusError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        {
          group: 'meta.k8s.io',
          kind: 'PatchOptions',
          causes: [
            {
              reason: 'FieldValueRequired',
              message: 'Required value: is required for apply patch',
              field: 'fieldManager'
            }
          ]
        }
      )
    }
    if (!applied.apiVersion || !applied.kind) {
      throw badRequest('error decoding YAML: apiVersion and kind must be set in an apply configuration')
    }
    scopeToRoute(applied, route)
    const dryRun = isDryRun(call.url)
    const context = { ...writeContext(call, route.info), force: isTrue(call.url.searchParams.get('force')) }
    const live = store.get(route.info.resource, route.namespace, name)
    const plan = planApply(context, live, convertToStorage(applied, route.info))
    const prepare = (admitted: KubeObject): void => plan.finish(admitted)
    if (!live) {
      const created = store.create(route.info.resource, plan.merged, { dryRun, prepare })
      sendJson(call.res, 201, convertTo(created, route.info))
      return
    }
    const result = store.update(route.info.resource, plan.merged, { dryRun, prepare, skipUnchanged: true })
    sendJson(call.res, 200, convertTo(result, route.info))
  }

  function handlePatch(call: Call, route: ResourceRoute, name: string): void {
    const type = mediaType(call.req)
    if (type === 'application/apply-patch+yaml' || type === 'application/apply-patch+cbor') {
      if (route.subresource) throw badRequest('apply is not supported on subresources by the test cluster')
      handleApply(call, route, name)
      return
    }
    const custom = route.info.custom !== undefined
    if (type === 'application/strategic-merge-patch+json' && custom) {
      // Custom resources have no Go types to carry patch strategies (kubectl and helm fall back to merge patch).
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml'
      )
    }
    const patch = parseBody(call.req, call.body)
    const current = convertTo(getExisting(route, name), route.info)
    let patched: unknown
    if (type === 'application/merge-patch+json') patched = jsonMergePatch(current, patch)
    else if (type === 'application/json-patch+json') patched = jsonPatch(current, patch)
    else if (type === 'application/strategic-merge-patch+json') {
      if (!isObject(patch)) throw badRequest('strategic merge patch must be a JSON object')
      patched = strategicMerge(current, patch)
    } else {
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`
      )
    }
    const object = requireObject(patched)
    if (
      object.metadata.name !== current.metadata.name ||
      object.metadata.namespace !== current.metadata.namespace
    ) {
      throw badRequest('metadata.name and metadata.namespace cannot be changed by a patch')
    }
    if (route.subresource === 'status') {
      sendJson(call.res, 200, updateStatus(call, route, object))
      return
    }
    sendJson(call.res, 200, update(call, route, object))
  }

  function deleteOptions(call: Call): {
    policy: PropagationPolicy | undefined
    dryRun: boolean
    gracePeriodSeconds: number | undefined
  } {
    const body = asObject(parseBody(call.req, call.body))
    const fromQuery = call.url.searchParams.get('propagationPolicy')
    const fromBody = asString(body?.propagationPolicy)
    let policy = (fromQuery ?? fromBody) as PropagationPolicy | undefined
    if (
      !policy &&
      (body?.orphanDependents === true || call.url.searchParams.get('orphanDependents') === 'true')
    ) {
      policy = 'Orphan'
    }
    if (policy && !['Background', 'Foreground', 'Orphan'].includes(policy)) {
      throw badRequest(
        `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${policy}"`
      )
    }
    const graceQuery = call.url.searchParams.get('gracePeriodSeconds')
    const grace =
      graceQuery !== null && /^-?\d+$/.test(graceQuery) ? Number(graceQuery) : body?.gracePeriodSeconds
    return {
      policy,
      dryRun: isDryRun(call.url, body),
      gracePeriodSeconds: typeof grace === 'number' ? grace : undefined
    }
  }

  function handleDelete(call: Call, route: ResourceRoute): void {
    const { policy, dryRun, gracePeriodSeconds } = deleteOptions(call)
    const options = { dryRun, gracePeriodSeconds }
    if (route.name === undefined) {
      const matches = selectors(call.url, route.info)
      const victims = store.select(route.info.resource, route.namespace, matches)
      const deleted = victims.map(v =>
        store.delete(route.info.resource, v.metadata.namespace, v.metadata.name, policy, options)
      )
      sendJson(call.res, 200, {
        kind: route.info.listKind,
        apiVersion: apiVersionOf(route.info),
        metadata: { resourceVersion: store.resourceVersion() },
        items: deleted.map(o => convertTo(o, route.info))
      })
      return
    }
    sendJson(
      call.res,
      200,
      convertTo(store.delete(route.info.resource, route.namespace, route.name, policy, options), route.info)
    )
  }

  function handleLog(call: Call, route: ResourceRoute, name: string): void {
    const pod = getExisting(route, name)
    const params = call.url.searchParams
    const tail = params.get('tailLines')
    const request: LogRequest = { previous: isTrue(params.get('previous')) }
    const container = params.get('container')
    if (container) request.container = container
    if (tail !== null && /^\d+$/.test(tail)) request.tailLines = Number(tail)
    const text = options.readLog(route.namespace ?? '', pod.metadata.name, request)
    call.res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) })
    call.res.end(text)
  }

  function toScale(object: KubeObject): KubeObject {
    const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata
    const spec = asObject(object.spec) ?? {}
    const status = asObject(object.status) ?? {}
    return {
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
      spec: { replicas: spec.replicas ?? 1 },
      status: { replicas: status.replicas ?? 0, selector: selectorText(spec.selector) }
    }
  }

  /** The scale subresource (kubectl scale): a Scale view of spec.replicas. */
  function handleScale(call: Call, route: ResourceRoute, name: string, method: string): void {
    const current = getExisting(route, name)
    const scale = toScale(current)
    if (method === 'GET') {
      sendJson(call.res, 200, scale)
      return
    }
    const body = parseBody(call.req, call.body)
    let wanted: unknown
    if (method === 'PUT') wanted = body
    else if (method === 'PATCH') {
      const type = mediaType(call.req)
      if (type === 'application/json-patch+json') wanted = jsonPatch(scale, body)
      else if (type === 'application/strategic-merge-patch+json' && isObject(body))
        wanted = strategicMerge(scale, body)
      else wanted = jsonMergePatch(scale, body)
    } else throw methodNotAllowed()
    const replicas = asObject(asObject(wanted)?.spec)?.replicas
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid({ ...route.info, kind: 'Scale', group: 'autoscaling' }, name, [
        invalidValue('spec.replicas', replicas ?? null, 'must be greater than or equal to 0')
      ])
    }
    const rv = asString(asObject(asObject(wanted)?.metadata)?.resourceVersion)
    const context = writeContext(call, route.info, 'scale')
    const updated = store.update(
      route.info.resource,
      {
        ...current,
        metadata: { ...current.metadata, resourceVersion: rv ?? current.metadata.resourceVersion },
        spec: { ...asObject(current.spec), replicas }
      },
      {
        dryRun: isDryRun(call.url),
        skipUnchanged: true,
        prepare: (admitted, stored) => recordUpdate(context, stored, admitted)
      }
    )
    sendJson(call.res, 200, toScale(updated))
  }

  function handleResource(call: Call, route: ResourceRoute): void {
    const method = call.req.method ?? 'GET'
    const name = route.name
    const sub = route.subresource
    const served =
      sub === undefined ||
      (sub === 'status' && route.info.hasStatus) ||
      (sub === 'log' && route.info.resource === 'pods') ||
      (sub === 'scale' && route.info.scalable)
    if (!served) throw pathNotFound()
    if (name === undefined) {
      if (method === 'GET') handleCollectionGet(call, route)
      else if (method === 'POST') handleCreate(call, route)
      else if (method === 'DELETE') handleDelete(call, route)
      else throw methodNotAllowed()
      return
    }
    if (sub === 'log') {
      if (method !== 'GET') throw methodNotAllowed()
      handleLog(call, route, name)
      return
    }
    if (sub === 'scale') {
      handleScale(call, route, name, method)
      return
    }
    switch (method) {
      case 'GET': {
        if (!sub && isWatch(call, route)) {
          handleCollectionGet(call, route)
          return
        }
        const stored = getExisting(route, name)
        if (wantsTable(call.req.headers.accept)) {
          sendJson(call.res, 200, toTable(route.info, [stored], store.resourceVersion()))
        } else sendJson(call.res, 200, convertTo(stored, route.info))
        return
      }
      case 'PUT':
        handleUpdate(call, route, name)
        return
      case 'PATCH':
        handlePatch(call, route, name)
        return
      case 'DELETE':
        if (sub) throw methodNotAllowed()
        handleDelete(call, route)
        return
      default:
        throw methodNotAllowed()
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry: RequestLogEntry = {
      time: Date.now(),
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      userAgent: req.headers['user-agent'] ?? '',
      contentType: req.headers['content-type'] ?? '',
      status: 0
    }
    requestLog.push(entry)
    const settle = (): void => {
      if (res.headersSent) entry.status = res.statusCode
    }
    res.on('finish', settle)
    res.on('close', settle)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const call: Call = { req, res, url, body: Buffer.alloc(0), entry }
    const fault = faults.take(entry.method, entry.path)
    if (fault) {
      injectFault(call, fault)
      return
    }
    try {
      call.body = await readBody(req)
      if (handleNonResource(call)) return
      const route = parseRoute(registry, url.pathname)
      if (!route) throw pathNotFound()
      handleResource(call, route)
    } catch (error) {
      if (res.headersSent) {
        res.destroy()
        return
      }
      if (error instanceof StatusError) sendStatus(res, error)
      else if (error instanceof UnsupportedMediaType)
        sendStatus(res, new StatusError(415, 'UnsupportedMediaType', error.message))
      else {
        console.error('test cluster: request failed:', error)
        sendStatus(res, new StatusError(500, 'InternalError', `Internal error occurred: ${String(error)}`))
      }
    }
  }

  return (req, res) => {
    void handle(req, res)
  }
}
