/** The values files the action writes for helm: the inline `values` input and set-secret's values (mode 0600). */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { secretValuesDocument } from '../helm/secret-values.js'
import type { Inputs } from '../inputs/index.js'
import { DeployRefusedError } from './context.js'

/** Paths in the order helm applies them, after values-files. */
export async function writeValuesFiles(inputs: Inputs, workDir: string): Promise<string[]> {
  const files: string[] = []
  if (inputs.values.trim() !== '') {
    const path = join(workDir, 'values.yaml')
    await writeFile(path, inputs.values, { mode: 0o600 })
    files.push(path)
  }
  if (inputs.setSecret.length > 0) {
    const document = secretValuesDocument(inputs.setSecret)
    if ('problems' in document)
      throw new DeployRefusedError(`set-secret: ${document.problems.join('; ')}`, 'input')
    const path = join(workDir, 'secret-values.yaml')
    await writeFile(path, document.yaml, { mode: 0o600 })
    files.push(path)
  }
  return files
}
