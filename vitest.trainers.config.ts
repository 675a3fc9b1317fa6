// The trainer tier (npm run test:trainers, issue 19): the real TRL, LLaMA-Factory and Axolotl on
// CPU, in the venvs scripts/trainers/setup.sh makes. `npm test` leaves test/trainers/ out (vitest.config.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/trainers/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // A trainer's startup (imports, dataset preparation) is one core's work and its training two threads: two files
    // at a time keep both cores busy without starving either run.
    maxWorkers: 2,
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
