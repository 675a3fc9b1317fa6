// Test hook TUNEFILE_LOCAL_HOLD=<step>:<path>: a job about to run training step <step> waits until <path> exists.
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';

/** Where jobs hold: before global training step `step` (1-based, as in metrics events), until `path` exists. */
export interface HoldPoint {
  step: number;
  /** Absolute path of the release file; the server writes `<path>.held` when a job holds. */
  path: string;
}

export const HOLD_ENV = 'TUNEFILE_LOCAL_HOLD';

/** The hold point in `raw` (relative paths resolved against `cwd`); undefined when unset or empty; a UsageError when malformed. */
export function parseHold(raw: string | undefined, cwd: string): HoldPoint | undefined {
  if (raw === undefined || raw === '') return undefined;
  const m = /^(\d+):(.+)$/.exec(raw);
  const step = m ? Number(m[1]) : 0;
  if (!m || !Number.isSafeInteger(step) || step < 1) {
    throw new UsageError(`${HOLD_ENV}='${raw}' is not <step>:<path> (a training step from 1, then the file whose creation releases the hold)`, {
      hint: `unset ${HOLD_ENV}; it is a testing aid, e.g. ${HOLD_ENV}=20:/tmp/release holds every job before step 20 until /tmp/release exists`,
    });
  }
  return { step, path: resolve(cwd, m[2]!) };
}
