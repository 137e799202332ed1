import { ensureFixtures } from '../fixtures/binaries.js'

ensureFixtures(line => console.log(line))
