/**
 * `helm test` after a successful deploy (and min-ready's verification): the test pods watched like the release's
 * (a test pod that cannot pull or be scheduled ends helm test early), each test's evidence kept, and a failed test
 * undone as atomic undoes a failed deploy.
 */
import type { FailureCause } from '../cause.js'
import type { ReleaseTarget } from '../helm/args.js'
import type { HelmClient } from '../helm/client.js'
import { testHooks, type ReleaseHook } from '../helm/hooks.js'
import type { HistoryEntry } from '../helm/outcome.js'
import { targetOf, type DeployContext, type DeployResult } from './context.js'
import { buildTestResults, testFailureCause, type TestCase, type TestResults } from './test-results.js'
import { undoUnstableDeploy } from './undo.js'

/** helm's table output for a release without test hooks. */
const NO_TEST_SUITE = /^TEST SUITE: None$/m

/** Runs the chart's tests when the deploy succeeded; a failed run undoes the deploy (or fails it, atomic off). */
export async function testDeployed(
  ctx: DeployContext,
  historyBefore: readonly HistoryEntry[],
  deployed: DeployResult
): Promise<DeployResult> {
  if (deployed.outcome.status !== 'deployed') return deployed
  const tests = await ctx.log.group(`helm test ${ctx.inputs.release}`, () => runTests(ctx))
  if (tests.result !== 'failed') return { ...deployed, tests }
  const cause: FailureCause = ctx.isCancelled?.()
    ? { source: 'cancelled', message: 'the workflow was cancelled during helm test' }
    : testFailureCause(tests)
  return { ...deployed, ...(await undoUnstableDeploy(ctx, historyBefore, cause)), tests }
}

async function runTests(ctx: DeployContext): Promise<TestResults> {
  const { inputs, helm, log } = ctx
  const target = targetOf(inputs)
  const partial: string[] = []
  const before = await readTestHooks(helm, target, partial)
  if (before?.length === 0) {
    log.info(`release ${inputs.release} has no tests (no helm.sh/hook: test in its chart); tests: none`)
    return { result: 'none', tests: [], durationMs: 0 }
  }
  const watch = await ctx.watchTests?.()
  const child = helm.test(target, { timeout: inputs.testTimeout })
  watch?.follow(child)
  const result = await child.done
  const endedAt = Date.now()
  const diagnostics = await watch?.stop()
  const after = (await readTestHooks(helm, target, partial)) ?? before ?? []
  if (after.length === 0 && result.exitCode === 0 && NO_TEST_SUITE.test(result.stdout)) {
    return { result: 'none', tests: [], durationMs: result.durationMs }
  }
  const tests = buildTestResults({
    hooks: after,
    exitCode: result.exitCode,
    stderr: result.stderr,
    durationMs: result.durationMs,
    endedAt,
    timeout: inputs.testTimeout,
    diagnostics,
    partial
  })
  for (const test of tests.tests) log.info(`test ${test.name}: ${testLine(test)}`)
  log.info(`tests: ${tests.result}`)
  return tests
}

/** The release's test hooks; undefined (noted) when helm could not read them. */
async function readTestHooks(
  helm: HelmClient,
  target: ReleaseTarget,
  partial: string[]
): Promise<ReleaseHook[] | undefined> {
  try {
    return testHooks(await helm.hooks(target))
  } catch (error) {
    partial.push(error instanceof Error ? error.message : String(error))
    return undefined
  }
}

function testLine(test: TestCase): string {
  const facts = [
    test.exitCode === undefined ? '' : `exit code ${test.exitCode}`,
    test.durationMs === undefined ? '' : `${(test.durationMs / 1000).toFixed(1)} s`
  ].filter(Boolean)
  const reason = test.reason ? `: ${test.reason}` : ''
  return `${test.phase}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}${reason}`
}
