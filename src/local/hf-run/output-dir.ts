// output_dir as Hugging Face Trainer lays it out: `checkpoint-<global_step>/` folders, each made whole in a hidden
// temp folder and renamed into place (so a kill at any moment leaves only complete checkpoints under their names),
// rotated by save_total_limit, and the final model files beside them.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { syncDir, tempPathFor } from '../../shared/atomic-write.ts';

export const CHECKPOINT_PREFIX = 'checkpoint-';
/** Weights, Adam's moments, the shuffle generator and the step metrics: what resuming needs (run-job's checkpoint format). */
export const TRAINING_STATE_FILE = 'training_state.bin';
export const TRAINER_STATE_FILE = 'trainer_state.json';
export const TRAINING_ARGS_FILE = 'training_args.json';

/** A complete checkpoint folder. */
export interface CheckpointFolder {
  step: number;
  path: string;
}

/** The checkpoint folder of global step `step`. */
export function checkpointDir(outputDir: string, step: number): string {
  return join(outputDir, `${CHECKPOINT_PREFIX}${step}`);
}

/** The global step a checkpoint folder's name gives, or undefined for another name. */
export function checkpointStep(path: string): number | undefined {
  const m = /^checkpoint-(\d+)$/.exec(basename(path));
  return m ? Number(m[1]) : undefined;
}

/** The complete checkpoints in `outputDir`, by step, oldest first; none when the folder does not exist. */
export function listCheckpoints(outputDir: string): CheckpointFolder[] {
  if (!existsSync(outputDir)) return [];
  return readdirSync(outputDir)
    .map((name) => ({ step: checkpointStep(name), path: join(outputDir, name) }))
    .filter((c): c is CheckpointFolder => c.step !== undefined && existsSync(join(c.path, TRAINING_STATE_FILE)))
    .sort((a, b) => a.step - b.step);
}

/** Renames a folder away, then deletes it: no half of it is ever seen under its name. */
export function removeFolder(path: string): void {
  const away = tempPathFor(path);
  renameSync(path, away);
  syncDir(dirname(path));
  rmSync(away, { recursive: true, force: true });
}

/**
 * Makes folder `target` whole or not at all: `fill` writes its files into a hidden temp folder beside it (each
 * fsynced), which is then renamed to `target`, replacing a folder of that name, and the parent folder fsynced.
 */
export function writeFolderAtomic(target: string, fill: (dir: string) => void): void {
  const temp = tempPathFor(target);
  try {
    fill(temp);
    syncDir(temp);
    if (existsSync(target)) {
      const old = tempPathFor(target);
      renameSync(target, old);
      renameSync(temp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(temp, target);
    }
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  syncDir(dirname(target));
}

/** Deletes the oldest checkpoints beyond `limit` (never `keep`, the one just saved); returns what it removed. */
export function rotateCheckpoints(outputDir: string, limit: number | null, keep: string): string[] {
  if (limit === null) return [];
  const all = listCheckpoints(outputDir).filter((c) => c.path !== keep);
  const removed = all.slice(0, Math.max(0, all.length - (limit - 1))).map((c) => c.path);
  for (const path of removed) removeFolder(path);
  return removed;
}

/** Removes the hidden temp folders a killed run left in `outputDir` (names from tempPathFor: `.checkpoint-N.<pid>.<hex>.tmp`). */
export function removeStaleTemps(outputDir: string): void {
  if (!existsSync(outputDir)) return;
  for (const name of readdirSync(outputDir)) {
    const path = join(outputDir, name);
    if (/^\.checkpoint-\d+\..+\.tmp$/.test(name) && statSync(path).isDirectory()) rmSync(path, { recursive: true, force: true });
  }
}
