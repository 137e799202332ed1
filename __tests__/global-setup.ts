import { ensureFixtures } from './fixtures/binaries.js'

export default function setup(): void {
  ensureFixtures(line => console.log(line))
}
