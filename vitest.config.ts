import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test time is spent waiting on child processes (the CLI, tunefile serve, trainers), so three workers
    // share 2 cores well; tests synchronize on events, never on elapsed time.
    maxWorkers: 3,
    reporters: ['default'],
  },
});
