// Test hooks TUNEFILE_LOCAL_HOLD=<step>:<path> (the server's jobs) and TUNEFILE_LOCAL_TRAIN_HOLD (tunefile local-train):
// training about to run global step <step> waits until <path> exists.
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';

/** Where jobs hold: before global training step `step` (1-based, as in metrics events), until `path` exists. */
export interface HoldPoint {
  step: number;
  /** Absolute path of the release file; the server writes `<path>.held` when a job holds. */
  path: string;
}

export const HOLD_ENV = 'TUNEFILE_LOCAL_HOLD';
/** The same hook for `tunefile local-train`, which writes `<path>.held` as JSON `{step}`. */
export const TRAIN_HOLD_ENV = 'TUNEFILE_LOCAL_TRAIN_HOLD';

/**
 * The hold point in `raw`, the value of variable `env` (relative paths resolved against `cwd`); undefined when unset
 * or empty; a UsageError when malformed.
 */
export function parseHold(raw: string | undefined, cwd: string, env: string = HOLD_ENV): HoldPoint | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = /^(\d+):(.+)$/.exec(raw);
  const step = m ? Number(m[1]) : 0;
  if (!m || !Number.isSafeInteger(step) || step < 1) {
    throw new UsageError(`${env}='${raw}' is not <step>:<path> (a training step from 1, then the file whose creation releases the hold)`, {
      hint: `unset ${env}; it is a testing aid, e.g. ${env}=20:/tmp/release holds training before step 20 until /tmp/release exists`,
    });
  }
  return { step, path: resolve(cwd, m[2]!) };
}
