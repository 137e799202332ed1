import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from './index.js'
import { podStatusReason } from './table.js'
import type { KubeObject } from './types.js'

let cluster: TestCluster

beforeAll(async () => {
  cluster = await startTestCluster({ timeScale: 0.05 })
})

afterAll(async () => {
  await cluster.stop()
})

interface Reply {
  status: number
  headers: Headers
  text: string
  json: Record<string, unknown>
}

async function api(
  method: string,
  path: string,
  options: { body?: unknown; contentType?: string; accept?: string; raw?: Buffer } = {}
): Promise<Reply> {
  const headers: Record<string, string> = { 'User-Agent': 'server-test/1.0' }
  if (options.accept) headers.Accept = options.accept
  let body: string | Buffer | undefined
  if (options.raw) {
    body = options.raw
    headers['Content-Type'] = options.contentType ?? 'application/vnd.kubernetes.protobuf'
  } else if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    headers['Content-Type'] = options.contentType ?? 'application/json'
  }
  const response = await fetch(`${cluster.url}${path}`, { method, headers, body })
  const text = await response.text()
  let json: Record<string, unknown> = {}
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    // not JSON (logs, health)
  }
  return { status: response.status, headers: response.headers, text, json }
}

type JsonRecord = Record<string, unknown>

function items(reply: Reply): KubeObject[] {
  return reply.json.items as KubeObject[]
}

function names(reply: Reply): string[] {
  return items(reply).map(i => i.metadata.name)
}

async function namespace(name: string): Promise<void> {
  const reply = await api('POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }
  })
  expect(reply.status).toBe(201)
}

function configMap(name: string, extra: Partial<KubeObject> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' }, ...extra }
}

/** Reads newline-delimited watch events until `count` arrived or the stream ended. */
function watchEvents(
  path: string,
  count: number,
  onOpen?: () => void
): Promise<{ type: string; object: KubeObject }[]> {
  return new Promise((resolve, reject) => {
    const events: { type: string; object: KubeObject }[] = []
    let buffered = ''
    const req = httpRequest(`${cluster.url}${path}`, res => {
      onOpen?.()
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffered += chunk
        let newline = buffered.indexOf('\n')
        while (newline >= 0) {
          events.push(JSON.parse(buffered.slice(0, newline)) as { type: string; object: KubeObject })
          buffered = buffered.slice(newline + 1)
          newline = buffered.indexOf('\n')
        }
        if (events.length >= count) {
          req.destroy()
          resolve(events)
        }
      })
      res.on('end', () => resolve(events))
      res.on('error', () => resolve(events))
    })
    req.on('error', error => (events.length ? resolve(events) : reject(error)))
    req.end()
  })
}

// --- protobuf encoding, the way client-go's protobuf serializer writes a Secret ---------------------------

function varint(n: number): Buffer {
  const bytes: number[] = []
  while (n > 127) {
    bytes.push((n % 128) | 0x80)
    n = Math.floor(n / 128)
  }
  bytes.push(n)
  return Buffer.from(bytes)
}

function field(number: number, value: Buffer | string | number): Buffer {
  if (typeof value === 'number') return Buffer.concat([varint(number * 8), varint(value)])
  const bytes = typeof value === 'string' ? Buffer.from(value) : value
  return Buffer.concat([varint(number * 8 + 2), varint(bytes.length), bytes])
}

function mapEntries(number: number, entries: Record<string, string | Buffer>): Buffer {
  return Buffer.concat(
    Object.entries(entries).map(([k, v]) => field(number, Buffer.concat([field(1, k), field(2, v)])))
  )
}

function protobufEnvelope(kind: string, raw: Buffer): Buffer {
  const typeMeta = Buffer.concat([field(1, 'v1'), field(2, kind)])
  return Buffer.concat([
    Buffer.from('k8s\0', 'binary'),
    field(1, typeMeta),
    field(2, raw),
    field(3, ''),
    field(4, '')
  ])
}

describe('discovery and openapi', () => {
  it('serves /version, aggregated discovery with its exact content type, and legacy discovery', async () => {
    expect((await api('GET', '/version')).json.gitVersion).toMatch(/^v1\.35\./)
    const aggregated = await api('GET', '/apis', {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json'
    })
    expect(aggregated.headers.get('content-type')).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'
    )
    const groups = (aggregated.json.items as { metadata: { name: string } }[]).map(g => g.metadata.name)
    expect(groups).toEqual([
      'apiregistration.k8s.io',
      'apps',
      'events.k8s.io',
      'autoscaling',
      'batch',
      'certificates.k8s.io',
      'networking.k8s.io',
      'policy',
      'rbac.authorization.k8s.io',
      'storage.k8s.io',
      'admissionregistration.k8s.io',
      'apiextensions.k8s.io',
      'scheduling.k8s.io',
      'coordination.k8s.io',
      'discovery.k8s.io'
    ])
    const autoscaling = (
      aggregated.json.items as { metadata: { name: string }; versions: { version: string }[] }[]
    ).find(g => g.metadata.name === 'autoscaling')
    expect(autoscaling?.versions.map(v => v.version)).toEqual(['v2', 'v1'])
    const legacy = await api('GET', '/apis', { accept: 'application/json' })
    expect(legacy.json.kind).toBe('APIGroupList')
    const legacyAutoscaling = (legacy.json.groups as { name: string }[]).find(g => g.name === 'autoscaling')
    expect(legacyAutoscaling).toEqual({
      name: 'autoscaling',
      versions: [
        { groupVersion: 'autoscaling/v2', version: 'v2' },
        { groupVersion: 'autoscaling/v1', version: 'v1' }
      ],
      preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' }
    })
    expect((await api('GET', '/apis/batch')).json).toMatchObject({ kind: 'APIGroup', name: 'batch' })
    expect((await api('GET', '/apis/events.k8s.io')).json).toMatchObject({
      kind: 'APIGroup',
      preferredVersion: { groupVersion: 'events.k8s.io/v1' }
    })
    expect(legacy.json.groups).toContainEqual({
      name: 'events.k8s.io',
      versions: [{ groupVersion: 'events.k8s.io/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'events.k8s.io/v1', version: 'v1' }
    })
    const eventsV1 = await api('GET', '/apis/events.k8s.io/v1')
    expect(eventsV1.json.resources).toEqual([
      {
        name: 'events',
        singularName: 'event',
        namespaced: true,
        kind: 'Event',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        shortNames: ['ev']
      }
    ])
    expect((await api('GET', '/apis/node.k8s.io')).status).toBe(404)
    const core = await api('GET', '/api/v1')
    const resources = (core.json.resources as { name: string }[]).map(r => r.name)
    expect(resources).toEqual(expect.arrayContaining(['pods', 'pods/log', 'secrets', 'events', 'namespaces']))
  })

  it('serves an openapi v3 stub that declares fieldValidation on PATCH for every kind', async () => {
    const root = await api('GET', '/openapi/v3')
    const paths = root.json.paths as Record<string, { serverRelativeURL: string }>
    const apps = paths['apis/apps/v1']
    expect(apps?.serverRelativeURL).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=/)
    const doc = await api('GET', apps?.serverRelativeURL ?? '')
    const deployment = (doc.json.paths as Record<string, { patch: Record<string, unknown> }>)[
      '/apis/apps/v1/namespaces/{namespace}/deployments/{name}'
    ]
    expect(deployment?.patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'apps',
      version: 'v1',
      kind: 'Deployment'
    })
    expect(JSON.stringify(deployment?.patch.parameters)).toContain('"fieldValidation"')
    const events = await api('GET', paths['apis/events.k8s.io/v1']?.serverRelativeURL ?? '')
    const eventPatch = (events.json.paths as Record<string, { patch: Record<string, unknown> }>)[
      '/apis/events.k8s.io/v1/namespaces/{namespace}/events/{name}'
    ]
    expect(eventPatch?.patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'events.k8s.io',
      version: 'v1',
      kind: 'Event'
    })
  })
})

