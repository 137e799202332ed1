import { existsSync, readFileSync, statSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { openSession, type Session } from '../../src/session.js'

describe('openSession: helm configuration private to the run', () => {
  let session: Session | undefined
  afterEach(async () => {
    await session?.cleanup()
  })

  it('points every helm of the run at repository and registry config inside workDir, removed at cleanup', async () => {
    session = await openSession('')
    const { env, workDir } = session
    for (const name of ['HELM_REPOSITORY_CONFIG', 'HELM_REPOSITORY_CACHE', 'HELM_REGISTRY_CONFIG']) {
      expect(env[name]?.startsWith(`${workDir}/`), name).toBe(true)
    }
    expect(statSync(workDir).mode & 0o777).toBe(0o700)
    // Not empty: with no auth entry at all, helm stores a login in a credential helper found on PATH.
    const registry = JSON.parse(readFileSync(env.HELM_REGISTRY_CONFIG ?? '', 'utf8')) as { auths: object }
    expect(Object.keys(registry.auths)).toEqual(['helm-atomic-deploy.invalid'])
    await session.cleanup()
    expect(existsSync(workDir)).toBe(false)
    session = undefined
  })
})
