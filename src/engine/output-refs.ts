// Recorded outputs as the refs stages, events and `run --json` see: the one place a record's output becomes a path.
import { outputPath, type Cache, type StoredOutput } from '../store/index.ts';
import type { OutputSummary } from './events.ts';

/**
 * The ref of a recorded output: its hash, size, rows, whether it is a tree (with its file count), and the path it
 * is read at (outputPath: a blob, or a tree's folder, built from the blobs when `materialize` and missing).
 */
export function outputRef(cache: Cache, o: StoredOutput, materialize = true): OutputSummary {
  return {
    hash: o.hash,
    path: outputPath(cache, o, materialize),
    bytes: o.bytes,
    ...(o.rows === undefined ? {} : { rows: o.rows }),
    ...(o.tree ? { tree: true as const, files: o.files ?? 0 } : {}),
  };
}

/** outputRef of each output of a run record, by name. */
export function outputRefs(cache: Cache, outputs: Record<string, StoredOutput>, materialize = true): Record<string, OutputSummary> {
  return Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, outputRef(cache, o, materialize)]));
}
