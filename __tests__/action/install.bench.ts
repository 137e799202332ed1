import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, bench, describe } from 'vitest'
import { installTool, type InstallRequest } from '../../src/install/installer.js'
import { ensureFixtures, MIRROR_DIR } from '../fixtures/binaries.js'
import { startMirror, type MirrorServer } from '../support/mirror-server.js'

let mirror: MirrorServer
let work: string
let cold = 0

function request(): InstallRequest {
  return { tool: 'helm', version: 'v4.1.4', mirror: mirror.url, tempDir: join(work, 'temp') }
}

beforeAll(async () => {
  ensureFixtures()
  mirror = await startMirror(join(MIRROR_DIR, 'helm'))
  work = await mkdtemp(join(tmpdir(), 'had-bench-'))
  process.env.RUNNER_TEMP = join(work, 'temp')
  process.env.GITHUB_PATH = join(work, 'github_path')
  await writeFile(process.env.GITHUB_PATH, '')
  process.env.RUNNER_TOOL_CACHE = join(work, 'warm-cache')
  await installTool(request())
})

afterAll(async () => {
  await mirror.stop()
  await rm(work, { recursive: true, force: true })
})

describe('install helm v4.1.4 (loopback mirror)', () => {
  bench(
    'cold: download, verify, extract, cache',
    async () => {
      process.env.RUNNER_TOOL_CACHE = join(work, `cold-${cold++}`)
      await installTool(request())
      await rm(process.env.RUNNER_TOOL_CACHE, { recursive: true, force: true })
    },
    { iterations: 5, warmupIterations: 1, time: 0 }
  )

  bench(
    'cached: verified tool-cache hit',
    async () => {
      process.env.RUNNER_TOOL_CACHE = join(work, 'warm-cache')
      await installTool(request())
    },
    { iterations: 50, warmupIterations: 5, time: 0 }
  )
})
