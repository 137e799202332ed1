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
  /** Turns an object into what the client asked for (the object itself, or a Table row). */
  render: (object: KubeObject) => unknown
}

interface Watcher {
  request: WatchRequest
  response: ServerResponse
  timer: NodeJS.Timeout
  bookmarkTimer?: NodeJS.Timeout
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

  private matches(request: WatchRequest, event: StoreEvent): boolean {
    if (event.resource !== request.resource.resource) return false
    if (request.namespace !== undefined && event.object.metadata.namespace !== request.namespace) return false
    return request.matches(event.object)
  }

  private deliver(watcher: Watcher, event: StoreEvent): void {
    if (!this.matches(watcher.request, event)) return
    write(watcher.response, event.type, watcher.request.render(event.object))
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
    if (request.sendInitialEvents || requested === 0) {
      // "Get state and start at most recent": synthetic ADDED events for what exists now.
      for (const object of this.store.select(request.resource.resource, request.namespace, request.matches)) {
        write(response, 'ADDED', request.render(object))
      }
      if (request.sendInitialEvents) {
        write(response, 'BOOKMARK', this.bookmark(request, this.store.resourceVersion(), true))
      }
    } else {
      for (const entry of this.history) {
        if (entry.version > requested && this.matches(request, entry.event)) {
          write(response, entry.event.type, request.render(entry.event.object))
        }
      }
    }
    const timeout = (request.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000
    const watcher: Watcher = { request, response, timer: setTimeout(() => this.close(watcher), timeout) }
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
