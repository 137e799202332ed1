/**
 * `npm run demo`: the bundled action, run as the runner runs it, against the test cluster and a loopback mirror
 * of the real helm and kubectl builds. A successful install, then an upgrade to a crash-looping image that
 * fail-fast rolls back. No cluster, Docker or network needed.
 */
import { fileURLToPath } from 'node:url'
import { startTestCluster } from '../cluster/index.js'
import { ensureFixtures, MIRROR_DIR } from '../fixtures/binaries.js'
import { runBundledAction, type ActionRun } from '../support/action-runner.js'
import { APP_CHART } from '../support/deploy-harness.js'
import { startMirror } from '../support/mirror-server.js'

export interface DemoResult {
  install: ActionRun
  upgrade: ActionRun
  durationMs: number
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' }

/** Job-summary markdown made readable in a terminal: HTML entities decoded, HTML tags turned into plain text. */
export function markdownForTerminal(markdown: string): string {
  return markdown
    .replace(/<summary>(.*?)<\/summary>/g, '▸ $1')
    .replace(/<br\s*\/?>/g, ' / ')
    .replace(/<\/?(details|pre|code|sub|sup|b|i|em|strong|p)(\s[^>]*)?>/g, '')
    .replace(/<!--.*?-->/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (whole, name: string) => {
      if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16))
      if (name.startsWith('#') && !(name in ENTITIES)) return String.fromCodePoint(Number(name.slice(1)))
      return ENTITIES[name] ?? whole
    })
    .replace(/\n{3,}/g, '\n\n')
}

function printOutputs(title: string, run: ActionRun, log: (line: string) => void): void {
  log(`\n── ${title}: exit code ${run.exitCode} ──`)
  for (const [name, value] of Object.entries(run.outputs)) log(`  ${name.padEnd(18)} ${value}`)
}

export async function runDemo(log: (line: string) => void = line => console.log(line)): Promise<DemoResult> {
  const started = Date.now()
  ensureFixtures(log)
  const cluster = await startTestCluster({ timeScale: 0.05 })
  const mirror = await startMirror(MIRROR_DIR)
  log(`test cluster at ${cluster.url}; helm and kubectl mirror at ${mirror.url}`)
  try {
    const inputs = {
      release: 'shop',
      chart: APP_CHART,
      namespace: 'demo',
      'create-namespace': 'true',
      environment: 'demo',
      timeout: '5m',
      'helm-version': 'v4.1.4',
      'helm-mirror': `${mirror.url}/helm`,
      'kubectl-version': 'v1.35.2',
      'kubectl-mirror': `${mirror.url}/kubectl`,
      comment: 'never'
    }
    const env = { KUBECONFIG: cluster.kubeconfigPath, HOME: cluster.home }

    log('\n1. helm upgrade --install of shop 1.2.0 (healthy)')
    const install = await runBundledAction({ inputs, env })
    printOutputs('install', install, log)

    log('\n2. upgrade to shop 1.3.0, whose container exits at start-up (timeout 5m; fail-fast ends the wait)')
    const upgrade = await runBundledAction({
      inputs: {
        ...inputs,
        'set-string': [
          'image=registry.example.com/shop/web:1.3.0',
          'env.SIM_EXIT_CODE=1',
          'env.SIM_READY_AFTER_SECONDS=5',
          'env.SIM_LOG=shop 1.3.0 starting\\\\nloading config from /etc/shop/config.yaml\\\\npanic: required setting DATABASE_URL is empty'
        ].join('\n')
      },
      env,
      toolCache: `${install.dir}/toolcache`
    })
    printOutputs('upgrade', upgrade, log)

    log('\n── the job summary of the upgrade, as GitHub would show it ──\n')
    log(markdownForTerminal(upgrade.summary))
    log('── files ──')
    log(`  job summary (markdown): ${upgrade.dir}/summary.md`)
    log(`  JSON report:            ${upgrade.outputs['report-path'] ?? '(none)'}`)
    log(`  outputs file:           ${upgrade.dir}/output`)
    const durationMs = Date.now() - started
    log(`\ndemo finished in ${(durationMs / 1000).toFixed(1)} s`)
    return { install, upgrade, durationMs }
  } finally {
    await mirror.stop()
    await cluster.stop()
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runDemo().then(
    result => {
      process.exitCode =
        result.install.outputs.status === 'deployed' && result.upgrade.outputs.status === 'rolled-back'
          ? 0
          : 1
    },
    (error: unknown) => {
      console.error(error)
      process.exitCode = 1
    }
  )
}
