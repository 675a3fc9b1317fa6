// Which checkpoint files a job still needs on disk: the latest one while it can resume, none once it has finished.
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { JobRecord } from './job-store.ts';

/** What a removal freed (or, in a dry run, would free). */
export interface Freed {
  files: number;
  bytes: number;
}

/** Bytes and files under `path` (a file or a folder); zero when it does not exist. */
export function measure(path: string): Freed {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files: 0, bytes: 0 };
    throw error;
  }
  if (!stat.isDirectory()) return { files: 1, bytes: stat.size };
  const total = { files: 0, bytes: 0 };
  for (const name of readdirSync(path)) {
    const inner = measure(join(path, name));
    total.files += inner.files;
    total.bytes += inner.bytes;
  }
  return total;
}

/** Removes `path` (file or folder) unless `dryRun`; returns what it held. */
export function removePath(path: string, dryRun: boolean): Freed {
  const freed = measure(path);
  if (!dryRun) rmSync(path, { recursive: true, force: true });
  return freed;
}

/**
 * Removes the checkpoint files of every recorded checkpoint but the last: resuming needs only the newest one.
 * Only recorded files are touched; a newer checkpoint the worker has written but not yet reported is left alone.
 */
export function dropOlderCheckpoints(jobDir: string, record: JobRecord, dryRun = false): Freed {
  const total = { files: 0, bytes: 0 };
  for (const { file } of record.checkpoints.slice(0, -1)) {
    const freed = removePath(join(jobDir, file), dryRun);
    total.files += freed.files;
    total.bytes += freed.bytes;
  }
  return total;
}

/** Removes a finished job's checkpoints folder: its final weights are in model.bin, and it will never resume. */
export function dropAllCheckpoints(jobDir: string, dryRun = false): Freed {
  return removePath(join(jobDir, 'checkpoints'), dryRun);
}

/** The names in a folder; none when it does not exist. */
export function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
