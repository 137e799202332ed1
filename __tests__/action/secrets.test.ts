/**
 * Issue "secrets arrive exactly and appear nowhere": tricky set-secret values deployed through the bundled action,
 * read back from the cluster byte for byte, and absent (in every form the redactor knows) from every output.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { secretForms } from '../../src/report/redact.js'
import { FakeGitHub } from '../support/fake-github.js'
import { APP_CHART, useDeployHarness, type DeployRun, type HelmVersion } from '../support/deploy-harness.js'

const harness = useDeployHarness()

const PEM = [
  '-----BEGIN PRIVATE KEY-----',
  'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7',
  'q9Lk2Wd0+p/8xTm4ZnD1c0aFv3yJ2e9KkQ4sR7w1bH6YtU0zXgE',
  '-----END PRIVATE KEY-----'
].join('\n')

/** The table, plus a few more. */
const TRICKY: Record<string, string> = {
  comma: 'a,b=c',
  backslash: 'back\\slash',
  braces: '{x,y}',
  null: 'null',
  true: 'true',
  digits: '123456',
  punctuation: 'p.a$s(w)o*rd+?^|[0]x',
  quotes: `quo"te'`,
  spaces: '  padded value  ',
  generated: 'Zebra4471,Tiger9923=lion'
}

const setSecret = [
  ...Object.entries(TRICKY).map(([key, value]) => `secrets.${key}=${value}`),
  'secrets.pem<<EOF',
  PEM,
  'EOF'
].join('\n')

const ALL = { ...TRICKY, pem: PEM }

interface Outputs {
  stdout: string
  summary: string
  report: string
  outputs: string
  comments: string[]
}

async function outputsOf(run: DeployRun, comments: string[]): Promise<Outputs> {
  return {
    // `::add-mask::` lines are how the runner learns the values; the runner consumes them.
    stdout: run.stdout
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n'),
    summary: run.summary,
    report: await readFile(run.outputs['report-path'] ?? '', 'utf8'),
    outputs: JSON.stringify(run.outputs),
    comments
  }
}

/** Every string inside a JSON document (so `true`/`null` literals are not mistaken for the secrets). */
function jsonStrings(text: string): string {
  const found: string[] = []
  const walk = (v: unknown): void => {
    if (typeof v === 'string') found.push(v)
    else if (Array.isArray(v)) v.forEach(walk)
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        found.push(k)
        walk(x)
      }
    }
  }
  walk(JSON.parse(text))
  return found.join('\n')
}

function expectAbsent(outputs: Outputs, secrets: readonly string[]): void {
  const texts: [string, string][] = [
    ['stdout', outputs.stdout],
    ['summary', outputs.summary],
    ['report.json', jsonStrings(outputs.report)],
    ['outputs', jsonStrings(outputs.outputs)],
    ...outputs.comments.map((body, i): [string, string] => [`comment ${i}`, body])
  ]
  for (const secret of secrets) {
    for (const form of secretForms(secret)) {
      for (const [where, text] of texts) {
        expect(text.includes(form), `${JSON.stringify(form)} (a form of a secret) in ${where}`).toBe(false)
      }
    }
  }
}

describe.each<[HelmVersion, string]>([
  ['v3.17.1', 'h3'],
  ['v4.1.4', 'h4']
])('helm %s', (version, id) => {
  async function withPullRequest<T>(
    run: (env: Record<string, string>, github: FakeGitHub) => Promise<T>
  ): Promise<T> {
    const github = new FakeGitHub({
      tokens: { 'ghs-fake-token': { login: 'github-actions[bot]', kind: 'app' } }
    })
    await github.start()
    const eventPath = join(harness().cluster.home, `event-secrets-${id}.json`)
    await writeFile(eventPath, JSON.stringify({ number: 9, pull_request: { number: 9 } }))
    try {
      return await run(
        {
          GITHUB_API_URL: github.url,
          GITHUB_EVENT_NAME: 'pull_request',
          GITHUB_EVENT_PATH: eventPath,
          GITHUB_REPOSITORY: 'acme/shop',
          GITHUB_SHA: 'abc123'
        },
        github
      )
    } finally {
      await github.stop()
    }
  }

  it.concurrent(
    'tricky secrets reach the chart byte for byte, as strings, and appear in no output',
    async () => {
      const ns = `${id}-secrets-exact`
      await withPullRequest(async (env, github) => {
        const run = await harness().deploy(
          version,
          {
            chart: APP_CHART,
            release: 'vault',
            namespace: ns,
            'create-namespace': 'true',
            'set-secret': setSecret,
            'github-token': 'ghs-fake-token',
            comment: 'always'
          },
          { env }
        )
        expect(run.outputs.status, run.stdout).toBe('deployed')
        const stored = harness().cluster.store.get('secrets', ns, 'vault-secrets')
        const data = (stored?.data ?? {}) as Record<string, string>
        for (const [key, value] of Object.entries(ALL)) {
          expect(Buffer.from(data[key] ?? '', 'base64').toString('utf8'), key).toBe(value)
        }
        // Never on helm's command line: the logged `$ helm …` line names a values file instead.
        const command = run.stdout.split('\n').find(line => line.startsWith('$ helm upgrade')) ?? ''
        expect(command).toMatch(/ -f \S+secret-values\.yaml /)
        expect(command).not.toContain('secrets.')
        const comments = github.commentsOn(9).map(c => c.body)
        expect(comments).toHaveLength(1)
        expectAbsent(await outputsOf(run, comments), Object.values(ALL))
      })
    }
  )

  it.concurrent(
    'a secret the API rejects (its 422 quotes it) and one an event quotes: absent from every output',
    async () => {
      const ns = `${id}-secrets-echo`
      const rejected = 'Zebra"Quote4471'
      const image = 'registry.invalid/shop/web:Tag-Secret-9923'
      await withPullRequest(async (env, github) => {
        const run = await harness().deploy(
          version,
          {
            chart: APP_CHART,
            release: 'echo',
            namespace: ns,
            'create-namespace': 'true',
            'set-secret': `extraSecretName=${rejected}`,
            'github-token': 'ghs-fake-token'
          },
          { env }
        )
        expect(run.outputs.status).toBe('rolled-back')
        expect(run.outputs['failure-reason']).toMatch(/is invalid: metadata\.name: Invalid value: "\*\*\*"/)
        const pull = await harness().deploy(
          version,
          {
            chart: APP_CHART,
            release: 'echo-pull',
            namespace: ns,
            'set-secret': `image=${image}`,
            'github-token': 'ghs-fake-token'
          },
          { env }
        )
        expect(pull.outputs.status).toBe('rolled-back')
        expect(
          pull.report?.diagnostics?.events.some(e => e.message.includes('Failed to pull image "***"'))
        ).toBe(true)
        const comments = github.commentsOn(9).map(c => c.body)
        expect(comments.length).toBeGreaterThanOrEqual(1)
        expectAbsent(await outputsOf(run, comments), [rejected, image])
        expectAbsent(await outputsOf(pull, comments), [rejected, image])
      })
    }
  )
})
