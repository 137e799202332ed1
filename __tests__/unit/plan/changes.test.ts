import { describe, expect, it } from 'vitest'
import { hasChanges, parseManifest, planChanges, planHeadline } from '../../../src/plan/changes.js'

const deployment = (image: string, replicas: number, extra = ''): string => `---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    helm.sh/chart: web-1.2.0
    app: web
spec:
  replicas: ${replicas}
  template:
    metadata:
      annotations:
        checksum/config: aaa${extra}
    spec:
      containers:
        - name: web
          image: ${image}
`
const secret = (data: Record<string, string>): string =>
  `---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: web-db\ntype: Opaque\ndata:\n${Object.entries(data)
    .map(([k, v]) => `  ${k}: ${Buffer.from(v).toString('base64')}`)
    .join('\n')}\n`
const configMap = (name: string): string =>
  `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`

function plan(live: string, planned: string) {
  return planChanges({
    live: parseManifest(live, 'shop'),
    planned: parseManifest(planned, 'shop'),
    hooks: [],
    crds: [],
    rendering: 'server'
  })
}

describe('planChanges', () => {
  it('nothing live: every resource is to add', () => {
    const p = plan('', deployment('web:1', 2) + configMap('web-config'))
    expect(planHeadline(p)).toBe('Plan: 2 to add, 0 to change, 0 to destroy')
    expect(p.entries.map(e => [e.action, e.kind, e.name, e.namespace])).toEqual(
      [
        ['add', 'Deployment', 'web', 'shop'],
        ['add', 'ConfigMap', 'web-config', 'shop']
      ].sort((a, b) => (a[1] === 'ConfigMap' ? -1 : 1) - (b[1] === 'ConfigMap' ? -1 : 1))
    )
  })

  it('the same manifest in another key order: no changes', () => {
    const reordered = `apiVersion: apps/v1\nmetadata:\n  labels:\n    app: web\n    helm.sh/chart: web-1.2.0\n  name: web\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - image: web:1\n          name: web\n    metadata:\n      annotations:\n        checksum/config: aaa\n  replicas: 2\n`
    const p = plan(deployment('web:1', 2), reordered)
    expect(hasChanges(p)).toBe(false)
    expect(p.unchanged).toBe(1)
    expect(planHeadline(p)).toBe('Plan: 0 to add, 0 to change, 0 to destroy')
  })

  it('changed fields show in a unified diff; a removed resource is to destroy', () => {
    const p = plan(deployment('web:1', 2) + configMap('old'), deployment('web:2', 3))
    expect([p.add, p.change, p.destroy]).toEqual([0, 1, 1])
    const change = p.entries.find(e => e.action === 'change')
    expect(change?.diff).toContain('-  replicas: 2\n+  replicas: 3')
    expect(change?.diff).toContain('-        - image: web:1\n+        - image: web:2')
    expect(change?.diff).not.toContain('annotations')
    expect(p.entries.find(e => e.action === 'destroy')).toMatchObject({ kind: 'ConfigMap', name: 'old' })
  })

  it("helm's bookkeeping (checksum/*, the chart label's version) is noise, kept apart from the diff", () => {
    const bumped = deployment('web:1', 2, 'b').replace('web-1.2.0', 'web-1.3.0')
    const p = plan(deployment('web:1', 2), bumped)
    const entry = p.entries[0]
    expect(entry?.action).toBe('change')
    expect(entry?.diff).toBe('')
    expect(entry?.noise).toContain('checksum/config')
    expect(entry?.noise).toContain('web-1.3.0')
  })

  it('a chart label that names another chart is a real change, not noise', () => {
    const p = plan(deployment('web:1', 2), deployment('web:1', 2).replace('web-1.2.0', 'api-1.2.0'))
    expect(p.entries[0]?.diff).toContain('api-1.2.0')
  })

  it('Secrets: which keys were added, removed or changed — never a value, plain or base64', () => {
    const p = plan(
      secret({ password: 'old-S3cret', user: 'admin', gone: 'x1y2z3' }),
      secret({ password: 'new-S3cret', user: 'admin', token: 'tok-987' })
    )
    const entry = p.entries[0]
    expect(entry?.secretKeys).toEqual({ added: ['token'], removed: ['gone'], changed: ['password'] })
    const text = JSON.stringify(p)
    for (const value of ['old-S3cret', 'new-S3cret', 'tok-987', 'x1y2z3', 'admin']) {
      expect(text).not.toContain(value)
      expect(text).not.toContain(Buffer.from(value).toString('base64'))
    }
  })

  it('test hooks are left out of the hooks list', () => {
    const p = planChanges({
      live: [],
      planned: [],
      hooks: [
        { kind: 'Job', name: 'migrate', events: ['pre-upgrade'] },
        { kind: 'Pod', name: 'web-test', events: ['test'] }
      ],
      crds: ['crds/widgets.yaml'],
      rendering: 'server'
    })
    expect(p.hooks).toEqual([{ kind: 'Job', name: 'migrate', events: ['pre-upgrade'] }])
    expect(p.crds).toEqual(['crds/widgets.yaml'])
  })

  it('keys resources by group, kind, namespace and name', () => {
    const a = parseManifest(
      `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: edge\n`,
      'shop'
    )
    expect(a[0]?.key).toBe('networking.k8s.io/Ingress/edge/web')
  })
})
