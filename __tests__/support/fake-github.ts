/**
 * A fake of the few GitHub REST endpoints the sticky comment and the Deployments lifecycle use, on 127.0.0.1.
 * Octokit fetches through undici, which HTTP mocking libraries do not intercept, so the tests talk to a real server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakeComment {
  id: number
  issue: number
  body: string
  user: { login: string; type: 'User' | 'Bot' }
}

export interface FakeDeploymentStatus {
  id: number
  state: string
  description: string
  log_url?: string
  environment_url?: string
  /** Set by the fake when another deployment's success made this one inactive (auto_inactive). */
  auto?: boolean
}

export interface FakeDeployment {
  id: number
  sha: string
  ref: string
  environment: string
  transient_environment: boolean
  production_environment: boolean
  payload: unknown
  description: string
  /** Oldest first (the API lists them newest first). */
  statuses: FakeDeploymentStatus[]
}

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  token?: string
  body?: unknown
}

/** A token either belongs to a user (`GET /user` works) or is an app token (`GET /user` answers 403). */
export type TokenIdentity = { login: string; kind: 'user' } | { login: string; kind: 'app' }

export interface FakeGitHubOptions {
  owner?: string
  repo?: string
  tokens: Record<string, TokenIdentity>
}

export class FakeGitHub {
  readonly owner: string
  readonly repo: string
  readonly requests: RecordedRequest[] = []
  readonly comments: FakeComment[] = []
  /** `GET /repos/{o}/{r}/commits/{sha}/pulls` answers, by sha. */
  readonly commitPulls = new Map<string, { number: number; state: 'open' | 'closed' }[]>()
  /** Forced answers: `METHOD path-regex` → status. */
  readonly failures: { method: string; path: RegExp; status: number }[] = []
  /** Oldest first (the API lists them newest first). */
  readonly deployments: FakeDeployment[] = []
  private readonly tokens: Record<string, TokenIdentity>
  private server?: Server
  private nextId = 1000
  url = ''

