/**
 * Runs the test cluster on its own, for trying helm or kubectl by hand:
 *   npm run test-cluster -- --kubeconfig <path> [--port <n>] [--time-scale <x>]
 */
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { kubeconfigYaml, startTestCluster } from './index.js'

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kubeconfig: { type: 'string' },
      port: { type: 'string' },
      'time-scale': { type: 'string' }
    },
    strict: true
  })
  if (!values.kubeconfig) {
    console.error('usage: npm run test-cluster -- --kubeconfig <path> [--port <n>] [--time-scale <x>]')
    process.exit(2)
  }
  const port = values.port === undefined ? undefined : Number(values.port)
  const timeScale = values['time-scale'] === undefined ? undefined : Number(values['time-scale'])
  if ((port !== undefined && !Number.isInteger(port)) || (timeScale !== undefined && !(timeScale > 0))) {
    console.error('--port must be an integer and --time-scale a positive number')
    process.exit(2)
  }
  const cluster = await startTestCluster({ port, timeScale })
  writeFileSync(values.kubeconfig, kubeconfigYaml(cluster.url), { mode: 0o600 })
  console.log(`test cluster ready at ${cluster.url}`)
  let stopping = false
  const shutdown = (): void => {
    if (stopping) return
    stopping = true
    cluster.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', shutdown)
  process.on('SIGTERM', shutdown)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
