/** Which module runs each `mode`: adding a mode is its module, one line here and one in action.yml. */
import type { DeployContext, DeployResult } from './deploy/context.js'
import { runDeploy } from './deploy/run.js'
import type { DeployMode } from './inputs/index.js'
import { runPlan } from './plan/run.js'

/** `namespace` is the resolved one (the context's when the input is empty). */
export type ModeRunner = (ctx: DeployContext, namespace: string) => Promise<DeployResult>

export const MODES: Record<DeployMode, ModeRunner> = {
  'upgrade-install': runDeploy,
  install: runDeploy,
  upgrade: runDeploy,
  uninstall: runDeploy,
  plan: runPlan
}