describe('CRUD and errors', () => {
  beforeAll(async () => namespace('crud'))

  it('creates, names from generateName, and refuses duplicates with AlreadyExists', async () => {
    const created = await api('POST', '/api/v1/namespaces/crud/configmaps', { body: configMap('one') })
    expect(created.status).toBe(201)
    const meta = created.json.metadata as Record<string, unknown>
    expect(meta.resourceVersion).toMatch(/^\d+$/)
    expect(meta.uid).toBeTruthy()
    const again = await api('POST', '/api/v1/namespaces/crud/configmaps', { body: configMap('one') })
    expect(again.status).toBe(409)
    expect(again.json).toMatchObject({
      kind: 'Status',
      reason: 'AlreadyExists',
      message: 'configmaps "one" already exists'
    })
    const generated = await api('POST', '/api/v1/namespaces/crud/configmaps', {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'gen-' } }
    })
    expect((generated.json.metadata as { name: string }).name).toMatch(/^gen-[a-z0-9]{5}$/)
  })

  it('answers NotFound with the real wording and details', async () => {
    const missing = await api('GET', '/apis/apps/v1/namespaces/crud/deployments/nope')
    expect(missing.status).toBe(404)
    expect(missing.json).toMatchObject({
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'deployments.apps "nope" not found',
      details: { name: 'nope', group: 'apps', kind: 'deployments' }
    })
    const noNamespace = await api('POST', '/api/v1/namespaces/absent/configmaps', { body: configMap('x') })
    expect(noNamespace.json.message).toBe('namespaces "absent" not found')
    expect((await api('GET', '/apis/nothing/v1/things')).status).toBe(404)
  })

  it('rejects a stale resourceVersion with Conflict, and bumps generation only for spec changes', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'gen' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'gen' } },
        template: { metadata: { labels: { app: 'gen' } }, spec: { containers: [{ name: 'c', image: 'x' }] } }
      }
    }
    const created = (await api('POST', '/apis/apps/v1/namespaces/crud/deployments', { body: deployment }))
      .json as KubeObject
    const labelled = await api('PATCH', '/apis/apps/v1/namespaces/crud/deployments/gen', {
      body: { metadata: { labels: { x: 'y' } } },
      contentType: 'application/merge-patch+json'
    })
    expect((labelled.json as KubeObject).metadata.generation).toBe(created.metadata.generation)
    const scaled = await api('PATCH', '/apis/apps/v1/namespaces/crud/deployments/gen', {
      body: { spec: { replicas: 0, paused: true } },
      contentType: 'application/merge-patch+json'
    })
    expect((scaled.json as KubeObject).metadata.generation).toBe((created.metadata.generation ?? 0) + 1)
    const stale = await api('PUT', '/apis/apps/v1/namespaces/crud/deployments/gen', { body: created })
    expect(stale.status).toBe(409)
    expect(stale.json.message).toBe(
      'Operation cannot be fulfilled on deployments.apps "gen": the object has been modified; please apply your changes to the latest version and try again'
    )
  })

  it('serves the scale subresource of deployments', async () => {
    const scale = await api('GET', '/apis/apps/v1/namespaces/crud/deployments/gen/scale')
    expect(scale.json).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 0 } })
    expect((scale.json.status as { selector: string }).selector).toBe('app=gen')
    const patched = await api('PATCH', '/apis/apps/v1/namespaces/crud/deployments/gen/scale', {
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 3 } }
    })
    expect(patched.json).toMatchObject({ spec: { replicas: 3 } })
    const deployment = (await api('GET', '/apis/apps/v1/namespaces/crud/deployments/gen')).json
    expect((deployment.spec as { replicas: number }).replicas).toBe(3)
    const negative = await api('PUT', '/apis/apps/v1/namespaces/crud/deployments/gen/scale', {
      body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'gen' }, spec: { replicas: -1 } }
    })
    expect(negative.status).toBe(422)
  })

  it('validates names as the API server does', async () => {
    const upper = await api('POST', '/api/v1/namespaces/crud/configmaps', { body: configMap('Upper') })
    expect(upper.status).toBe(422)
    expect(upper.json.message).toMatch(
      /^ConfigMap "Upper" is invalid: metadata.name: Invalid value: "Upper": a lowercase RFC 1123 subdomain must consist of/
    )
    const service = await api('POST', '/api/v1/namespaces/crud/services', {
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: '1svc' }, spec: { ports: [{ port: 80 }] } }
    })
    expect(service.json.message).toContain(
      'a DNS-1035 label must consist of lower case alphanumeric characters'
    )
  })

  it('does not persist dryRun=All writes', async () => {
    const dry = await api('POST', '/api/v1/namespaces/crud/configmaps?dryRun=All', { body: configMap('dry') })
    expect(dry.status).toBe(201)
    expect((await api('GET', '/api/v1/namespaces/crud/configmaps/dry')).status).toBe(404)
    await api('DELETE', '/api/v1/namespaces/crud/configmaps/one?dryRun=All')
    expect((await api('GET', '/api/v1/namespaces/crud/configmaps/one')).status).toBe(200)
  })

  it('turns Secret stringData into base64 data', async () => {
    const secret = await api('POST', '/api/v1/namespaces/crud/secrets', {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2' } }
    })
    expect(secret.json.data).toEqual({ password: Buffer.from('hunter2').toString('base64') })
    expect(secret.json.stringData).toBeUndefined()
    expect(secret.json.type).toBe('Opaque')
  })
})

describe('protobuf request bodies', () => {
  beforeAll(async () => namespace('proto'))

  it('decodes Secrets as helm release storage sends them, and protobuf DeleteOptions', async () => {
    const meta = Buffer.concat([
      field(1, 'sh.helm.release.v1.demo.v1'),
      field(3, 'proto'),
      field(8, Buffer.alloc(0)),
      mapEntries(11, { owner: 'helm', name: 'demo', status: 'deployed', version: '1' })
    ])
    const release = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff])
    const secret = Buffer.concat([field(1, meta), mapEntries(2, { release }), field(3, 'helm.sh/release.v1')])
    const created = await api('POST', '/api/v1/namespaces/proto/secrets', {
      raw: protobufEnvelope('Secret', secret)
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({
      type: 'helm.sh/release.v1',
      data: { release: release.toString('base64') },
      metadata: { name: 'sh.helm.release.v1.demo.v1', labels: { owner: 'helm', status: 'deployed' } }
    })
    expect((created.json.metadata as Record<string, unknown>).creationTimestamp).toMatch(/^20\d\d-/)
    const listed = await api('GET', '/api/v1/secrets?labelSelector=owner%3Dhelm,name%3Ddemo')
    expect(names(listed)).toEqual(['sh.helm.release.v1.demo.v1'])
    const deleteOptions = protobufEnvelope('DeleteOptions', field(4, 'Background'))
    const deleted = await api('DELETE', '/api/v1/namespaces/proto/secrets/sh.helm.release.v1.demo.v1', {
      raw: deleteOptions
    })
    expect(deleted.status).toBe(200)
    expect((await api('GET', '/api/v1/namespaces/proto/secrets/sh.helm.release.v1.demo.v1')).status).toBe(404)
  })

  it('decodes a Namespace as kubectl create namespace sends it', async () => {
    const body = Buffer.concat([field(1, field(1, 'from-proto')), field(2, field(1, 'kubernetes'))])
    const created = await api('POST', '/api/v1/namespaces', { raw: protobufEnvelope('Namespace', body) })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ metadata: { name: 'from-proto' }, status: { phase: 'Active' } })
  })

  it('answers 415 for protobuf kinds it cannot decode', async () => {
    const reply = await api('POST', '/api/v1/namespaces/proto/pods', {
      raw: protobufEnvelope('Pod', Buffer.alloc(0))
    })
    expect(reply.status).toBe(415)
  })
})

