// The hold hooks for tests: the local server's (TUNEFILE_LOCAL_HOLD: jobs wait before a training step until released)
// and tunefile local-train's (TUNEFILE_LOCAL_TRAIN_HOLD: the run waits likewise).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp.ts';

/** What the server writes to `<release>.held` when a job holds. */
export interface Held {
  job_id: string;
  step: number;
}

/** What `tunefile local-train` writes to `<release>.held`. */
export interface TrainHeld {
  step: number;
}

export interface Hold<H = Held> {
  /** Environment for `tunefile serve` or `tunefile run` (its embedded server): every job holds before `step`. */
  env: Record<string, string>;
  /** The release file; the server writes `${path}.held` when a job holds. */
  path: string;
  /**
   * Resolves with the `.held` record once a job holds. Rejects when `gone()` returns a reason first (say, the
   * process exited), or after `timeoutMs`.
   */
  held(options?: { gone?: () => string | undefined; timeoutMs?: number }): Promise<H>;
  /** Creates the release file: held jobs go on, and no job holds any more. */
  release(): void;
}

/** A hold before global training step `step` (1-based, as metrics events count), released by a fresh file. */
export function holdAt(step: number): Hold {
  return holdWith<Held>('TUNEFILE_LOCAL_HOLD', step);
}

/** The same for `tunefile local-train`: the run holds before global step `step`. */
export function trainHoldAt(step: number): Hold<TrainHeld> {
  return holdWith<TrainHeld>('TUNEFILE_LOCAL_TRAIN_HOLD', step);
}

function holdWith<H>(variable: string, step: number): Hold<H> {
  const path = join(tempDir('tunefile-hold-'), 'release');
  const heldPath = `${path}.held`;
  return {
    env: { [variable]: `${step}:${path}` },
    path,
    async held({ gone, timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      // Polls for the file the server writes: the interval sets only how soon this sees it.
      while (!existsSync(heldPath)) {
        const reason = gone?.();
        if (reason !== undefined) throw new Error(`nothing held before step ${step}: ${reason}`);
        if (Date.now() > deadline) throw new Error(`nothing held before step ${step} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return JSON.parse(readFileSync(heldPath, 'utf8')) as H;
    },
    release() {
      writeFileSync(path, '');
    },
  };
}
