import { ensureFixtures } from './fixtures/binaries.js'
import { BUNDLE_ENV, buildTestBundle } from './support/build-bundle.js'

export default function setup(): void {
  ensureFixtures(line => console.log(line))
  // Forked test workers inherit this: the action tests run a bundle of the source, not the committed dist/.
  process.env[BUNDLE_ENV] = buildTestBundle(line => console.log(line))
}