describe('patches', () => {
  beforeAll(async () => namespace('patch'))

  const pod = (name: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'web:1',
              env: [
                { name: 'A', value: '1' },
                { name: 'EXTRA', value: 'x' }
              ],
              ports: [{ containerPort: 8080, name: 'http' }],
              volumeMounts: [{ name: 'data', mountPath: '/data' }]
            },
            { name: 'side', image: 'side:1' }
          ],
          finalizersLike: ['keep'],
          strategyLike: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } }
        }
      }
    }
  })

  it('applies strategic merge patches with merge keys and directives, as helm 3 sends them', async () => {
    await api('POST', '/apis/apps/v1/namespaces/patch/deployments', { body: pod('smp') })
    const patch = {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'side' }, { name: 'web' }],
            containers: [
              {
                name: 'web',
                image: 'web:2',
                '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }],
                env: [
                  { name: 'B', value: '2' },
                  { $patch: 'delete', name: 'EXTRA' }
                ],
                ports: [{ containerPort: 8080, protocol: 'TCP' }]
              }
            ],
            strategyLike: { $retainKeys: ['type'], type: 'Recreate' }
          }
        }
      }
    }
    const reply = await api('PATCH', '/apis/apps/v1/namespaces/patch/deployments/smp', {
      body: patch,
      contentType: 'application/strategic-merge-patch+json'
    })
    expect(reply.status).toBe(200)
    const podSpec = (
      (reply.json.spec as Record<string, unknown>).template as { spec: Record<string, unknown> }
    ).spec
    const containers = podSpec.containers as Record<string, unknown>[]
    expect(containers.map(c => c.name)).toEqual(['side', 'web'])
    const web = containers[1] ?? {}
    expect(web.image).toBe('web:2')
    expect(web.env).toEqual([
      { name: 'B', value: '2' },
      { name: 'A', value: '1' }
    ])
    expect(web.ports).toEqual([{ containerPort: 8080, name: 'http', protocol: 'TCP' }])
    expect(web.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }])
    expect(podSpec.strategyLike).toEqual({ type: 'Recreate' })
  })

  it('supports $patch: replace, $deleteFromPrimitiveList and service ports merged on port', async () => {
    await api('POST', '/api/v1/namespaces/patch/services', {
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'svc', finalizers: ['a/one', 'a/two'] },
        spec: {
          ports: [
            { name: 'http', port: 80 },
            { name: 'metrics', port: 9090 }
          ],
          selector: { app: 'x', tier: 'web' }
        }
      }
    })
    const reply = await api('PATCH', '/api/v1/namespaces/patch/services/svc', {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        metadata: { '$deleteFromPrimitiveList/finalizers': ['a/one'] },
        spec: { ports: [{ port: 9090, name: 'prom' }], selector: { $patch: 'replace', app: 'y' } }
      }
    })
    const spec = reply.json.spec as { ports: { name: string; port: number }[]; selector: unknown }
    expect(spec.ports.map(p => `${p.name}:${p.port}`)).toEqual(['http:80', 'prom:9090'])
    expect(spec.selector).toEqual({ app: 'y' })
    expect((reply.json.metadata as { finalizers: string[] }).finalizers).toEqual(['a/two'])
    await api('PATCH', '/api/v1/namespaces/patch/services/svc', {
      contentType: 'application/merge-patch+json',
      body: { metadata: { finalizers: null } }
    })
  })

  it('applies JSON patches and JSON merge patches', async () => {
    await api('POST', '/api/v1/namespaces/patch/configmaps', {
      body: configMap('jp', { data: { a: '1', b: '2' } })
    })
    const patched = await api('PATCH', '/api/v1/namespaces/patch/configmaps/jp', {
      contentType: 'application/json-patch+json',
      body: [
        { op: 'test', path: '/data/a', value: '1' },
        { op: 'replace', path: '/data/a', value: '10' },
        { op: 'remove', path: '/data/b' },
        { op: 'add', path: '/metadata/labels', value: { 'x/y': 'z' } }
      ]
    })
    expect(patched.json.data).toEqual({ a: '10' })
    expect((patched.json.metadata as KubeObject['metadata']).labels).toEqual({ 'x/y': 'z' })
    const failed = await api('PATCH', '/api/v1/namespaces/patch/configmaps/jp', {
      contentType: 'application/json-patch+json',
      body: [{ op: 'test', path: '/data/a', value: 'nope' }]
    })
    expect(failed.status).toBe(422)
    const merged = await api('PATCH', '/api/v1/namespaces/patch/configmaps/jp', {
      contentType: 'application/merge-patch+json',
      body: { data: { a: null, c: '3' } }
    })
    expect(merged.json.data).toEqual({ c: '3' })
  })

  it('server-side apply creates with 201 and prunes what the same manager stopped applying', async () => {
    const path =
      '/api/v1/namespaces/patch/configmaps/ssa?fieldManager=helm&fieldValidation=Strict&force=false'
    const first = await api('PATCH', path, {
      contentType: 'application/apply-patch+yaml',
      body: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'ssa', labels: { a: '1', b: '2' } },
        data: { x: '1', y: '2' }
      }
    })
    expect(first.status).toBe(201)
    await api('PATCH', '/api/v1/namespaces/patch/configmaps/ssa', {
      contentType: 'application/merge-patch+json',
      body: { data: { other: 'kept' } }
    })
    const second = await api('PATCH', path, {
      contentType: 'application/apply-patch+yaml',
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  labels:\n    a: "1"\ndata:\n  x: "1"\n'
    })
    expect(second.status).toBe(200)
    expect(second.json.data).toEqual({ x: '1', other: 'kept' })
    expect((second.json.metadata as KubeObject['metadata']).labels).toEqual({ a: '1' })
  })
})

