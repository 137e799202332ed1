import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { FIXTURES_DIR } from '../fixtures/binaries.js'

/** Where the test run's own bundle of `src/` goes (never the committed dist/: tests test the source). */
export const TEST_BUNDLE_DIR = join(FIXTURES_DIR, 'bundle')
export const TEST_BUNDLE = join(TEST_BUNDLE_DIR, 'index.js')
/** How action tests find the bundle that global setup built. */
export const BUNDLE_ENV = 'HAD_ACTION_BUNDLE'

/** Bundles src/index.ts exactly as `npm run bundle` does, into the fixtures folder; about 5 s. */
export function buildTestBundle(log: (line: string) => void): string {
  const root = join(import.meta.dirname, '..', '..')
  const ncc = createRequire(join(root, 'package.json')).resolve('@vercel/ncc/dist/ncc/cli.js')
  const started = Date.now()
  execFileSync(
    process.execPath,
    [
      ncc,
      'build',
      'src/index.ts',
      '-o',
      TEST_BUNDLE_DIR,
      '--target',
      'es2022',
      '--transpile-only',
      '--quiet'
    ],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] }
  )
  if (!existsSync(TEST_BUNDLE)) throw new Error(`ncc wrote no ${TEST_BUNDLE}`)
  log(`bundled src/ for the action tests in ${Date.now() - started} ms: ${TEST_BUNDLE}`)
  return TEST_BUNDLE
}
