import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, normalize } from 'node:path'

export interface MirrorRequest {
  method: string
  path: string
  status: number
}

export interface MirrorServer {
  url: string
  requests: MirrorRequest[]
  /** The next `count` requests whose path matches answer `status` (with Retry-After when given). */
  failNext(path: RegExp, status: number, count?: number, retryAfterSeconds?: number): void
  /** Serve these bytes instead of the file at `path` (e.g. a tampered archive). */
  override(path: string, body: Buffer): void
  stop(): Promise<void>
}

/** A static file server over a folder, like get.helm.sh or dl.k8s.io, on 127.0.0.1, with fault knobs. */
export async function startMirror(root: string): Promise<MirrorServer> {
  const requests: MirrorRequest[] = []
  const failures: { path: RegExp; status: number; remaining: number; retryAfter?: number }[] = []
  const overrides = new Map<string, Buffer>()
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    const answer = (status: number): void => {
      requests.push({ method: req.method ?? 'GET', path, status })
    }
    const failure = failures.find(f => f.remaining > 0 && f.path.test(path))
    if (failure) {
      failure.remaining--
      answer(failure.status)
      const headers: Record<string, string> = {}
      if (failure.retryAfter !== undefined) headers['retry-after'] = String(failure.retryAfter)
      res.writeHead(failure.status, headers).end(`injected ${failure.status}\n`)
      return
    }
    const override = overrides.get(path)
    if (override) {
      answer(200)
      res.writeHead(200, { 'content-length': override.length }).end(override)
      return
    }
    const file = join(root, normalize(path).replace(/^(\.\.[/\\])+/, ''))
    const serveFile = async (): Promise<void> => {
      const info = await stat(file).catch(() => undefined)
      if (!info?.isFile()) {
        answer(404)
        res.writeHead(404).end('not found\n')
        return
      }
      answer(200)
      res.writeHead(200, { 'content-length': info.size, 'content-type': 'application/octet-stream' })
      createReadStream(file).pipe(res)
    }
    void serveFile()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(path, status, count = 1, retryAfterSeconds) {
      failures.push({ path, status, remaining: count, retryAfter: retryAfterSeconds })
    },
    override(path, body) {
      overrides.set(path, body)
    },
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