describe('selectors and lists', () => {
  beforeAll(async () => {
    await namespace('sel')
    await namespace('sel2')
    const labels: Record<string, Record<string, string>> = {
      a: { tier: 'web', env: 'prod' },
      b: { tier: 'db', env: 'prod' },
      c: { tier: 'web' },
      d: {}
    }
    for (const [name, l] of Object.entries(labels)) {
      await api('POST', '/api/v1/namespaces/sel/configmaps', {
        body: configMap(name, { metadata: { name, labels: l } })
      })
    }
    await api('POST', '/api/v1/namespaces/sel2/configmaps', {
      body: configMap('z', { metadata: { name: 'z', labels: { tier: 'web' } } })
    })
  })

  it.each([
    ['tier=web', ['a', 'c']],
    ['tier==web,env=prod', ['a']],
    ['tier!=web', ['b', 'd']],
    ['tier in (web,db),env', ['a', 'b']],
    ['tier notin (web)', ['b', 'd']],
    ['!env', ['c', 'd']],
    ['env', ['a', 'b']]
  ])('label selector %s', async (selector, expected) => {
    const reply = await api(
      'GET',
      `/api/v1/namespaces/sel/configmaps?labelSelector=${encodeURIComponent(selector)}`
    )
    expect(names(reply)).toEqual(expected)
    expect(reply.json.metadata).toMatchObject({ resourceVersion: expect.stringMatching(/^\d+$/) as unknown })
  })

  it('filters by field selectors and lists across namespaces', async () => {
    expect(
      names(await api('GET', '/api/v1/namespaces/sel/configmaps?fieldSelector=metadata.name%3Db'))
    ).toEqual(['b'])
    expect(
      names(await api('GET', '/api/v1/namespaces/sel/configmaps?fieldSelector=metadata.name!%3Db'))
    ).toEqual(['a', 'c', 'd'])
    const all = await api('GET', '/api/v1/configmaps?labelSelector=tier%3Dweb')
    expect(items(all).map(i => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([
      'sel/a',
      'sel/c',
      'sel2/z'
    ])
    expect(names(await api('GET', '/api/v1/configmaps?fieldSelector=metadata.namespace%3Dsel2'))).toEqual([
      'z'
    ])
    const bad = await api(
      'GET',
      '/api/v1/namespaces/sel/configmaps?labelSelector=' + encodeURIComponent('a in b')
    )
    expect(bad.status).toBe(400)
  })
})

describe('watch', () => {
  beforeAll(async () => namespace('watch'))

  it('replays events after a resourceVersion and honours field selectors', async () => {
    const list = await api('GET', '/api/v1/namespaces/watch/configmaps')
    const from = (list.json.metadata as { resourceVersion: string }).resourceVersion
    await api('POST', '/api/v1/namespaces/watch/configmaps', { body: configMap('w1') })
    await api('POST', '/api/v1/namespaces/watch/configmaps', { body: configMap('w2') })
    await api('DELETE', '/api/v1/namespaces/watch/configmaps/w1')
    const events = await watchEvents(
      `/api/v1/namespaces/watch/configmaps?watch=true&resourceVersion=${from}&fieldSelector=metadata.name%3Dw1&timeoutSeconds=1`,
      2
    )
    expect(events.map(e => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w1', 'DELETED w1'])
  })

  it('streams watch-list initial events and a BOOKMARK marking their end, then live changes', async () => {
    const received = watchEvents(
      '/api/v1/namespaces/watch/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
      3,
      () => {
        void api('POST', '/api/v1/namespaces/watch/configmaps', { body: configMap('live') })
      }
    )
    const events = await received
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'w2' } } })
    expect(events[1]).toMatchObject({
      type: 'BOOKMARK',
      object: { kind: 'ConfigMap', metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } }
    })
    expect(events[2]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'live' } } })
  })

  it('watches a single object through the /watch/ path prefix', async () => {
    const events = await watchEvents(
      '/api/v1/watch/namespaces/watch/configmaps/w2?timeoutSeconds=1',
      2,
      () => {
        void api('PATCH', '/api/v1/namespaces/watch/configmaps/live', {
          contentType: 'application/merge-patch+json',
          body: { data: { changed: 'yes' } }
        })
      }
    )
    expect(events.map(e => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w2'])
  })

  it('reports objects entering and leaving a label selector as ADDED and DELETED', async () => {
    await api('POST', '/api/v1/namespaces/watch/configmaps', {
      body: configMap('mover', { metadata: { name: 'mover', labels: { stage: 'a' } } })
    })
    const relabel = (stage: string): Promise<Reply> =>
      api('PATCH', '/api/v1/namespaces/watch/configmaps/mover', {
        contentType: 'application/merge-patch+json',
        body: { metadata: { labels: { stage } } }
      })
    const events = await watchEvents(
      '/api/v1/namespaces/watch/configmaps?watch=true&labelSelector=stage%3Da&timeoutSeconds=1',
      4,
      () => {
        void (async () => {
          await relabel('b')
          await relabel('a')
          await api('PATCH', '/api/v1/namespaces/watch/configmaps/mover', {
            contentType: 'application/merge-patch+json',
            body: { data: { touched: 'yes' } }
          })
        })()
      }
    )
    expect(events.map(e => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED', 'MODIFIED'])
  })

  it('ends the stream after timeoutSeconds', async () => {
    const started = Date.now()
    const events = await watchEvents(
      '/api/v1/namespaces/watch/secrets?watch=1&resourceVersion=1&timeoutSeconds=1',
      1000
    )
    expect(Date.now() - started).toBeGreaterThanOrEqual(900)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(events.every(e => e.type !== 'ERROR')).toBe(true)
  })
})

describe('deletion', () => {
  beforeAll(async () => namespace('del'))

  async function owned(name: string, owner: KubeObject, resource = 'configmaps'): Promise<KubeObject> {
    const ownerReferences = [
      {
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        name: owner.metadata.name,
        uid: owner.metadata.uid ?? ''
      }
    ]
    const reply = await api('POST', `/api/v1/namespaces/del/${resource}`, {
      body: {
        apiVersion: 'v1',
        kind: resource === 'secrets' ? 'Secret' : 'ConfigMap',
        metadata: { name, ownerReferences }
      }
    })
    return reply.json as KubeObject
  }

  it('cascades in the background to dependents and their dependents', async () => {
    const root = (await api('POST', '/api/v1/namespaces/del/configmaps', { body: configMap('root') }))
      .json as KubeObject
    const child = await owned('child', root)
    await owned('grandchild', child, 'secrets')
    const reply = await api('DELETE', '/api/v1/namespaces/del/configmaps/root', {
      body: { propagationPolicy: 'Background' }
    })
    expect(reply.status).toBe(200)
    expect((await api('GET', '/api/v1/namespaces/del/configmaps/child')).status).toBe(404)
    expect((await api('GET', '/api/v1/namespaces/del/secrets/grandchild')).status).toBe(404)
  })

  it('orphans dependents with propagationPolicy=Orphan', async () => {
    const root = (await api('POST', '/api/v1/namespaces/del/configmaps', { body: configMap('root2') }))
      .json as KubeObject
    await owned('orphan', root)
    await api('DELETE', '/api/v1/namespaces/del/configmaps/root2?propagationPolicy=Orphan')
    const orphan = await api('GET', '/api/v1/namespaces/del/configmaps/orphan')
    expect(orphan.status).toBe(200)
    expect((orphan.json.metadata as KubeObject['metadata']).ownerReferences).toBeUndefined()
  })

  it('removes everything in a deleted namespace', async () => {
    await namespace('doomed')
    await api('POST', '/api/v1/namespaces/doomed/configmaps', { body: configMap('inside') })
    expect((await api('DELETE', '/api/v1/namespaces/doomed')).status).toBe(200)
    expect((await api('GET', '/api/v1/namespaces/doomed')).status).toBe(404)
    expect(names(await api('GET', '/api/v1/configmaps?fieldSelector=metadata.namespace%3Ddoomed'))).toEqual(
      []
    )
  })
})

describe('services', () => {
  beforeAll(async () => namespace('svc'))

  const service = (name: string, nodePort?: number, type = 'NodePort'): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: {
      type,
      selector: { app: name },
      ports: [{ name: 'http', port: 80, ...(nodePort ? { nodePort } : {}) }]
    }
  })

  it('allocates cluster IPs and node ports, and refuses a node port held by another Service', async () => {
    const first = await api('POST', '/api/v1/namespaces/svc/services', { body: service('dev101-svc', 31231) })
    expect(first.status).toBe(201)
    const spec = first.json.spec as { clusterIP: string; ports: { nodePort: number }[] }
    expect(spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/)
    expect(spec.ports[0]?.nodePort).toBe(31231)
    const clash = await api('POST', '/api/v1/namespaces/svc/services', { body: service('qa101-svc', 31231) })
    expect(clash.status).toBe(422)
    expect(clash.json).toMatchObject({
      reason: 'Invalid',
      message:
        'Service "qa101-svc" is invalid: spec.ports[0].nodePort: Invalid value: 31231: provided port is already allocated',
      details: {
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: 31231: provided port is already allocated',
            field: 'spec.ports[0].nodePort'
          }
        ]
      }
    })
    const auto = await api('POST', '/api/v1/namespaces/svc/services', { body: service('auto') })
    const autoPort = (auto.json.spec as { ports: { nodePort: number }[] }).ports[0]?.nodePort ?? 0
    expect(autoPort).toBeGreaterThanOrEqual(30000)
    expect(autoPort).toBeLessThanOrEqual(32767)
    expect(autoPort).not.toBe(31231)
    const headless = await api('POST', '/api/v1/namespaces/svc/services', {
      body: {
        ...service('headless', undefined, 'ClusterIP'),
        spec: { clusterIP: 'None', ports: [{ port: 80 }] }
      }
    })
    expect((headless.json.spec as { clusterIP: string }).clusterIP).toBe('None')
  })

  it('keeps the allocated IP and node port when an update omits them', async () => {
    const before = (await api('GET', '/api/v1/namespaces/svc/services/auto')).json as KubeObject
    const updated = await api('PUT', '/api/v1/namespaces/svc/services/auto', {
      body: { ...service('auto'), metadata: { name: 'auto', labels: { changed: 'yes' } } }
    })
    expect(updated.status).toBe(200)
    expect((updated.json.spec as Record<string, unknown>).clusterIP).toBe(
      (before.spec as Record<string, unknown>).clusterIP
    )
    expect(JSON.stringify((updated.json.spec as Record<string, unknown>).ports)).toBe(
      JSON.stringify((before.spec as Record<string, unknown>).ports)
    )
  })

  it('renders kubectl Table columns for services', async () => {
    const table = await api('GET', '/api/v1/namespaces/svc/services', {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'
    })
    expect(table.json.kind).toBe('Table')
    expect((table.json.columnDefinitions as { name: string }[]).map(c => c.name)).toEqual([
      'Name',
      'Type',
      'Cluster-IP',
      'External-IP',
      'Port(s)',
      'Age',
      'Selector'
    ])
    const row = (table.json.rows as { cells: unknown[] }[]).find(r => r.cells[0] === 'dev101-svc')
    expect(row?.cells.slice(1, 5)).toEqual([
      'NodePort',
      expect.stringMatching(/^10\.96\./) as unknown,
      '<none>',
      '80:31231/TCP'
    ])
  })
})

describe('pod status column', () => {
  const pod = (status: Record<string, unknown>, extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...extra },
    spec: { containers: [{ name: 'web' }] },
    status
  })

  it.each([
    [
      { phase: 'Running', containerStatuses: [{ ready: true, restartCount: 0, state: { running: {} } }] },
      'Running',
      1
    ],
    [
      {
        phase: 'Running',
        containerStatuses: [
          { ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }
        ]
      },
      'CrashLoopBackOff',
      0
    ],
    [
      {
        phase: 'Pending',
        containerStatuses: [
          { ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }
        ]
      },
      'ImagePullBackOff',
      0
    ],
    [
      {
        phase: 'Succeeded',
        containerStatuses: [{ ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }]
      },
      'Completed',
      0
    ],
    [
      { phase: 'Failed', containerStatuses: [{ ready: false, state: { terminated: { exitCode: 3 } } }] },
      'ExitCode:3',
      0
    ],
    [{ phase: 'Pending' }, 'Pending', 0]
  ])('%j -> %s', (status, reason, ready) => {
    expect(podStatusReason(pod(status))).toMatchObject({ reason, ready })
  })

  it('shows Terminating for a pod being deleted', () => {
    expect(
      podStatusReason(pod({ phase: 'Running' }, { deletionTimestamp: '2026-01-01T00:00:00Z' })).reason
    ).toBe('Terminating')
  })
})

// --- the built-in API surface beyond the workloads ---------------------------------------------------------

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'

interface BuiltInCase {
  path: string
  object: KubeObject
  /** Column names of its Table (the real printer's). */
  columns: string[]
}

