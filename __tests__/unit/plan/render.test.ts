import { describe, expect, it } from 'vitest'
import { parseManifest, planChanges, type Plan } from '../../../src/plan/changes.js'
import { renderPlan } from '../../../src/plan/render.js'
import type { DeployReport } from '../../../src/report/model.js'
import { renderComment, renderSummary } from '../../../src/report/render.js'
import { NOW, RUN_URL, success } from '../report/fixtures.js'

function bigPlan(resources: number, lines: number): Plan {
  const manifest = (v: number): string =>
    Array.from(
      { length: resources },
      (_, i) =>
        `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n${Array.from({ length: lines * (i + 1) }, (_, j) => `  k${j}: "${v}-${'x'.repeat(40)}"`).join('\n')}\n`
    ).join('')
  return planChanges({
    live: parseManifest(manifest(1), 'ns'),
    planned: parseManifest(manifest(2), 'ns'),
    hooks: [],
    crds: [],
    rendering: 'server'
  })
}

describe('renderPlan', () => {
  it('keeps the headline and the table, folding the largest diffs first, to fit a limit', () => {
    const plan = bigPlan(20, 40)
    const limit = 65_536
    const out = renderPlan(plan, { fits: t => t.length <= limit, before: '', after: '' })
    expect(out.length).toBeLessThanOrEqual(limit)
    expect(out.startsWith('**Plan: 0 to add, 20 to change, 0 to destroy**')).toBe(true)
    for (let i = 0; i < 20; i++) expect(out).toContain(`| cm-${i} |`)
    expect(out).toMatch(/_\d+ diffs folded away to fit; the plan file has all of them\._/)
    // The smallest diffs stayed.
    expect(out).toContain('ConfigMap/cm-0 (ns)</summary>')
    expect(out).not.toContain('ConfigMap/cm-19 (ns)</summary>')
  })

  it('a diff cannot close its code block', () => {
    const plan = planChanges({
      live: parseManifest('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "```"\n', 'ns'),
      planned: parseManifest(
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: "````x"\n',
        'ns'
      ),
      hooks: [],
      crds: [],
      rendering: 'client'
    })
    const out = renderPlan(plan, { fits: () => true, before: '', after: '' })
    expect(out).toContain('`````diff')
    expect(out).toContain('Rendered client-side')
  })
})

describe('a plan report, rendered (snapshots)', () => {
  const live = parseManifest(
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    helm.sh/chart: web-1.4.0\nspec:\n  replicas: 2\n  template:\n    metadata:\n      annotations:\n        checksum/config: 1111\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/acme/web:2.1.0\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: web-db\ndata:\n  password: b2xkLXBhc3N3b3Jk\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-legacy\ndata:\n  a: "1"\n',
    'shop'
  )
  const planned = parseManifest(
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    helm.sh/chart: web-1.5.0\nspec:\n  replicas: 3\n  template:\n    metadata:\n      annotations:\n        checksum/config: 2222\n    spec:\n      containers:\n        - name: web\n          image: ghcr.io/acme/web:2.2.0\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: web-db\ndata:\n  password: bmV3LXBhc3N3b3Jk\n  token: dG9rZW4=\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  rules: []\n',
    'shop'
  )
  const plan = planChanges({
    live,
    planned,
    hooks: [{ kind: 'Job', name: 'web-migrate', events: ['pre-upgrade'] }],
    crds: [],
    rendering: 'server'
  })
  const report: DeployReport = {
    ...success.report,
    status: 'planned',
    mode: 'plan',
    commit: 'c0ffee1234567890c0ffee1234567890c0ffee12',
    plan
  }
  const input = { report, runUrl: RUN_URL, now: NOW }

  it('summary', async () => {
    const out = renderSummary(input)
    expect(out).toContain('**Plan: 1 to add, 2 to change, 1 to destroy**')
    expect(out).not.toContain('b2xkLXBhc3N3b3Jk')
    await expect(out).toMatchFileSnapshot('../report/__snapshots__/plan.summary.md')
  })

  it('comment, and the deploy that follows it carrying the plan folded', async () => {
    const marker = '<!-- helm-atomic-deploy:0123456789abcdef -->'
    const body = renderComment(input, { marker })
    await expect(body).toMatchFileSnapshot('../report/__snapshots__/plan.comment.md')
    const deployed = renderComment(
      { ...input, report: { ...success.report, commit: report.commit } },
      { marker, previousBody: body }
    )
    expect(deployed).toContain('📋 Plan for c0ffee1 (the plan of this commit)')
    expect(deployed.indexOf('✅ Deployed')).toBeLessThan(deployed.indexOf('📋 Plan for'))
    await expect(deployed).toMatchFileSnapshot('../report/__snapshots__/plan-deployed.comment.md')
  })
})