  constructor(options: FakeGitHubOptions) {
    this.owner = options.owner ?? 'acme'
    this.repo = options.repo ?? 'shop'
    this.tokens = options.tokens
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ message: String(error) }))
      })
    })
    this.server = server
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return this.url
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    server.closeAllConnections()
    await new Promise<void>(resolve => server.close(() => resolve()))
  }

  addComment(issue: number, body: string, login: string): FakeComment {
    const comment: FakeComment = {
      id: this.nextId++,
      issue,
      body,
      user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' }
    }
    this.comments.push(comment)
    return comment
  }

  commentsOn(issue: number): FakeComment[] {
    return this.comments.filter(c => c.issue === issue)
  }

  /** A deployment made outside the run under test (another environment, an earlier run). */
  addDeployment(environment: string, options: { state?: string; sha?: string } = {}): FakeDeployment {
    const deployment: FakeDeployment = {
      id: this.nextId++,
      sha: options.sha ?? '0'.repeat(40),
      ref: options.sha ?? 'main',
      environment,
      transient_environment: false,
      production_environment: false,
      payload: {},
      description: '',
      statuses: []
    }
    this.deployments.push(deployment)
    if (options.state) deployment.statuses.push({ id: this.nextId++, state: options.state, description: '' })
    return deployment
  }

  /** The latest status of a deployment, or undefined before its first. */
  stateOf(deployment: FakeDeployment | number): string | undefined {
    const d = typeof deployment === 'number' ? this.deployments.find(x => x.id === deployment) : deployment
    return d?.statuses[d.statuses.length - 1]?.state
  }

  /** Requests that change state (POST, PATCH, DELETE). */
  writes(): RecordedRequest[] {
    return this.requests.filter(r => r.method !== 'GET')
  }

  private htmlUrl(comment: FakeComment): string {
    return `https://github.test/${this.owner}/${this.repo}/pull/${comment.issue}#issuecomment-${comment.id}`
  }

  private json(comment: FakeComment): Record<string, unknown> {
    return {
      id: comment.id,
      body: comment.body,
      user: comment.user,
      html_url: this.htmlUrl(comment),
      url: `${this.url}/repos/${this.owner}/${this.repo}/issues/comments/${comment.id}`
    }
  }

  private deploymentJson(d: FakeDeployment): Record<string, unknown> {
    const { statuses: _statuses, ...fields } = d
    return {
      ...fields,
      url: `${this.url}/repos/${this.owner}/${this.repo}/deployments/${d.id}`,
      task: 'deploy'
    }
  }

  /**
   * POST/GET deployments (GET filtered by environment, sha, ref, newest first) and their statuses. A success status
   * with auto_inactive (the default) marks every earlier deployment of the same environment whose latest state is
   * success inactive — as users see GitHub do, previews of other pull requests that share the name included.
   */
  private handleDeployments(method: string, url: URL, request: RecordedRequest, send: Send): void {
    const base = `/repos/${this.owner}/${this.repo}/deployments`
    const body = (request.body ?? {}) as Record<string, unknown>
    if (url.pathname === base && method === 'POST') {
      if (typeof body.ref !== 'string' || typeof body.environment !== 'string') {
        return send(422, { message: 'ref and environment are required here' })
      }
      const deployment: FakeDeployment = {
        id: this.nextId++,
        sha: body.ref,
        ref: body.ref,
        environment: body.environment,
        transient_environment: body.transient_environment === true,
        production_environment: body.production_environment === true,
        payload: body.payload ?? {},
        description: typeof body.description === 'string' ? body.description : '',
        statuses: []
      }
      this.deployments.push(deployment)
      return send(201, this.deploymentJson(deployment))
    }
    if (url.pathname === base && method === 'GET') {
      const filters = ['environment', 'sha', 'ref'] as const
      const matching = [...this.deployments]
        .reverse()
        .filter(d => filters.every(f => !url.searchParams.has(f) || d[f] === url.searchParams.get(f)))
      const { page, headers } = paged(url, matching)
      return send(
        200,
        page.map(d => this.deploymentJson(d)),
        headers
      )
    }
    const m = new RegExp(`^${base}/(\\d+)/statuses$`).exec(url.pathname)
    const deployment = m ? this.deployments.find(d => d.id === Number(m[1])) : undefined
    if (!m) return send(404, { message: 'Not Found' })
    if (!deployment) return send(404, { message: 'Not Found' })
    if (method === 'GET') {
      const { page, headers } = paged(url, [...deployment.statuses].reverse())
      return send(200, page, headers)
    }
    if (method !== 'POST') return send(404, { message: 'Not Found' })
    const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success']
    if (typeof body.state !== 'string' || !states.includes(body.state)) {
      return send(422, { message: `state must be one of ${states.join(', ')}` })
    }
    const description = typeof body.description === 'string' ? body.description : ''
    if (description.length > 140)
      return send(422, { message: 'description is too long (maximum is 140 characters)' })
    const status: FakeDeploymentStatus = { id: this.nextId++, state: body.state, description }
    if (typeof body.log_url === 'string') status.log_url = body.log_url
    if (typeof body.environment_url === 'string') status.environment_url = body.environment_url
    deployment.statuses.push(status)
    if (body.state === 'success' && body.auto_inactive !== false) {
      for (const other of this.deployments) {
        if (other.id >= deployment.id || other.environment !== deployment.environment) continue
        if (this.stateOf(other) !== 'success') continue
        other.statuses.push({ id: this.nextId++, state: 'inactive', description: '', auto: true })
      }
    }
    return send(201, status)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const method = req.method ?? 'GET'
    const raw = await readBody(req)
    const auth = req.headers.authorization ?? ''
    const token = /^(?:token|bearer) (.+)$/i.exec(auth)?.[1]
    const request: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      token,
      body: raw ? (JSON.parse(raw) as unknown) : undefined
    }
    this.requests.push(request)

    const send = (status: number, data: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
      res.end(JSON.stringify(data))
    }
    const identity = token === undefined ? undefined : this.tokens[token]
    if (!identity) return send(401, { message: 'Bad credentials' })
    const forced = this.failures.find(f => f.method === method && f.path.test(url.pathname))
    if (forced) return send(forced.status, { message: 'Resource not accessible by integration' })

    const base = `/repos/${this.owner}/${this.repo}`
    let m: RegExpExecArray | null
    if (method === 'GET' && url.pathname === '/user') {
      if (identity.kind === 'app') return send(403, { message: 'Resource not accessible by integration' })
      return send(200, { login: identity.login, type: 'User' })
    }
    if ((m = new RegExp(`^${base}/issues/(\\d+)/comments$`).exec(url.pathname))) {
      const issue = Number(m[1])
      if (method === 'GET') {
        const perPage = Math.min(Number(url.searchParams.get('per_page') ?? '30'), 100)
        const page = Number(url.searchParams.get('page') ?? '1')
        const all = this.commentsOn(issue)
        const last = Math.max(1, Math.ceil(all.length / perPage))
        const links: string[] = []
        const link = (p: number, rel: string): string => {
          const next = new URL(url.toString())
          next.searchParams.set('page', String(p))
          return `<${next.toString()}>; rel="${rel}"`
        }
        if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
        const headers: Record<string, string> = links.length > 0 ? { link: links.join(', ') } : {}
        return send(
          200,
          all.slice((page - 1) * perPage, page * perPage).map(c => this.json(c)),
          headers
        )
      }
      if (method === 'POST') {
        const body = (request.body as { body?: unknown } | undefined)?.body
        if (typeof body !== 'string') return send(422, { message: 'body is missing' })
        return send(201, this.json(this.addComment(issue, body, identity.login)))
      }
    }
    if ((m = new RegExp(`^${base}/issues/comments/(\\d+)$`).exec(url.pathname)) && method === 'PATCH') {
      const comment = this.comments.find(c => c.id === Number(m?.[1]))
      if (!comment) return send(404, { message: 'Not Found' })
      // GitHub only lets the author (or a maintainer) edit; the fake is strict.
      if (comment.user.login !== identity.login) return send(403, { message: 'Must be the author' })
      const body = (request.body as { body?: unknown } | undefined)?.body
      if (typeof body !== 'string') return send(422, { message: 'body is missing' })
      comment.body = body
      return send(200, this.json(comment))
    }
    if (url.pathname.startsWith(`${base}/deployments`))
      return this.handleDeployments(method, url, request, send)
    if ((m = new RegExp(`^${base}/commits/([0-9a-f]+)/pulls$`).exec(url.pathname)) && method === 'GET') {
      const pulls = this.commitPulls.get(m[1] ?? '') ?? []
      return send(
        200,
        pulls.map(p => ({ number: p.number, state: p.state }))
      )
    }
    return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' })
  }
}

type Send = (status: number, data: unknown, headers?: Record<string, string>) => void

/** One page of `items` as GitHub pages lists: `per_page` (30, at most 100), `page`, and a Link header. */
function paged<T>(url: URL, items: readonly T[]): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Number(url.searchParams.get('per_page') ?? '30'), 100)
  const page = Number(url.searchParams.get('page') ?? '1')
  const last = Math.max(1, Math.ceil(items.length / perPage))
  const link = (p: number, rel: string): string => {
    const next = new URL(url.toString())
    next.searchParams.set('page', String(p))
    return `<${next.toString()}>; rel="${rel}"`
  }
  const headers: Record<string, string> =
    page < last ? { link: [link(page + 1, 'next'), link(last, 'last')].join(', ') } : {}
  return { page: items.slice((page - 1) * perPage, page * perPage), headers }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