const BUILT_IN_CASES: BuiltInCase[] = [
  {
    path: '/apis/autoscaling/v2/namespaces/kinds/horizontalpodautoscalers',
    object: {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } }
          }
        ]
      }
    },
    columns: ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']
  },
  {
    path: '/apis/batch/v1/namespaces/kinds/cronjobs',
    object: {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'nightly' },
      spec: {
        schedule: '0 3 * * *',
        jobTemplate: {
          spec: {
            template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox' }] } }
          }
        }
      }
    },
    columns: [
      'Name',
      'Schedule',
      'Timezone',
      'Suspend',
      'Active',
      'Last Schedule',
      'Age',
      'Containers',
      'Images',
      'Selector'
    ]
  },
  {
    path: '/apis/policy/v1/namespaces/kinds/poddisruptionbudgets',
    object: {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'web' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } }
    },
    columns: ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']
  },
  {
    path: '/apis/networking.k8s.io/v1/namespaces/kinds/networkpolicies',
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'deny' },
      spec: { podSelector: {}, policyTypes: ['Ingress'] }
    },
    columns: ['Name', 'Pod-Selector', 'Age']
  },
  {
    path: '/apis/networking.k8s.io/v1/ingressclasses',
    object: {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: 'nginx' },
      spec: { controller: 'k8s.io/ingress-nginx' }
    },
    columns: ['Name', 'Controller', 'Parameters', 'Age']
  },
  {
    path: '/apis/rbac.authorization.k8s.io/v1/clusterroles',
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'reader' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]
    },
    columns: ['Name', 'Created At']
  },
  {
    path: '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'reader' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'kinds' }]
    },
    columns: ['Name', 'Role', 'Age', 'Users', 'Groups', 'ServiceAccounts']
  },
  {
    path: '/apis/scheduling.k8s.io/v1/priorityclasses',
    object: {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: 'high' },
      value: 1000
    },
    columns: ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy']
  },
  {
    path: '/apis/storage.k8s.io/v1/csidrivers',
    object: {
      apiVersion: 'storage.k8s.io/v1',
      kind: 'CSIDriver',
      metadata: { name: 'csi.example.com' },
      spec: {}
    },
    columns: [
      'Name',
      'AttachRequired',
      'PodInfoOnMount',
      'StorageCapacity',
      'TokenRequests',
      'RequiresRepublish',
      'Modes',
      'Age'
    ]
  },
  {
    path: '/api/v1/persistentvolumes',
    object: {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv1' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } }
    },
    columns: [
      'Name',
      'Capacity',
      'Access Modes',
      'Reclaim Policy',
      'Status',
      'Claim',
      'StorageClass',
      'VolumeAttributesClass',
      'Reason',
      'Age',
      'VolumeMode'
    ]
  },
  {
    path: '/api/v1/namespaces/kinds/limitranges',
    object: {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: { name: 'limits' },
      spec: { limits: [{ type: 'Container', default: { cpu: '500m' } }] }
    },
    columns: ['Name', 'Created At']
  },
  {
    path: '/apis/coordination.k8s.io/v1/namespaces/kinds/leases',
    object: {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'leader' },
      spec: { holderIdentity: 'pod-a' }
    },
    columns: ['Name', 'Holder', 'Age']
  },
  {
    path: '/apis/discovery.k8s.io/v1/namespaces/kinds/endpointslices',
    object: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'web-abc' },
      addressType: 'IPv4',
      ports: [{ port: 8080 }],
      endpoints: [{ addresses: ['10.244.0.5'] }]
    },
    columns: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age']
  },
  {
    path: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations',
    object: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'policy' },
      webhooks: []
    },
    columns: ['Name', 'Webhooks', 'Age']
  },
  {
    path: '/apis/certificates.k8s.io/v1/certificatesigningrequests',
    object: {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'user' },
      spec: { request: 'LS0t', signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }
    },
    columns: ['Name', 'Age', 'SignerName', 'Requestor', 'RequestedDuration', 'Condition']
  }
]

describe('built-in kinds', () => {
  beforeAll(async () => namespace('kinds'))

  it.each(BUILT_IN_CASES)(
    '$object.kind: create, get, list, watch and a Table with the real columns',
    async c => {
      const created = await api('POST', c.path, { body: c.object })
      expect(created.status).toBe(201)
      expect(created.json).toMatchObject({ apiVersion: c.object.apiVersion, kind: c.object.kind })
      const name = c.object.metadata.name
      expect((await api('GET', `${c.path}/${name}`)).json.metadata).toMatchObject({ name })
      const list = await api('GET', c.path)
      expect(list.json.kind).toBe(`${c.object.kind}List`)
      expect(names(list)).toContain(name)
      const table = await api('GET', c.path, { accept: TABLE_ACCEPT })
      expect((table.json.columnDefinitions as { name: string }[]).map(d => d.name)).toEqual(c.columns)
      const rows = table.json.rows as { cells: unknown[] }[]
      expect(rows.map(r => r.cells[0])).toContain(name)
      const events = await watchEvents(`${c.path}?watch=true&fieldSelector=metadata.name=${name}`, 1)
      expect(events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name } } })
    }
  )

  it('serves each kind at its scope only, with its short names and categories in discovery', async () => {
    expect((await api('GET', '/apis/storage.k8s.io/v1/namespaces/kinds/storageclasses')).status).toBe(404)
    expect((await api('GET', '/apis/batch/v1/cronjobs')).status).toBe(200) // all namespaces
    const aggregated = await api('GET', '/apis', {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'
    })
    type Entry = { resource: string; scope: string; shortNames?: string[]; categories?: string[] }
    const entries = (aggregated.json.items as { versions: { resources: Entry[] }[] }[]).flatMap(g =>
      g.versions.flatMap(v => v.resources)
    )
    const entry = (resource: string): Entry | undefined => entries.find(e => e.resource === resource)
    expect(entry('horizontalpodautoscalers')).toMatchObject({
      scope: 'Namespaced',
      shortNames: ['hpa'],
      categories: ['all']
    })
    expect(entry('cronjobs')).toMatchObject({ shortNames: ['cj'], categories: ['all'] })
    expect(entry('customresourcedefinitions')).toMatchObject({
      scope: 'Cluster',
      shortNames: ['crd', 'crds'],
      categories: ['api-extensions']
    })
    expect(entry('priorityclasses')).toMatchObject({ scope: 'Cluster', shortNames: ['pc'] })
    const core = await api('GET', '/api', {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'
    })
    const coreEntries = (core.json.items as { versions: { resources: Entry[] }[] }[]).flatMap(g =>
      g.versions.flatMap(v => v.resources)
    )
    expect(coreEntries.find(e => e.resource === 'persistentvolumes')).toMatchObject({
      scope: 'Cluster',
      shortNames: ['pv']
    })
    const openapi = (await api('GET', '/openapi/v3')).json.paths as Record<string, unknown>
    expect(Object.keys(openapi)).toEqual(
      expect.arrayContaining([
        'apis/autoscaling/v2',
        'apis/autoscaling/v1',
        'apis/policy/v1',
        'apis/batch/v1'
      ])
    )
  })

  it('seeds the default StorageClass, the system PriorityClasses and an APIService per group version', async () => {
    const classes = await api('GET', '/apis/storage.k8s.io/v1/storageclasses', { accept: TABLE_ACCEPT })
    expect((classes.json.rows as { cells: unknown[] }[])[0]?.cells.slice(0, 4)).toEqual([
      'standard (default)',
      'rancher.io/local-path',
      'Delete',
      'WaitForFirstConsumer'
    ])
    expect(names(await api('GET', '/apis/scheduling.k8s.io/v1/priorityclasses'))).toEqual(
      expect.arrayContaining(['system-cluster-critical', 'system-node-critical'])
    )
    const services = names(await api('GET', '/apis/apiregistration.k8s.io/v1/apiservices'))
    expect(services).toEqual(expect.arrayContaining(['v1.', 'v1.apps', 'v2.autoscaling', 'v1.autoscaling']))
  })

  it('stores HorizontalPodAutoscalers once and serves them through autoscaling/v2 and v1', async () => {
    const v1 = '/apis/autoscaling/v1/namespaces/kinds/horizontalpodautoscalers'
    const v2 = '/apis/autoscaling/v2/namespaces/kinds/horizontalpodautoscalers'
    const created = await api('POST', v1, {
      body: {
        apiVersion: 'autoscaling/v1',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'old' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          maxReplicas: 3,
          targetCPUUtilizationPercentage: 70
        }
      }
    })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({
      apiVersion: 'autoscaling/v1',
      spec: { targetCPUUtilizationPercentage: 70 }
    })
    const asV2 = await api('GET', `${v2}/old`)
    expect(asV2.json.apiVersion).toBe('autoscaling/v2')
    expect((asV2.json.spec as JsonRecord).metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }
    ])
    // A v2-only metric survives a round trip through v1 (kept in an annotation there, as the real conversion does).
    const memory = {
      type: 'Resource',
      resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } }
    }
    const patched = await api('PATCH', `${v2}/old`, {
      contentType: 'application/merge-patch+json',
      body: { spec: { metrics: [...((asV2.json.spec as JsonRecord).metrics as unknown[]), memory] } }
    })
    expect(patched.status).toBe(200)
    const asV1 = await api('GET', `${v1}/old`)
    expect(asV1.json).toMatchObject({
      apiVersion: 'autoscaling/v1',
      spec: { targetCPUUtilizationPercentage: 70 }
    })
    expect((asV1.json.spec as JsonRecord).metrics).toBeUndefined()
    const labelled = await api('PUT', `${v1}/old`, {
      body: { ...asV1.json, metadata: { ...(asV1.json.metadata as JsonRecord), labels: { team: 'a' } } }
    })
    expect(labelled.status).toBe(200)
    const back = await api('GET', `${v2}/old`)
    expect((back.json.spec as JsonRecord).metrics).toHaveLength(2)
    expect((back.json.metadata as KubeObject['metadata']).labels).toEqual({ team: 'a' })
    expect(cluster.store.get('horizontalpodautoscalers', 'kinds', 'old')?.apiVersion).toBe('autoscaling/v2')
    const watched = await watchEvents(`${v1}?watch=true&fieldSelector=metadata.name=old`, 1)
    expect(watched[0]?.object.apiVersion).toBe('autoscaling/v1')
    const list = await api('GET', v1)
    expect(list.json).toMatchObject({ kind: 'HorizontalPodAutoscalerList', apiVersion: 'autoscaling/v1' })
    // The printer reads the stored (v2) object, so v1 prints the metrics v1 cannot hold, as the real server does.
    const table = await api('GET', `${v1}/old`, { accept: TABLE_ACCEPT })
    expect((table.json.rows as { cells: unknown[] }[])[0]?.cells[2]).toBe(
      'cpu: <unknown>/70%, memory: <unknown>/500Mi'
    )
  })

  it('stores Events once and serves them through events.k8s.io/v1 too: apply, patch, Table, watch, deletecollection', async () => {
    await namespace('events-api')
    const core = '/api/v1/namespaces/events-api/events'
    const events = '/apis/events.k8s.io/v1/namespaces/events-api/events'
    const applied = await api('PATCH', `${events}/deploy.1?fieldManager=operator`, {
      contentType: 'application/apply-patch+yaml',
      body: {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'deploy.1' },
        eventTime: '2025-01-01T00:00:00.000000Z',
        reportingController: 'example.com/operator',
        reportingInstance: 'operator-0',
        action: 'Deploy',
        reason: 'Started',
        note: 'rolling out',
        type: 'Normal',
        regarding: { kind: 'Deployment', name: 'web', namespace: 'events-api' }
      }
    })
    expect(applied.status).toBe(201)
    expect(applied.json).toMatchObject({
      apiVersion: 'events.k8s.io/v1',
      note: 'rolling out',
      regarding: { name: 'web' },
      metadata: {
        managedFields: [{ manager: 'operator', operation: 'Apply', apiVersion: 'events.k8s.io/v1' }]
      }
    })
    const patched = await api('PATCH', `${events}/deploy.1`, {
      contentType: 'application/merge-patch+json',
      body: { note: 'rolled out' }
    })
    expect(patched.json).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'rolled out' })
    expect(cluster.store.get('events', 'events-api', 'deploy.1')).toMatchObject({
      apiVersion: 'v1',
      involvedObject: { kind: 'Deployment', name: 'web' },
      message: 'rolled out',
      reportingComponent: 'example.com/operator',
      source: {}
    })
    // One printer (printEvent over the stored Event) for both versions; embedded objects are the route's.
    const table = async (path: string): Promise<{ cells: unknown[]; object: KubeObject }[]> =>
      (await api('GET', path, { accept: TABLE_ACCEPT })).json.rows as {
        cells: unknown[]
        object: KubeObject
      }[]
    const [row] = await table(`${events}/deploy.1`)
    expect(row?.cells.slice(1, 7)).toEqual([
      'Normal',
      'Started',
      'deployment/web',
      '',
      'example.com/operator, operator-0',
      'rolled out'
    ])
    expect((await table(`${core}/deploy.1`))[0]?.cells).toEqual(row?.cells)
    const [embedded] = await table(`${events}?fieldSelector=regarding.name%3Dweb&includeObject=Object`)
    expect(embedded?.object).toMatchObject({ apiVersion: 'events.k8s.io/v1', note: 'rolled out' })
    const watched = await watchEvents(`${events}?watch=true&fieldSelector=regarding.name%3Dweb`, 1)
    expect(watched[0]).toMatchObject({
      type: 'ADDED',
      object: { apiVersion: 'events.k8s.io/v1', note: 'rolled out' }
    })
    const other = await api('POST', core, {
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: 'other.1' },
        involvedObject: { kind: 'Pod', name: 'other', namespace: 'events-api' },
        reason: 'Pulled',
        message: 'pulled',
        type: 'Normal'
      }
    })
    expect(other.status).toBe(201)
    const deleted = await api('DELETE', `${events}?fieldSelector=regarding.name%3Dweb`)
    expect(deleted.json).toMatchObject({ kind: 'EventList', apiVersion: 'events.k8s.io/v1' })
    expect(items(deleted).map(e => e.note)).toEqual(['rolled out'])
    expect(names(await api('GET', core))).toEqual(['other.1'])
  })

  it('merges strategic merge patches into new kinds by their merge keys', async () => {
    const path = '/apis/batch/v1/namespaces/kinds/cronjobs/nightly'
    const patched = await api('PATCH', path, {
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: {
          jobTemplate: {
            spec: { template: { spec: { containers: [{ name: 'job', env: [{ name: 'A', value: '1' }] }] } } }
          }
        }
      }
    })
    expect(patched.status).toBe(200)
    const containers = (
      patched.json as {
        spec: { jobTemplate: { spec: { template: { spec: { containers: JsonRecord[] } } } } }
      }
    ).spec.jobTemplate.spec.template.spec.containers
    expect(containers).toEqual([{ name: 'job', image: 'busybox', env: [{ name: 'A', value: '1' }] }])
  })
})

