import { defineConfig } from 'vitest/config'

/**
 * Two projects: `unit` (pure tables mirroring src/, seconds, no binaries) and `integration` (the test cluster,
 * the real helm and kubectl, the bundled action, the tools). `npm test` runs both; `npm run test:unit` the first.
 */
export default defineConfig({
  test: {
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one on CI's 2 cores. An integration file leaves a core
    // idle while it waits on the simulation's clocks; three files at a time keep both busy (measured on 2 cores:
    // 1 worker 804 s, 2 workers 604 s, 3 workers 504 s; the tests assert no wall-clock budgets tighter than that).
    maxWorkers: 3,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['__tests__/unit/**/*.test.ts'],
          benchmark: { include: [] },
          testTimeout: 20_000
        }
      },
      {
        test: {
          name: 'integration',
          // Benchmarks run the action too; in one project only, so `npm run bench` runs each once.
          benchmark: { include: ['__tests__/**/*.bench.ts'] },
          include: ['__tests__/**/*.test.ts'],
          exclude: ['__tests__/unit/**', '**/node_modules/**'],
          globalSetup: ['__tests__/global-setup.ts'],
          // Several deploys a test: on a loaded machine one can take minutes (tests assert their own durations).
          testTimeout: 240_000,
          hookTimeout: 120_000
        }
      }
    ]
  }
})
