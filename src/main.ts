import * as core from '@actions/core'

export async function run(): Promise<void> {
  try {
    await Promise.resolve()
    throw new Error('not implemented yet')
  } catch (error) {
    core.setFailed(error instanceof Error ? error.message : String(error))
  }
}
