/**
 * Watch streams: newline-delimited JSON events over a chunked 200 response, replay from a bounded event
 * history, watch-list (sendInitialEvents) with its closing BOOKMARK, and timeoutSeconds.
 */
import type { ServerResponse } from 'node:http'
import type { Matcher } from './selectors.js'
import { apiVersionOf, type ResourceInfo } from './resources.js'
import type { Store } from './store.js'
import type { KubeObject, StoreEvent } from './types.js'

export interface WatchRequest {
  resource: ResourceInfo
  namespace: string | undefined
  matches: Matcher
  /** '' when absent. */
  resourceVersion: string
  sendInitialEvents: boolean
  allowBookmarks: boolean
  timeoutSeconds: number | undefined
  /** A label or field selector narrows the watch (objects can then enter and leave it). */
  filtered: boolean
  /** Turns an object into what the client asked for (the object itself, or a Table row). */
  render: (object: KubeObject) => unknown
}

interface Watcher {
  request: WatchRequest
  response: ServerResponse
  /** Keys of the objects this watcher has shown and not yet deleted; only for filtered watches. */
  view: Set<string> | undefined
  timer: NodeJS.Timeout
  bookmarkTimer?: NodeJS.Timeout
}

function objectKey(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`
}

interface HistoryEntry {
  version: number
  event: StoreEvent
}

/** Real API servers end a watch after 30-60 minutes; tests never get near that. */
const DEFAULT_TIMEOUT_SECONDS = 1800
const BOOKMARK_INTERVAL_MS = 10_000

export class WatchHub {
  private readonly history: HistoryEntry[] = []
  /** The resourceVersion of the newest event dropped from history; older starts are "too old". */
  private droppedThrough = 0
  private readonly watchers = new Set<Watcher>()
  private readonly unsubscribe: () => void

  constructor(
    private readonly store: Store,
    private readonly capacity = 5000
  ) {
    this.unsubscribe = store.subscribe(event => this.onEvent(event))
  }

  get openWatches(): number {
    return this.watchers.size
  }

  private onEvent(event: StoreEvent): void {
    const version = Number(event.object.metadata.resourceVersion)
    this.history.push({ version, event })
    if (this.history.length > this.capacity) {
      const dropped = this.history.splice(0, this.history.length - this.capacity)
      this.droppedThrough = dropped[dropped.length - 1]?.version ?? this.droppedThrough
    }
    for (const watcher of this.watchers) this.deliver(watcher, event)
  }

  private inScope(request: WatchRequest, event: StoreEvent): boolean {
    if (event.resource !== request.resource.resource) return false
    return request.namespace === undefined || event.object.metadata.namespace === request.namespace
  }

  /**
   * The event type this watcher sees, if any. With a selector, an object that starts or stops matching is
   * ADDED or DELETED for this watcher, as the real watch cache does; `view` holds what the client was shown.
   */
  private translate(
    request: WatchRequest,
    view: Set<string> | undefined,
    event: StoreEvent
  ): string | undefined {
    if (!this.inScope(request, event)) return undefined
    const matches = request.matches(event.object)
    if (!view) return matches ? event.type : undefined
    const key = objectKey(event.object)
    const shown = view.has(key)
    if (event.type === 'DELETED') {
      view.delete(key)
      return shown || matches ? 'DELETED' : undefined
    }
    if (matches) {
      view.add(key)
      return shown || event.type === 'ADDED' ? event.type : 'ADDED'
    }
    if (shown) {
      view.delete(key)
      return 'DELETED'
    }
    return undefined
  }

  private deliver(watcher: Watcher, event: StoreEvent): void {
    const type = this.translate(watcher.request, watcher.view, event)
    if (type) write(watcher.response, type, watcher.request.render(event.object))
  }

  private bookmark(request: WatchRequest, resourceVersion: string, initialEventsEnd: boolean): unknown {
    const metadata: Record<string, unknown> = { resourceVersion }
    if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' }
    return { kind: request.resource.kind, apiVersion: apiVersionOf(request.resource), metadata }
  }

  serve(request: WatchRequest, response: ServerResponse): void {
    const requested = request.resourceVersion === '' ? 0 : Number(request.resourceVersion)
    if (!request.sendInitialEvents && requested > 0 && requested < this.droppedThrough) {
      response.writeHead(200, { 'Content-Type': 'application/json' })
      write(response, 'ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${requested} (${this.droppedThrough + 1})`,
        reason: 'Expired',
        code: 410
      })
      response.end()
      return
    }
    response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' })
    response.flushHeaders()
    const current = this.store.select(request.resource.resource, request.namespace, request.matches)
    const view = request.filtered ? new Set(current.map(objectKey)) : undefined
    if (request.sendInitialEvents || requested === 0) {
      // "Get state and start at most recent": synthetic ADDED events for what exists now.
      for (const object of current) write(response, 'ADDED', request.render(object))
      if (request.sendInitialEvents) {
        write(response, 'BOOKMARK', this.bookmark(request, this.store.resourceVersion(), true))
      }
    } else {
      const replay = this.history.filter(entry => entry.version > requested)
      // What the client listed at `requested` is unknown here; count anything that matched since as shown.
      for (const entry of replay) {
        if (view && this.inScope(request, entry.event) && request.matches(entry.event.object)) {
          view.add(objectKey(entry.event.object))
        }
      }
      for (const entry of replay) {
        const type = this.translate(request, view, entry.event)
        if (type) write(response, type, request.render(entry.event.object))
      }
    }
    const timeout = (request.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000
    const watcher: Watcher = {
      request,
      response,
      view,
      timer: setTimeout(() => this.close(watcher), timeout)
    }
    if (request.allowBookmarks) {
      watcher.bookmarkTimer = setInterval(() => {
        write(response, 'BOOKMARK', this.bookmark(request, this.store.resourceVersion(), false))
      }, BOOKMARK_INTERVAL_MS)
    }
    this.watchers.add(watcher)
    response.on('close', () => this.forget(watcher))
  }

  private forget(watcher: Watcher): void {
    clearTimeout(watcher.timer)
    if (watcher.bookmarkTimer) clearInterval(watcher.bookmarkTimer)
    this.watchers.delete(watcher)
  }

  private close(watcher: Watcher): void {
    this.forget(watcher)
    watcher.response.end()
  }

  /** Ends every open watch (server stop/restart). */
  closeAll(): void {
    for (const watcher of [...this.watchers]) {
      this.close(watcher)
      watcher.response.socket?.destroy()
    }
  }

  dispose(): void {
    this.closeAll()
    this.unsubscribe()
  }
}

function write(response: ServerResponse, type: string, object: unknown): void {
  if (response.writableEnded || response.destroyed) return
  response.write(`${JSON.stringify({ type, object })}\n`)
}
