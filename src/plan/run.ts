/**
 * mode: plan. Renders what the deploy would apply — the same command as a server-side dry run (client-side, with a
 * warning, when the server cannot dry-run it) — and compares it with the live release. Writes nothing to the
 * cluster: no revision, no object; only dryRun requests and reads.
 */
import { buildDeployArgs } from '../helm/args.js'
import { liveRevision, type HistoryEntry } from '../helm/outcome.js'
import { targetOf, type DeployContext, type DeployResult } from '../deploy/context.js'
import { prepareBeforeCluster } from '../deploy/sources.js'
import { writeValuesFiles } from '../deploy/values.js'
import { parseManifest, planChanges, type Plan, type PlanHook } from './changes.js'

/** Why a server-side dry run could not run, where a client-side rendering still can. */
const CANNOT_DRY_RUN = /forbidden|cannot (?:create|patch|update)|namespaces? "[^"]+" not found|dry.?run/i

interface ReleaseJson {
  manifest?: string
  hooks?: { name?: string; kind?: string; events?: string[] }[]
  chart?: { files?: { name?: string }[] }
}

async function render(
  ctx: DeployContext,
  valuesFiles: string[],
  chartRef: string | undefined
): Promise<{ json: ReleaseJson; rendering: Plan['rendering'] }> {
  const { inputs, helm, log } = ctx
  const args = (dryRun: 'server' | 'client'): string[] =>
    buildDeployArgs(
      { ...inputs, ...targetOf(inputs) },
      { major: helm.major, generatedValuesFiles: valuesFiles, dryRun, chartRef }
    )
  let result = await helm.dryRun(args('server'))
  let rendering: Plan['rendering'] = 'server'
  if (!result.ok && CANNOT_DRY_RUN.test(result.error ?? '')) {
    log.warning(
      `the API server did not dry-run the plan (${result.error ?? ''}); rendering it client-side, unvalidated`
    )
    result = await helm.dryRun(args('client'))
    rendering = 'client'
  }
  if (!result.ok) throw new PlanError(result.error ?? 'helm failed')
  return { json: JSON.parse(result.stdout) as ReleaseJson, rendering }
}

export class PlanError extends Error {}

function hooksOf(json: ReleaseJson): PlanHook[] {
  return (json.hooks ?? []).map(h => ({ kind: h.kind ?? '', name: h.name ?? '', events: h.events ?? [] }))
}

function crdsOf(json: ReleaseJson): string[] {
  return (json.chart?.files ?? []).map(f => f.name ?? '').filter(name => name.startsWith('crds/'))
}

export async function runPlan(ctx: DeployContext, namespace: string): Promise<DeployResult> {
  const { inputs, helm, log } = ctx
  // Chart repositories, registry logins and dependencies as the deploy prepares them, before the cluster.
  const prepared = await prepareBeforeCluster(ctx)
  if ('outcome' in prepared) return prepared
  const target = targetOf(inputs)
  const history: HistoryEntry[] = await helm.history(target)
  const live = liveRevision(history)
  const valuesFiles = await writeValuesFiles(inputs, ctx.workDir)
  let rendered: Awaited<ReturnType<typeof render>>
  try {
    rendered = await log.group(`helm upgrade --install ${inputs.release} (dry run)`, () =>
      render(ctx, valuesFiles, prepared.chartRef)
    )
  } catch (error) {
    if (error instanceof PlanError) return failed(history, error.message, 'helm')
    throw error
  }
  const liveManifest = live === undefined ? '' : await helm.getManifest(target, live)
  const plan = planChanges({
    live: parseManifest(liveManifest, namespace),
    planned: parseManifest(rendered.json.manifest ?? '', namespace),
    hooks: hooksOf(rendered.json),
    crds: crdsOf(rendered.json),
    rendering: rendered.rendering
  })
  const outcome = { status: 'planned' as const, rolledBack: false, revision: live, previousRevision: live }
  return { outcome, recoveries: [], history, plan }
}

function failed(history: HistoryEntry[], message: string, source: 'helm' | 'refused'): DeployResult {
  const live = liveRevision(history)
  return {
    outcome: {
      status: 'failed',
      rolledBack: false,
      revision: live,
      previousRevision: live,
      cause: { source, message },
      detail: 'the plan could not be made; nothing was changed'
    },
    recoveries: [],
    history
  }
}
