// The local server's hold hook (TUNEFILE_LOCAL_HOLD) for tests: jobs wait before a training step until released.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp.ts';

/** What the server writes to `<release>.held` when a job holds. */
export interface Held {
  job_id: string;
  step: number;
}

export interface Hold {
  /** Environment for `tunefile serve` or `tunefile run` (its embedded server): every job holds before `step`. */
  env: Record<string, string>;
  /** The release file; the server writes `${path}.held` when a job holds. */
  path: string;
  /**
   * Resolves with the `.held` record once a job holds. Rejects when `gone()` returns a reason first (say, the
   * process exited), or after `timeoutMs`.
   */
  held(options?: { gone?: () => string | undefined; timeoutMs?: number }): Promise<Held>;
  /** Creates the release file: held jobs go on, and no job holds any more. */
  release(): void;
}

/** A hold before global training step `step` (1-based, as metrics events count), released by a fresh file. */
export function holdAt(step: number): Hold {
  const path = join(tempDir('tunefile-hold-'), 'release');
  const heldPath = `${path}.held`;
  return {
    env: { TUNEFILE_LOCAL_HOLD: `${step}:${path}` },
    path,
    async held({ gone, timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      // Polls for the file the server writes: the interval sets only how soon this sees it.
      while (!existsSync(heldPath)) {
        const reason = gone?.();
        if (reason !== undefined) throw new Error(`no job held before step ${step}: ${reason}`);
        if (Date.now() > deadline) throw new Error(`no job held before step ${step} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return JSON.parse(readFileSync(heldPath, 'utf8')) as Held;
    },
    release() {
      writeFileSync(path, '');
    },
  };
}