// --- CustomResourceDefinitions and custom resources --------------------------------------------------------

function crontabCrd(
  extra: { scope?: string; group?: string; kind?: string; plural?: string } = {}
): KubeObject {
  const group = extra.group ?? 'stable.example.com'
  const plural = extra.plural ?? 'crontabs'
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: extra.scope ?? 'Namespaced',
      names: {
        plural,
        singular: plural.replace(/s$/, ''),
        kind: extra.kind ?? 'CronTab',
        shortNames: ['ct']
      },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: {
                  type: 'object',
                  properties: {
                    cronSpec: { type: 'string' },
                    replicas: { type: 'integer' },
                    ports: {
                      type: 'array',
                      'x-kubernetes-list-type': 'map',
                      'x-kubernetes-list-map-keys': ['name'],
                      items: {
                        type: 'object',
                        properties: { name: { type: 'string' }, port: { type: 'integer' } }
                      }
                    }
                  }
                },
                status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }
              }
            }
          }
        },
        {
          name: 'v1beta1',
          served: true,
          storage: false,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }
        }
      ]
    }
  }
}

async function establishedWithin(name: string, ms: number): Promise<KubeObject | undefined> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const crd = cluster.store.get('customresourcedefinitions', undefined, name)
    const conditions = ((crd?.status as JsonRecord | undefined)?.conditions ?? []) as JsonRecord[]
    if (conditions.some(c => c.type === 'Established' && c.status === 'True')) return crd
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  return undefined
}

