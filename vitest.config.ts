import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'adapters/**/*.test.ts'],
    globalSetup: ['test/setup/redis-server.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores on CI machines: a few forks keep suites that spawn servers from starving each other.
    pool: 'forks',
    maxWorkers: 2,
    // .ci/run sets POS_BRIDGE_TEST_PROGRESS to learn which file a run that never ends was stuck in.
    reporters: process.env.POS_BRIDGE_TEST_PROGRESS ? ['default', './test/reporters/progress-log.ts'] : ['default'],
  },
});
