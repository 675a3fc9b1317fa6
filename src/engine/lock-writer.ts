// Subscriber that rewrites <pipeline>.lock after each successful stage.
import type { LoadedPipeline } from '../pipeline/types.ts';
import type { RunRecord } from '../store/state.ts';
import type { RunListener } from './events.ts';
import { LOCK_VERSION, writeLockFile, type LockFile } from './lockfile.ts';

/** A listener that keeps the lock file current; entries of stages no longer in the pipeline are dropped. */
export function makeLockWriter(pipeline: LoadedPipeline, previous: Record<string, RunRecord>): RunListener {
  const ids = new Set(pipeline.stages.map((s) => s.id));
  const lock: LockFile = {
    version: LOCK_VERSION,
    pipeline: pipeline.name,
    stages: Object.fromEntries(Object.entries(previous).filter(([id]) => ids.has(id))),
  };
  return (event) => {
    if (event.type === 'stage:end' && event.record && (event.status === 'ran' || event.status === 'cached')) {
      lock.stages[event.id] = event.record;
      writeLockFile(pipeline.lockFile, lock);
    } else if (event.type === 'run:end' && event.ok) {
      writeLockFile(pipeline.lockFile, lock);
    }
  };
}
