/**
 * Before the cluster is touched: the named helm controls checked against the installed helm, then the chart's
 * sources made ready in the run's private helm configuration (registry logins and `helm repo add`, passwords on
 * stdin), then `helm dependency build` or `update`. Any failure refuses the run with nothing changed.
 */
import { existsSync } from 'node:fs'
import { unsupportedControls } from '../helm/support.js'
import { DeployRefusedError, type DeployContext, type DeployResult } from './context.js'
import { dependencyEntries, isChartDirectory, missingDependencies } from './dependencies.js'
import { failedDependencies, planSources, type PlannedDependencies, type SourcePlan } from './source-plan.js'

export interface PreparedSources {
  /** The chart as helm finds it in the run's repository config, when it comes from repo-url. */
  chartRef?: string
}

/** The plan for this chart, with every input problem (unsupported controls included). */
export function planChartSources(ctx: DeployContext): SourcePlan {
  const { inputs, helm } = ctx
  const isDirectory = isChartDirectory(inputs.chart)
  const plan = planSources(
    inputs,
    {
      isDirectory,
      exists: inputs.chart !== '' && existsSync(inputs.chart),
      dependencies: isDirectory ? dependencyEntries(inputs.chart) : [],
      missing: isDirectory ? missingDependencies(inputs.chart) : []
    },
    { githubActor: process.env.GITHUB_ACTOR ?? '' }
  )
  if (inputs.mode === 'uninstall') return plan
  return { ...plan, problems: [...unsupportedControls(inputs, helm.version), ...plan.problems] }
}

/** A refusal before anything reached the cluster: no history is read, nothing changed. */
export function refusedBeforeCluster(message: string, source: 'input' | 'refused'): DeployResult {
  return {
    outcome: {
      status: 'failed',
      rolledBack: false,
      cause: { source, message },
      detail: 'refused before the cluster was reached; nothing was changed'
    },
    recoveries: [],
    history: []
  }
}

/** Plans and prepares; a refusal comes back as the run's result. */
export async function prepareBeforeCluster(ctx: DeployContext): Promise<PreparedSources | DeployResult> {
  const plan = planChartSources(ctx)
  if (plan.problems.length > 0) {
    for (const problem of plan.problems) ctx.log.info(problem)
    return refusedBeforeCluster(plan.problems.join('; '), 'input')
  }
  const work = plan.logins.length + plan.repositories.length + (plan.dependencies ? 1 : 0)
  if (work === 0) return { chartRef: plan.chartRef }
  try {
    await ctx.log.group('Chart sources', () => prepareSources(ctx, plan))
    return { chartRef: plan.chartRef }
  } catch (error) {
    if (!(error instanceof DeployRefusedError)) throw error
    ctx.log.info(error.message)
    return refusedBeforeCluster(error.message, 'refused')
  }
}

async function prepareSources(ctx: DeployContext, plan: SourcePlan): Promise<void> {
  const { helm } = ctx
  for (const { password, from, ...login } of plan.logins) {
    const result = await helm.registryLogin(login, password)
    const how = from === 'github-token' ? ` (as ${login.username} with github-token)` : ''
    if (!result.ok)
      throw new DeployRefusedError(`registry login to ${login.host}${how} failed: ${result.error ?? ''}`)
  }
  for (const { password, neededBy, ...repo } of plan.repositories) {
    const result = await helm.repoAdd(repo, password)
    if (!result.ok) {
      throw new DeployRefusedError(
        `chart repository ${repo.url} (${neededBy}) could not be added: ${result.error ?? ''}`
      )
    }
  }
  if (plan.dependencies) await resolveDependencies(ctx, plan.dependencies)
}

async function resolveDependencies(ctx: DeployContext, planned: PlannedDependencies): Promise<void> {
  const { inputs, helm } = ctx
  const options = planned.oci
    ? { plainHttp: inputs.plainHttp, ...(inputs.registryCaFile ? { caFile: inputs.registryCaFile } : {}) }
    : {}
  const result =
    planned.command === 'update'
      ? await helm.dependencyUpdate(inputs.chart, options)
      : await helm.dependencyBuild(inputs.chart, options)
  if (result.ok) return
  const error = result.error ?? ''
  const named = failedDependencies(dependencyEntries(inputs.chart), missingDependencies(inputs.chart), error)
  throw new DeployRefusedError(
    `helm dependency ${planned.command} ${inputs.chart} failed for ${named}: ${error}`
  )
}