describe('custom resources', () => {
  const crds = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions'
  const crontabs = '/apis/stable.example.com/v1/namespaces/crs/crontabs'

  beforeAll(async () => {
    await namespace('crs')
    const created = await api('POST', crds, { body: crontabCrd() })
    expect(created.status).toBe(201)
    // Created with no conditions yet: the controllers accept the names and establish it a moment later.
    expect(created.json.status).toEqual({
      acceptedNames: { plural: '', kind: '' },
      conditions: [],
      storedVersions: ['v1']
    })
    expect(await establishedWithin('crontabs.stable.example.com', 2000)).toBeDefined()
  })

  it('registers an established CRD in both discoveries and OpenAPI, with conditions and accepted names', async () => {
    const crd = await api('GET', `${crds}/crontabs.stable.example.com`)
    const status = crd.json.status as JsonRecord
    expect(status.acceptedNames).toMatchObject({
      plural: 'crontabs',
      kind: 'CronTab',
      listKind: 'CronTabList',
      shortNames: ['ct']
    })
    expect((status.conditions as JsonRecord[]).map(c => [c.type, c.status, c.reason])).toEqual([
      ['NamesAccepted', 'True', 'NoConflicts'],
      ['Established', 'True', 'InitialNamesAccepted']
    ])
    expect((crd.json.metadata as KubeObject['metadata']).finalizers).toEqual([
      'customresourcecleanup.apiextensions.k8s.io'
    ])
    const aggregated = await api('GET', '/apis', {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'
    })
    type Group = { metadata: { name: string }; versions: { version: string; resources: JsonRecord[] }[] }
    const group = (aggregated.json.items as Group[]).find(g => g.metadata.name === 'stable.example.com')
    expect(group?.versions.map(v => v.version)).toEqual(['v1', 'v1beta1'])
    expect(group?.versions[0]?.resources[0]).toMatchObject({
      resource: 'crontabs',
      scope: 'Namespaced',
      singularResource: 'crontab',
      shortNames: ['ct'],
      responseKind: { group: 'stable.example.com', version: 'v1', kind: 'CronTab' },
      subresources: [{ subresource: 'status' }]
    })
    expect((await api('GET', '/apis/stable.example.com')).json).toMatchObject({
      kind: 'APIGroup',
      preferredVersion: { groupVersion: 'stable.example.com/v1', version: 'v1' }
    })
    const resources = (await api('GET', '/apis/stable.example.com/v1')).json.resources as { name: string }[]
    expect(resources.map(r => r.name)).toEqual(['crontabs', 'crontabs/status'])
    const openapi = (await api('GET', '/openapi/v3')).json.paths as Record<
      string,
      { serverRelativeURL: string }
    >
    const doc = await api('GET', openapi['apis/stable.example.com/v1']?.serverRelativeURL ?? '')
    const patch = (doc.json.paths as Record<string, { patch: JsonRecord }>)[
      '/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'
    ]?.patch
    expect(patch?.['x-kubernetes-group-version-kind']).toEqual({
      group: 'stable.example.com',
      version: 'v1',
      kind: 'CronTab'
    })
  })

  it('serves custom resources: CRUD, merge and JSON patches, 415 for strategic merge, other versions', async () => {
    const created = await api('POST', crontabs, {
      body: {
        apiVersion: 'stable.example.com/v1',
        kind: 'CronTab',
        metadata: { name: 'nightly' },
        spec: { cronSpec: '0 3 * * *', replicas: 1 }
      }
    })
    expect(created.status).toBe(201)
    expect(names(await api('GET', crontabs))).toEqual(['nightly'])
    expect((await api('GET', '/apis/stable.example.com/v1/crontabs')).json.kind).toBe('CronTabList')
    const merged = await api('PATCH', `${crontabs}/nightly`, {
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 2 } }
    })
    expect(merged.json.spec).toEqual({ cronSpec: '0 3 * * *', replicas: 2 })
    const jsonPatched = await api('PATCH', `${crontabs}/nightly`, {
      contentType: 'application/json-patch+json',
      body: [{ op: 'replace', path: '/spec/cronSpec', value: '0 4 * * *' }]
    })
    expect((jsonPatched.json.spec as JsonRecord).cronSpec).toBe('0 4 * * *')
    const strategic = await api('PATCH', `${crontabs}/nightly`, {
      contentType: 'application/strategic-merge-patch+json',
      body: { spec: { replicas: 3 } }
    })
    expect(strategic.status).toBe(415)
    expect(strategic.json).toMatchObject({
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml'
    })
    const beta = await api('GET', '/apis/stable.example.com/v1beta1/namespaces/crs/crontabs/nightly')
    expect(beta.json).toMatchObject({
      apiVersion: 'stable.example.com/v1beta1',
      kind: 'CronTab',
      spec: { replicas: 2 }
    })
    expect(cluster.store.get('crontabs.stable.example.com', 'crs', 'nightly')?.apiVersion).toBe(
      'stable.example.com/v1'
    )
    const missing = await api('GET', `${crontabs}/nope`)
    expect(missing.json).toMatchObject({
      message: 'crontabs.stable.example.com "nope" not found',
      details: { kind: 'crontabs' }
    })
  })

  it('keeps status on PUT when the status subresource is declared, and writes it through /status', async () => {
    const path = `${crontabs}/nightly`
    const current = (await api('GET', path)).json
    const status = await api('PUT', `${path}/status`, {
      body: { ...current, status: { conditions: [{ type: 'Ready', status: 'True' }] } }
    })
    expect(status.status).toBe(200)
    const fresh = (await api('GET', path)).json
    const put = await api('PUT', path, {
      body: { ...fresh, spec: { cronSpec: '0 5 * * *', replicas: 2 }, status: {} }
    })
    expect(put.json.status).toEqual({ conditions: [{ type: 'Ready', status: 'True' }] })
    const table = await api('GET', crontabs, { accept: TABLE_ACCEPT })
    expect((table.json.columnDefinitions as { name: string }[]).map(c => c.name)).toEqual([
      'Name',
      'Spec',
      'Replicas',
      'Ready',
      'Age'
    ])
    expect((table.json.rows as { cells: unknown[] }[])[0]?.cells.slice(0, 4)).toEqual([
      'nightly',
      '0 5 * * *',
      2,
      'True'
    ])
  })

  it('watches custom resources, and deleting the CRD deletes them and takes the kind out of discovery', async () => {
    const crd = crontabCrd({
      group: 'batch.example.org',
      plural: 'backups',
      kind: 'Backup',
      scope: 'Cluster'
    })
    expect((await api('POST', crds, { body: crd })).status).toBe(201)
    expect(await establishedWithin('backups.batch.example.org', 2000)).toBeDefined()
    const backups = '/apis/batch.example.org/v1/backups'
    const events = watchEvents(`${backups}?watch=true`, 3)
    await new Promise(resolve => setTimeout(resolve, 100))
    const body = {
      apiVersion: 'batch.example.org/v1',
      kind: 'Backup',
      metadata: { name: 'daily' },
      spec: { replicas: 1 }
    }
    expect((await api('POST', backups, { body })).status).toBe(201)
    expect((await api('GET', `${backups}/daily`)).json.metadata).not.toHaveProperty('namespace')
    await api('PATCH', `${backups}/daily`, {
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 2 } }
    })
    expect((await api('DELETE', `${crds}/backups.batch.example.org`)).status).toBe(200)
    expect((await events).map(e => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED'])
    const deadline = Date.now() + 2000
    while (
      cluster.store.get('customresourcedefinitions', undefined, 'backups.batch.example.org') &&
      Date.now() < deadline
    ) {
      await new Promise(resolve => setTimeout(resolve, 20))
    }
    expect(
      cluster.store.get('customresourcedefinitions', undefined, 'backups.batch.example.org')
    ).toBeUndefined()
    expect((await api('GET', backups)).status).toBe(404)
    const groups = (await api('GET', '/apis')).json.groups as { name: string }[]
    expect(groups.map(g => g.name)).not.toContain('batch.example.org')
  })

  it('refuses invalid CRDs and does not accept names another CRD of the group holds', async () => {
    const wrongName = crontabCrd({ plural: 'jobs' })
    wrongName.metadata.name = 'other.stable.example.com'
    const refused = await api('POST', crds, { body: wrongName })
    expect(refused.status).toBe(422)
    expect(refused.json.message).toContain(
      'metadata.name: Invalid value: "other.stable.example.com": must be spec.names.plural+"."+spec.group'
    )
    const protectedGroup = await api('POST', crds, { body: crontabCrd({ group: 'things.k8s.io' }) })
    expect(protectedGroup.json.message).toContain(
      'protected groups must have approval annotation "api-approved.kubernetes.io"'
    )
    // Same group and kind as crontabs.stable.example.com, another plural.
    expect((await api('POST', crds, { body: crontabCrd({ plural: 'crontab2s' }) })).status).toBe(201)
    const deadline = Date.now() + 2000
    let conditions: JsonRecord[] = []
    while (Date.now() < deadline && conditions.length === 0) {
      await new Promise(resolve => setTimeout(resolve, 20))
      const crd = cluster.store.get('customresourcedefinitions', undefined, 'crontab2s.stable.example.com')
      conditions = ((crd?.status as JsonRecord).conditions ?? []) as JsonRecord[]
    }
    expect(conditions.map(c => [c.type, c.status])).toEqual([
      ['NamesAccepted', 'False'],
      ['Established', 'False']
    ])
    expect((await api('GET', '/apis/stable.example.com/v1/namespaces/crs/crontab2s')).status).toBe(404)
  })
})

// --- field ownership: managedFields, conflicts, force --------------------------------------------------------

type ManagedEntry = {
  manager: string
  operation: string
  apiVersion: string
  subresource?: string
  fieldsV1: JsonRecord
}

function managed(object: Record<string, unknown>): ManagedEntry[] {
  return ((object.metadata as KubeObject['metadata']).managedFields ?? []) as ManagedEntry[]
}

function deploymentManifest(
  extra: { replicas?: number; annotations?: Record<string, string> } = {}
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'owned', annotations: extra.annotations ?? { team: 'a' } },
    spec: {
      replicas: extra.replicas ?? 1,
      selector: { matchLabels: { app: 'owned' } },
      template: {
        metadata: { labels: { app: 'owned' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'registry.example.com/web:1',
              ports: [{ containerPort: 8080 }],
              env: [{ name: 'A', value: '1' }]
            }
          ]
        }
      }
    }
  }
}

