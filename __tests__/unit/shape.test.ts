/** The codebase's shape, kept by a test: short functions, a thin entry, pure modules free of @actions/*. */
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = join(import.meta.dirname, '..', '..', 'src')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : []
  )
}

const files = sources(SRC).map(path => ({ path: relative(SRC, path), text: readFileSync(path, 'utf8') }))

/** Modules that take data and return data: no @actions/*, no clock-free guarantee checked here. */
const PURE = [
  'cause.ts',
  'deploy/test-results.ts',
  'deploy/source-plan.ts',
  'helm/args.ts',
  'helm/flags.ts',
  'helm/hooks.ts',
  'helm/outcome.ts',
  'helm/output.ts',
  'helm/secret-values.ts',
  'helm/support.ts',
  'inputs/defaults.ts',
  'inputs/duration.ts',
  'inputs/key-values.ts',
  'inputs/kubeconfig.ts',
  'inputs/reader.ts',
  'inputs/schema.ts',
  'kube/diagnostics.ts',
  'kube/objects.ts',
  'kube/stability.ts',
  'kube/verdicts.ts',
  'report/annotations.ts',
  'report/model.ts',
  'report/redact.ts',
  'report/render.ts',
  'report/summary.ts'
]

function longFunctions(path: string, text: string, max: number): string[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true)
  const found: string[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart()).line
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
      const name = node.name?.getText(source) ?? '(anonymous)'
      if (end - start + 1 > max) found.push(`${path}:${start + 1} ${name} (${end - start + 1} lines)`)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

describe('the shape of src/', () => {
  it('no function is longer than 60 lines', () => {
    expect(files.flatMap(f => longFunctions(f.path, f.text, 60))).toEqual([])
  })

  it('main.ts stays at most 150 lines and index.ts only picks main or post', () => {
    const lines = (name: string): number => files.find(f => f.path === name)?.text.split('\n').length ?? 0
    expect(lines('main.ts')).toBeLessThanOrEqual(150)
    expect(lines('index.ts')).toBeLessThanOrEqual(5)
  })

  it.each(PURE)('%s imports nothing from @actions/*', path => {
    const text = files.find(f => f.path === path)?.text
    expect(text).toBeDefined()
    expect(text).not.toMatch(/from '@actions\//)
  })
})
