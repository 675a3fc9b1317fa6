// A trainer's own metric logs as tunefile's result CSV (the one every provider's `results` returns, parsed by
// src/report/results-csv.ts): Hugging Face Trainer's trainer_state.json or LLaMA-Factory's trainer_log.jsonl.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_HEADER } from '../types.ts';
import { lastCheckpoint, TRAINER_STATE } from './progress.ts';
import { parsePythonJson } from './python-json.ts';

/** LLaMA-Factory's own log of each logging step (src/llamafactory/extras/constants.py: TRAINER_LOG). */
export const TRAINER_LOG = 'trainer_log.jsonl';

type Column = 'train_loss' | 'train_accuracy' | 'valid_loss' | 'valid_mean_token_accuracy';
type Row = Partial<Record<Column, number>>;

const COLUMNS: Column[] = ['train_loss', 'train_accuracy', 'valid_loss', 'valid_mean_token_accuracy'];

/**
 * The log keys of each column. Hugging Face Trainer logs `loss` and `eval_loss`; TRL's SFTTrainer adds
 * `mean_token_accuracy` and `eval_mean_token_accuracy`. The end-of-training summary's `train_loss` (an average over
 * the whole run) is not a step's loss and is not read.
 */
const KEYS: Record<Column, string> = { train_loss: 'loss', train_accuracy: 'mean_token_accuracy', valid_loss: 'eval_loss', valid_mean_token_accuracy: 'eval_mean_token_accuracy' };

/**
 * Merges one log entry's values into its step's row: a later entry for the same step wins (a resumed run logs the
 * steps after its checkpoint again). A NaN or infinite value (Python's json writes them bare) is no value.
 */
function addEntry(rows: Map<number, Row>, step: unknown, entry: Record<string, unknown>): void {
  if (typeof step !== 'number' || !Number.isFinite(step)) return;
  const row: Row = rows.get(step) ?? {};
  for (const column of COLUMNS) {
    const value = entry[KEYS[column]];
    if (typeof value === 'number' && Number.isFinite(value)) row[column] = value;
  }
  if (Object.keys(row).length > 0) rows.set(step, row);
}

/** The rows of a trainer_state.json: its `log_history`, each entry with its `step`. */
function stateRows(path: string): Map<number, Row> {
  const state = parsePythonJson(readFileSync(path, 'utf8'), path) as { log_history?: unknown };
  const rows = new Map<number, Row>();
  if (!Array.isArray(state.log_history)) return rows;
  for (const entry of state.log_history as Record<string, unknown>[]) addEntry(rows, entry.step, entry);
  return rows;
}

/**
 * The rows of LLaMA-Factory's trainer_log.jsonl, `current_steps` being the step. A run killed while writing leaves
 * a torn last line, which is skipped; any other line that is not JSON is an error.
 * @throws DataError naming `path:line`.
 */
function trainerLogRows(path: string): Map<number, Row> {
  const rows = new Map<number, Row>();
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let entry: Record<string, unknown>;
    try {
      entry = parsePythonJson(line, `${path}:${i + 1}`) as Record<string, unknown>;
    } catch (error) {
      if (i === lines.length - 1) return;
      throw error;
    }
    addEntry(rows, entry.current_steps, entry);
  });
  return rows;
}

/** The rows from the most complete log the run left: the final state, LLaMA-Factory's live log, else a checkpoint's. */
function readRows(outputDir: string): Map<number, Row> {
  const finalState = join(outputDir, TRAINER_STATE);
  if (existsSync(finalState)) return stateRows(finalState);
  const trainerLog = join(outputDir, TRAINER_LOG);
  if (existsSync(trainerLog)) return trainerLogRows(trainerLog);
  const checkpoint = lastCheckpoint(outputDir);
  return checkpoint === undefined ? new Map() : stateRows(join(checkpoint, TRAINER_STATE));
}

/**
 * Tunefile's result CSV (RESULTS_HEADER) of the run in `outputDir`, from Hugging Face Trainer's trainer_state.json
 * (the final one, which LLaMA-Factory writes; else the newest complete checkpoint's, as axolotl and `trl sft` leave
 * it) or LLaMA-Factory's trainer_log.jsonl. One row per step that logged a value, in step order, an empty cell where
 * the step has none (a training step has no validation loss). Only the header when the run logged nothing.
 * @throws DataError naming the log that is not JSON.
 */
export function resultsCsv(outputDir: string): string {
  const rows = [...readRows(outputDir)].sort(([a], [b]) => a - b);
  const lines = rows.map(([step, row]) => [step, ...COLUMNS.map((column) => (row[column] === undefined ? '' : String(row[column])))].join(','));
  return RESULTS_HEADER + lines.map((line) => `${line}\n`).join('');
}
