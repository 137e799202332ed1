/** The main step's named steps and the facts they gather for the report. */
import * as core from '@actions/core'
import type { CauseSource } from './cause.js'
import type { DeployResult } from './deploy/context.js'
import { HelmClient } from './helm/client.js'
import { INPUT_DEFAULTS, type InputName, type Inputs } from './inputs/index.js'
import { installTools } from './install/tools.js'
import { KubectlClient } from './kube/client.js'
import type { Log } from './log.js'
import { runCommit } from './report/comment.js'
import type { RunFacts } from './report/model.js'
import type { Redactor } from './report/redact.js'
import type { Session } from './session.js'
import type { Cancellation } from './signals.js'

export const STATE = {
  phase: 'phase',
  finished: 'finished',
  helmPath: 'helm-path',
  deploymentId: 'deployment-id'
} as const

export interface Run {
  inputs: Inputs
  facts: RunFacts
  redactor: Redactor
  log: Log
  session: Session
  cancellation: Cancellation
}

/** An error thrown by one step, tagged with where it came from. */
export class StepError extends Error {
  constructor(
    readonly source: CauseSource,
    error: unknown
  ) {
    super(error instanceof Error ? error.message : String(error))
  }
}

export async function step<T>(source: CauseSource, action: () => Promise<T>): Promise<T> {
  try {
    return await action()
  } catch (error) {
    throw error instanceof StepError ? error : new StepError(source, error)
  }
}

export function failedBefore(source: CauseSource, message: string): DeployResult {
  return {
    outcome: { status: 'failed', rolledBack: false, cause: { source, message } },
    recoveries: [],
    history: []
  }
}

export function factsOf(raw: Readonly<Record<string, string>>, startedAt: number): RunFacts {
  const value = (name: InputName): string => (raw[name] ?? '').trim() || INPUT_DEFAULTS[name]
  return {
    release: value('release'),
    namespace: value('namespace'),
    environment: value('environment'),
    kubeContext: value('kube-context'),
    mode: value('mode'),
    chart: value('chart'),
    chartVersion: value('chart-version'),
    helm: { version: '', path: '' },
    kubectl: { path: '' },
    startedAt,
    finishedAt: startedAt,
    installMs: 0,
    commit: runCommit()
  }
}

export async function installAndConnect(run: Run): Promise<{ helm: HelmClient; kubectl: KubectlClient }> {
  const { inputs, facts, log, session } = run
  const tools = await step('install', () =>
    log.group('Install helm and kubectl', () => installTools(inputs, session.tempDir))
  )
  Object.assign(facts, { helm: tools.helm, kubectl: tools.kubectl, installMs: tools.durationMs })
  core.setOutput('helm-version', tools.helm.version)
  core.setOutput('helm-path', tools.helm.path)
  core.setOutput('kubectl-path', tools.kubectl.path)
  core.saveState(STATE.helmPath, tools.helm.path)
  const helm = await step('install', () =>
    HelmClient.open({ path: tools.helm.path, env: session.env, redactor: run.redactor, log })
  )
  run.cancellation.attach(helm)
  log.info(`helm ${helm.version} (major ${helm.major}), ${inputs.mode} of release ${inputs.release}`)
  const kubectl = new KubectlClient({
    path: tools.kubectl.path,
    env: session.env,
    kubeContext: inputs.kubeContext
  })
  facts.namespace = inputs.namespace || (await kubectl.contextNamespace().catch(() => 'default'))
  return { helm, kubectl }
}