describe('server-side apply and managedFields', () => {
  const deployments = '/apis/apps/v1/namespaces/owners/deployments'
  const apply = (manager: string, body: unknown, force = false): Promise<Reply> =>
    api('PATCH', `${deployments}/owned?fieldManager=${manager}&force=${String(force)}`, {
      contentType: 'application/apply-patch+yaml',
      body
    })

  beforeAll(async () => namespace('owners'))

  it('records an Apply entry with f: paths and k: keys for map lists, and Update entries per manager', async () => {
    const first = await apply('helm', deploymentManifest())
    expect(first.status).toBe(201)
    const entries = managed(first.json)
    expect(entries.map(e => [e.manager, e.operation, e.apiVersion])).toEqual([['helm', 'Apply', 'apps/v1']])
    const fields = entries[0]?.fieldsV1 as Record<string, Record<string, unknown>>
    expect(fields['f:spec']).toMatchObject({ 'f:replicas': {}, 'f:selector': {} })
    const container = (
      fields['f:spec'] as Record<string, Record<string, Record<string, Record<string, JsonRecord>>>>
    )['f:template']?.['f:spec']?.['f:containers']?.['k:{"name":"web"}']
    expect(container).toMatchObject({
      '.': {},
      'f:image': {},
      'f:name': {},
      'f:env': { 'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} } },
      'f:ports': { 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } }
    })
    // A patch without fieldManager is recorded under the user agent's product name.
    const patched = await api('PATCH', `${deployments}/owned`, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { labels: { tier: 'web' } } }
    })
    const update = managed(patched.json).find(e => e.manager === 'server-test')
    expect(update).toMatchObject({ operation: 'Update', apiVersion: 'apps/v1' })
    expect(update?.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { '.': {}, 'f:tier': {} } } })
  })

  it('answers 409 with the API server wording when an apply changes a field another manager owns', async () => {
    const scaled = await api('PATCH', `${deployments}/owned?fieldManager=hpa-controller`, {
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 3 } }
    })
    expect(scaled.status).toBe(200)
    const helmFields = managed(scaled.json).find(e => e.manager === 'helm')?.fieldsV1 as Record<
      string,
      JsonRecord
    >
    expect(helmFields['f:spec']).not.toHaveProperty('f:replicas') // an update takes ownership
    const refused = await apply('helm', deploymentManifest())
    expect(refused.status).toBe(409)
    expect(refused.json).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "hpa-controller" using apps/v1: .spec.replicas',
      reason: 'Conflict',
      details: {
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "hpa-controller" using apps/v1',
            field: '.spec.replicas'
          }
        ]
      },
      code: 409
    })
    expect((cluster.store.get('deployments', 'owners', 'owned')?.spec as JsonRecord).replicas).toBe(3)
    // The same value another manager set is no conflict: both own it.
    const shared = await apply('helm', deploymentManifest({ replicas: 3 }))
    expect(shared.status).toBe(200)
    const owners = managed(shared.json).filter(e => JSON.stringify(e.fieldsV1).includes('"f:replicas"'))
    expect(owners.map(e => e.manager).sort()).toEqual(['helm', 'hpa-controller'])
    // force=true takes the field; the other manager, left with nothing, disappears.
    const forced = await apply('helm', deploymentManifest({ replicas: 1 }), true)
    expect(forced.status).toBe(200)
    expect((forced.json.spec as JsonRecord).replicas).toBe(1)
    expect(managed(forced.json).map(e => e.manager)).not.toContain('hpa-controller')
  })

  it('lists several conflicts per manager, Apply managers without an apiVersion', async () => {
    const ops = await apply(
      'ops',
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'owned', annotations: { team: 'b' } },
        spec: { replicas: 4 }
      },
      true
    )
    expect(ops.status).toBe(200)
    const refused = await apply('helm', deploymentManifest())
    expect(refused.status).toBe(409)
    expect(refused.json.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "ops":\n- .metadata.annotations.team\n- .spec.replicas'
    )
    expect((refused.json.details as { causes: JsonRecord[] }).causes.map(c => c.field)).toEqual([
      '.metadata.annotations.team',
      '.spec.replicas'
    ])
  })

  it('drops a list or map pruning leaves empty (the built-in types omit empty ones)', async () => {
    const path = `${deployments}/pruned?fieldManager=helm`
    const manifest = deploymentManifest()
    manifest.metadata.name = 'pruned'
    // Labels, not annotations: the deployment controller soon adds its revision annotation.
    manifest.metadata.labels = { tier: 'web' }
    const withEnv = await api('PATCH', path, { contentType: 'application/apply-patch+yaml', body: manifest })
    expect(withEnv.status).toBe(201)
    const bare = structuredClone(manifest) as KubeObject & {
      spec: { template: { spec: { containers: JsonRecord[] } } }
    }
    delete bare.metadata.annotations
    delete bare.metadata.labels
    delete bare.spec.template.spec.containers[0]?.env
    const pruned = await api('PATCH', path, { contentType: 'application/apply-patch+yaml', body: bare })
    expect(pruned.status).toBe(200)
    const container = (pruned.json.spec as { template: { spec: { containers: JsonRecord[] } } }).template.spec
      .containers[0]
    expect(container).not.toHaveProperty('env')
    expect(pruned.json.metadata).not.toHaveProperty('labels')
    expect((pruned.json.metadata as KubeObject['metadata']).annotations ?? {}).not.toHaveProperty('team')
  })

  it('records scale subresource writes as the subresource, and resets managedFields on [{}]', async () => {
    const scaled = await api('PATCH', `${deployments}/owned/scale?fieldManager=autoscaler`, {
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 6 } }
    })
    expect(scaled.status).toBe(200)
    const entries = managed((await api('GET', `${deployments}/owned`)).json)
    expect(entries.find(e => e.manager === 'autoscaler')).toMatchObject({
      operation: 'Update',
      subresource: 'scale',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } }
    })
    const refused = await apply('ops', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'owned' },
      spec: { replicas: 4 }
    })
    expect(refused.json.message).toBe(
      'Apply failed with 1 conflict: conflict with "autoscaler" with subresource "scale" using apps/v1: .spec.replicas'
    )
    const reset = await api('PATCH', `${deployments}/owned`, {
      contentType: 'application/merge-patch+json',
      body: { metadata: { managedFields: [{}] } }
    })
    expect((reset.json.metadata as KubeObject['metadata']).managedFields).toBeUndefined()
  })

  it('tracks custom resources by their schema: map lists keyed as declared', async () => {
    const path = '/apis/stable.example.com/v1/namespaces/crs/crontabs/ssa?fieldManager=ops'
    const applied = await api('PATCH', path, {
      contentType: 'application/apply-patch+yaml',
      body: {
        apiVersion: 'stable.example.com/v1',
        kind: 'CronTab',
        metadata: { name: 'ssa' },
        spec: { cronSpec: '* * * * *', ports: [{ name: 'http', port: 80 }] }
      }
    })
    expect(applied.status).toBe(201)
    expect(managed(applied.json)[0]?.fieldsV1).toEqual({
      'f:spec': {
        'f:cronSpec': {},
        'f:ports': { 'k:{"name":"http"}': { '.': {}, 'f:name': {}, 'f:port': {} } }
      }
    })
  })
})

describe('faults, request log and restart', () => {
  it('fails the next matching requests as told, then recovers', async () => {
    cluster.faults.add({
      method: 'GET',
      path: /\/api\/v1\/namespaces\/default\/configmaps/,
      count: 2,
      action: { status: 500 }
    })
    expect((await api('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(500)
    expect((await api('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(500)
    expect((await api('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(200)
    cluster.faults.add({
      path: '/api/v1/namespaces/default/secrets',
      action: { status: 429, retryAfterSeconds: 3 }
    })
    const limited = await api('GET', '/api/v1/namespaces/default/secrets?limit=500')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('3')
    cluster.faults.add({ path: /services/, action: { status: 409 } })
    expect((await api('GET', '/api/v1/namespaces/default/services/kubernetes')).json.reason).toBe('Conflict')
    cluster.faults.add({ path: /nodes/, action: 'drop' })
    await expect(api('GET', '/api/v1/nodes')).rejects.toThrow()
    cluster.faults.add({ path: /nodes/, action: 'hang' })
    await expect(fetch(`${cluster.url}/api/v1/nodes`, { signal: AbortSignal.timeout(300) })).rejects.toThrow()
    cluster.faults.add({ path: /never-matches/, action: 'drop' })
    cluster.faults.clear()
    expect(cluster.faults.pending()).toEqual([])
  })

  it('records method, path with query, user agent and status', async () => {
    cluster.requestLog.clear()
    await api('GET', '/api/v1/namespaces/default/pods?labelSelector=a%3Db')
    await api('GET', '/api/v1/namespaces/default/pods/missing')
    expect(cluster.requestLog.map(e => [e.method, e.path, e.userAgent, e.status])).toEqual([
      ['GET', '/api/v1/namespaces/default/pods?labelSelector=a%3Db', 'server-test/1.0', 200],
      ['GET', '/api/v1/namespaces/default/pods/missing', 'server-test/1.0', 404]
    ])
  })

  it('keeps state across a restart on the same port and closes open watches', async () => {
    await api('POST', '/api/v1/namespaces/default/configmaps', { body: configMap('survivor') })
    const watch = watchEvents('/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0', 1000)
    await new Promise(resolve => setTimeout(resolve, 100))
    await cluster.restart({ downtimeMs: 50 })
    const events = await watch
    expect(events.some(e => e.object.metadata.name === 'survivor')).toBe(true)
    expect((await api('GET', '/api/v1/namespaces/default/configmaps/survivor')).status).toBe(200)
  })

  it('seeds namespaces and a node with allocatable resources', async () => {
    expect(names(await api('GET', '/api/v1/namespaces'))).toEqual(
      expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    )
    const node = await api('GET', '/api/v1/nodes/test-node')
    expect((node.json.status as Record<string, unknown>).allocatable).toMatchObject({
      cpu: '4',
      memory: '8Gi',
      pods: '110'
    })
  })
})

describe('cli', () => {
  it('prints one ready line, serves, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'test-cluster-cli-'))
    const kubeconfig = join(dir, 'config')
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'cli.ts'),
        '--kubeconfig',
        kubeconfig,
        '--time-scale',
        '0.1'
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe']
      }
    )
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          if (out.includes('\n')) resolve(out)
        })
        child.on('exit', code => reject(new Error(`cli exited early with ${code}`)))
      })
      const match = /^test cluster ready at (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(line)
      expect(match).not.toBeNull()
      expect(readFileSync(kubeconfig, 'utf8')).toContain(`server: ${match?.[1]}`)
      const version = await fetch(`${match?.[1]}/version`)
      expect(version.status).toBe(200)
      const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
