// What a trainer's output tells while it runs (the progress line) and what its output folder holds once it stops:
// the checkpoint to resume from and the files of the trained model.
import { type Dirent, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainerProgress } from './types.ts';
import { parsePythonJson } from './python-json.ts';

/** Hugging Face Trainer's state file, in the final output folder and in each checkpoint. */
export const TRAINER_STATE = 'trainer_state.json';

/** Terminal escape sequences (cursor moves, colours) that bars and rich loggers print. */
const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** A tqdm bar without a description: `  12%|█▏        | 6/50 [00:01<00:08,  5.1it/s]`. */
const TQDM_BAR = /^\s*\d{1,3}%\|[^|]*\|\s*(\d+)\/(\d+)\s*\[/;

/** One `'key': value` of a printed Python dict: a number, a quoted number (transformers 5 writes `f"{v:.4g}"`), np.float64(...). */
const DICT_ENTRY = /'([A-Za-z_]+)':\s*(?:np\.float(?:16|32|64)\()?'?([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)'?\)?/g;

/** Hugging Face Trainer's `***** Running training *****` block: `  Total optimization steps = 1,250`. */
const TOTAL_STEPS = /Total optimization steps = ([\d,]+)/;

/** Hugging Face Trainer saving a checkpoint: `Saving model checkpoint to saves/run/checkpoint-500`. */
const SAVING_CHECKPOINT = /Saving model checkpoint to .*checkpoint-(\d+)\s*$/;

/** The text a terminal would show for `line`: its last carriage-return segment that is not blank, without escapes. */
function shownText(line: string): string | undefined {
  const segments = line.replace(ESCAPES, '').split('\r');
  return segments.reverse().find((segment) => segment.trim() !== '');
}

/** step, loss and epoch from a printed log dict (`{'loss': 0.6931, 'grad_norm': 1.2, 'learning_rate': 0.001, 'epoch': 0.5}`). */
function logDict(text: string): TrainerProgress | undefined {
  const start = text.indexOf("{'");
  if (start < 0 || !text.trimEnd().endsWith('}')) return undefined;
  const progress: TrainerProgress = {};
  for (const [, key, raw] of text.slice(start).matchAll(DICT_ENTRY)) {
    const value = Number(raw);
    if (!Number.isFinite(value)) continue;
    if (key === 'loss') progress.loss = value;
    else if (key === 'epoch') progress.epoch = value;
    else if (key === 'step') progress.step = value;
  }
  return Object.keys(progress).length > 0 ? progress : undefined;
}

/**
 * The progress in one line a trainer printed, or undefined: a tqdm bar's step and total (of the last `\r` segment,
 * as a terminal shows it; bars with a description, such as dataset mapping or checkpoint loading, are not training);
 * the loss and epoch of a Hugging Face log dict, whether its values are numbers or transformers 5's formatted strings,
 * also behind a logger prefix such as LLaMA-Factory's `[INFO|callbacks.py:310] ... >> `; the total of `Total
 * optimization steps = N`; the step of `Saving model checkpoint to .../checkpoint-N`. An evaluation's bar looks like
 * the training bar: a caller that knows the total (from the line above) can tell them apart by it.
 */
export function parseProgressLine(line: string): TrainerProgress | undefined {
  const text = shownText(line);
  if (text === undefined) return undefined;
  const bar = TQDM_BAR.exec(text);
  if (bar) return { step: Number(bar[1]), total: Number(bar[2]) };
  const dict = logDict(text);
  if (dict) return dict;
  const total = TOTAL_STEPS.exec(text);
  if (total) return { total: Number(total[1]!.replaceAll(',', '')) };
  const saving = SAVING_CHECKPOINT.exec(text);
  return saving ? { step: Number(saving[1]) } : undefined;
}

/** The entries of `dir`, or none when it does not exist. */
function entriesOf(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Whether `checkpointDir` holds a trainer_state.json that parses: Hugging Face Trainer writes it after the weights. */
function isComplete(checkpointDir: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(checkpointDir, TRAINER_STATE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    parsePythonJson(text, checkpointDir);
    return true;
  } catch {
    return false; // a state file cut short by the kill: this checkpoint is incomplete, an older one may not be
  }
}

/**
 * The absolute path of the `checkpoint-N` folder in `outputDir` with the highest N that is complete (holds a
 * trainer_state.json that parses), to resume from; undefined when there is none (or no output folder yet).
 */
export function lastCheckpoint(outputDir: string): string | undefined {
  const checkpoints = entriesOf(outputDir)
    .filter((entry) => entry.isDirectory() && /^checkpoint-\d+$/.test(entry.name))
    .map((entry) => ({ path: join(outputDir, entry.name), step: Number(entry.name.slice('checkpoint-'.length)) }))
    .sort((a, b) => b.step - a.step);
  return checkpoints.find((checkpoint) => isComplete(checkpoint.path))?.path;
}

/**
 * Whether a top-level entry of the output folder is not part of the trained model: the checkpoints (and the
 * `tmp-checkpoint-N` folders transformers saves them through), TensorBoard's `runs/`, and the logs: *.log,
 * trainer_state.json, trainer_log.jsonl, the *_results.json metric summaries, LLaMA-Factory's training_*.png loss
 * plots, hidden files, and the run's arguments (HF's training_args.bin, local-train's training_args.json): they name
 * the run's absolute folders, so the same model trained in another run folder or on another machine would hash
 * differently, and a resumed run's would differ from an uninterrupted one's.
 */
function isRunByproduct(entry: Dirent): boolean {
  const name = entry.name;
  if (name.startsWith('.')) return true;
  if (entry.isDirectory()) return /^(tmp-)?checkpoint-\d+$/.test(name) || name === 'runs';
  return name === TRAINER_STATE || /^training_args\.(bin|json)$/.test(name) || name === 'trainer_log.jsonl' || name.endsWith('.log') || /_results\.json$/.test(name) || /^training_.*\.png$/.test(name);
}

/** The regular files below `dir`, as `prefix` plus their paths relative to `dir`, with `/`. */
function filesBelow(dir: string, prefix: string): string[] {
  return entriesOf(dir).flatMap((entry) => {
    if (entry.isDirectory()) return filesBelow(join(dir, entry.name), `${prefix}${entry.name}/`);
    return entry.isFile() ? [`${prefix}${entry.name}`] : [];
  });
}

/**
 * The files of the trained model or adapter in `outputDir`, as sorted relative paths with `/`: every regular file
 * except the run's byproducts (see isRunByproduct: checkpoints, `runs/`, logs and metric summaries). Symbolic links
 * are left out. Empty when the folder does not exist.
 */
export function artifactFiles(outputDir: string): string[] {
  const top = entriesOf(outputDir).filter((entry) => !isRunByproduct(entry));
  const files = top.flatMap((entry) => {
    if (entry.isDirectory()) return filesBelow(join(outputDir, entry.name), `${entry.name}/`);
    return entry.isFile() ? [entry.name] : [];
  });
  return files.sort();
}
