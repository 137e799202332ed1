/**
 * Memory budget check: installs 50 releases of the demo chart (helm 4, waiting for readiness) into one test
 * cluster in this process, then prints the process RSS. Budget: < 150 MB.
 *
 *   node --expose-gc --import tsx __tests__/cluster/measure-rss.ts [releases]
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { ensureFixtures, helmBinary } from '../fixtures/binaries.js'
import { startTestCluster } from './index.js'

const RELEASES = Number(process.argv[2] ?? 50)
const PARALLEL = 4
const BUDGET_MB = 150

function run(binary: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { env }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${args.join(' ')}: ${stderr}`))
      else resolve()
    })
  })
}

function rssMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  return process.memoryUsage().rss / 1024 / 1024
}

async function main(): Promise<void> {
  ensureFixtures()
  const chart = join(import.meta.dirname, 'charts', 'demo')
  const helm = helmBinary('v4.1.4')
  const cluster = await startTestCluster({ timeScale: 0.05 })
  const before = rssMb()
  const started = Date.now()
  try {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < RELEASES) {
        const n = next++
        const args = [
          'install',
          `r${n}`,
          chart,
          '-n',
          `rss-${n % 10}`,
          '--create-namespace',
          '--wait',
          '--timeout',
          '30s'
        ]
        await run(helm, args, cluster.env)
      }
    }
    await Promise.all(Array.from({ length: PARALLEL }, worker))
    const after = rssMb()
    const objects = [
      'pods',
      'deployments',
      'replicasets',
      'services',
      'configmaps',
      'secrets',
      'events'
    ] as const
    const counts = objects.map(r => `${r}=${cluster.store.list(r).length}`).join(' ')
    console.log(
      `${RELEASES} releases installed in ${((Date.now() - started) / 1000).toFixed(1)} s (${counts})`
    )
    const heap = process.memoryUsage()
    console.log(
      `heap used ${(heap.heapUsed / 1048576).toFixed(1)} MB, external ${(heap.external / 1048576).toFixed(1)} MB, arrayBuffers ${(heap.arrayBuffers / 1048576).toFixed(1)} MB`
    )
    console.log(`RSS: ${before.toFixed(1)} MB before, ${after.toFixed(1)} MB after (budget ${BUDGET_MB} MB)`)
    process.exitCode = after < BUDGET_MB ? 0 : 1
  } finally {
    await cluster.stop()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
