/** The edge that reads the runner's inputs: masks every secret form, then throws one error listing all problems. */
import * as core from '@actions/core'
import { existsSync } from 'node:fs'
import { Redactor } from '../report/redact.js'
import { INPUT_NAMES } from './defaults.js'
import { parseInputs, type Inputs } from './schema.js'

export { INPUT_DEFAULTS, INPUT_NAMES, type InputName } from './defaults.js'
export { parseGoDuration } from './duration.js'
export type { KeyValue } from './key-values.js'
export { parseInputs } from './schema.js'
export type { CommentWhen, DeployMode, InputEnvironment, Inputs, ParseResult, SummaryWhen } from './schema.js'

export interface RunnerInputs {
  /** Undefined when any input is invalid. */
  inputs?: Inputs
  /** Every problem, redacted. */
  errors: string[]
  /** Built from every secret found, valid or not; the runner masks them before anything is logged. */
  redactor: Redactor
  /** The inputs as given, for a report of invalid inputs. */
  raw: Record<string, string>
}

export function readInputs(): RunnerInputs {
  const raw: Record<string, string> = {}
  for (const name of INPUT_NAMES) raw[name] = core.getInput(name, { trimWhitespace: false })
  const result = parseInputs(raw, { fileExists: path => existsSync(path) })
  const redactor = new Redactor(result.secrets)
  for (const value of redactor.maskValues()) core.setSecret(value)
  return {
    inputs: result.inputs,
    errors: result.errors.map(problem => redactor.text(problem)),
    redactor,
    raw
  }
}
