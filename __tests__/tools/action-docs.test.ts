import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { readmeWithTables } from './action-docs.js'

const root = join(import.meta.dirname, '..', '..')
const actionYml = readFileSync(join(root, 'action.yml'), 'utf8')
const readme = readFileSync(join(root, 'README.md'), 'utf8')

describe('README and action.yml', () => {
  it('the README tables match action.yml (run `npm run docs` after changing action.yml)', () => {
    expect(readme).toBe(readmeWithTables(readme, actionYml))
  })

  it('action.yml runs the committed bundle on node24', () => {
    const action = parse(actionYml) as { runs: { using: string; main: string } }
    expect(action.runs).toMatchObject({ using: 'node24', main: 'dist/index.js' })
  })

  it.each([
    'release',
    'chart',
    'chart-version',
    'repo-url',
    'namespace',
    'create-namespace',
    'values-files',
    'values',
    'set',
    'set-string',
    'set-secret',
    'timeout',
    'atomic',
    'wait-for-jobs',
    'mode',
    'helm-version',
    'helm-mirror',
    'helm-sha256',
    'kubectl-version',
    'kubectl-mirror',
    'kubeconfig',
    'kube-context',
    'fail-fast',
    'fail-fast-restarts',
    'recover-pending',
    'environment',
    'summary',
    'comment',
    'github-token',
    'log-lines',
    'extra-args'
  ])('declares input %s', name => {
    expect(Object.keys((parse(actionYml) as { inputs: object }).inputs)).toContain(name)
  })
})
