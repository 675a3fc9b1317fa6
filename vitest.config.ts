import { join } from 'node:path';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The trainer tier (real Python trainers, minutes of CPU) runs on its own: npm run test:trainers.
    exclude: [...configDefaults.exclude, 'test/trainers/**'],
    setupFiles: ['test/setup.ts'],
    // Every CLI child process the tests spawn reuses V8's compiled code (and Node's type stripping) from this cache:
    // about 40 ms of CPU saved per spawn.
    env: { NODE_COMPILE_CACHE: join(import.meta.dirname, 'node_modules', '.cache', 'tunefile-tests', 'node-compile-cache') },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most test time is spent waiting on child processes (the CLI, tunefile serve, trainers), so three workers
    // share 2 cores well; tests synchronize on events, never on elapsed time.
    maxWorkers: 3,
    reporters: ['default'],
  },
});
