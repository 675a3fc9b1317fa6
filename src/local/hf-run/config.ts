// The config file of `tunefile local-train`: JSON or YAML with Hugging Face TrainingArguments/TRL key names, checked
// whole (every problem at once, with its line and column) and resolved to absolute paths and defaults.
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, type Node } from 'yaml';
import { didYouMean, TunefileError, UsageError } from '../../errors.ts';
import { BASE_LEARNING_RATE } from '../trainer/hyperparameters.ts';

/** When checkpoints are saved: at each epoch's end, every `save_steps` steps, or never. */
export type SaveStrategy = 'epoch' | 'steps' | 'no';

/** A local-train config with defaults applied; every path absolute. */
export interface LocalTrainConfig {
  /** The config file itself, for messages. */
  file: string;
  /** The base model's name: it picks the token encoding (o200k_base for names tiktoken does not know). */
  model_name_or_path: string;
  /** JSONL of chat `{"messages": [...]}` or `{"prompt", "completion"}` records. */
  train_file: string;
  /** Same format; evaluated at each epoch's end. */
  validation_file?: string;
  /** Where the checkpoints and the final model go. */
  output_dir: string;
  /** Whole epochs. @default 3 */
  num_train_epochs: number;
  /** @default 8 */
  per_device_train_batch_size: number;
  /** Adam's step size, absolute: the local server's learning_rate_multiplier is learning_rate / BASE_LEARNING_RATE. @default BASE_LEARNING_RATE (0.2) */
  learning_rate: number;
  /** Seeds the shuffle (the weights start at zero). @default 42 */
  seed: number;
  /** Log every N steps; a number below 1 is a fraction of all steps (as in HF). @default 10 */
  logging_steps: number;
  /** @default 'epoch' */
  save_strategy: SaveStrategy;
  /** With save_strategy 'steps': save every N steps; below 1, a fraction of all steps. @default 500 */
  save_steps: number;
  /** Keep at most this many checkpoints, the newest; null keeps all. @default null */
  save_total_limit: number | null;
  /** A checkpoint folder to continue from, or true for the newest in output_dir; absent starts from scratch. */
  resume_from_checkpoint?: string | true;
  /**
   * Longest training sequence in tokens, as the trainer provider's command format writes it: accepted and not used,
   * since the classifier's hashed n-gram features have no sequence limit.
   */
  max_length?: number;
  /** Only `false`: the local classifier is trained whole, it has no adapters (the command format writes `lora: false`). */
  lora?: false;
}

type Key = Exclude<keyof LocalTrainConfig, 'file'>;

/** What a key takes: a check returning what was expected when the value does not fit (defaults: resolveConfig). */
interface KeySpec {
  expect: (value: unknown) => string | undefined;
  required?: true;
}

const text = (v: unknown) => (typeof v === 'string' && v !== '' ? undefined : 'must be a non-empty string');
const wholeAtLeast = (min: number) => (v: unknown) => (Number.isSafeInteger(v) && (v as number) >= min ? undefined : `must be a whole number >= ${min}`);
const positive = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : 'must be a number > 0');
const stepsOrFraction = (v: unknown) =>
  (Number.isSafeInteger(v) && (v as number) >= 1) || (typeof v === 'number' && v > 0 && v < 1) ? undefined : 'must be a whole number >= 1, or a fraction of all steps in (0, 1)';
const oneOf = (...values: string[]) => (v: unknown) => (typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.map((x) => `'${x}'`).join(', ')}`);

/** Every key the config takes. */
const KEYS: Record<Key, KeySpec> = {
  model_name_or_path: { expect: text, required: true },
  train_file: { expect: text, required: true },
  validation_file: { expect: (v) => (v === null ? undefined : text(v)) },
  output_dir: { expect: text, required: true },
  num_train_epochs: { expect: (v) => (typeof v === 'number' && !Number.isInteger(v) ? 'must be a whole number >= 1 (the local trainer trains whole epochs)' : wholeAtLeast(1)(v)) },
  per_device_train_batch_size: { expect: wholeAtLeast(1) },
  learning_rate: { expect: positive },
  seed: { expect: wholeAtLeast(0) },
  logging_steps: { expect: stepsOrFraction },
  save_strategy: { expect: oneOf('epoch', 'steps', 'no') },
  save_steps: { expect: stepsOrFraction },
  save_total_limit: { expect: (v) => (v === null ? undefined : wholeAtLeast(1)(v)) },
  max_length: { expect: wholeAtLeast(1) },
  lora: { expect: (v) => (v === false || v === null ? undefined : 'must be false: the local classifier is trained whole and has no LoRA adapters') },
  resume_from_checkpoint: {
    expect: (v) => (v === null || typeof v === 'boolean' || (typeof v === 'string' && v !== '') ? undefined : 'must be a checkpoint folder, true (the newest in output_dir) or false'),
  },
};

/** The names of every key, for messages. */
export const CONFIG_KEYS = Object.keys(KEYS) as Key[];

/** An invalid config (exit 2). */
function invalid(file: string, problems: string[]): TunefileError {
  const [first] = problems;
  const hint = `keys: ${CONFIG_KEYS.join(', ')}; see 'tunefile local-train --help'`;
  if (problems.length === 1) return new TunefileError('TUNEFILE_INVALID_CONFIG', first!, { hint });
  return new TunefileError('TUNEFILE_INVALID_CONFIG', `${file}: ${problems.length} problems in the config`, { details: problems, hint });
}

/**
 * Reads and checks the config at `path` (relative to `cwd`); its paths are relative to `cwd` as well, as Hugging
 * Face's scripts take them. Every problem is reported at once, as `file:line:col key: what was expected (got X)`.
 * @throws TunefileError TUNEFILE_INVALID_CONFIG (exit 2) for a config that does not parse or fit; UsageError (exit 2) when it cannot be read
 */
export function readLocalTrainConfig(path: string, cwd: string): LocalTrainConfig {
  const file = resolve(cwd, path);
  const shown = isAbsolute(path) ? path : relative(cwd, file) || path;
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `config file not found: ${shown}` : `${shown}: cannot read the config (${code ?? (error as Error).message})`, { cause: error });
  }
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw invalid(shown, doc.errors.map((e) => `${shown}:${e.linePos?.[0].line ?? 1}:${e.linePos?.[0].col ?? 1}: ${e.message.split('\n')[0]}`));
  }
  if (!isMap(doc.contents)) throw invalid(shown, [`${shown}: the config must be a mapping of keys to values (a JSON object)`]);
  const at = (node: Node | null | undefined) => {
    const { line, col } = lines.linePos(node?.range?.[0] ?? 0);
    return `${shown}:${line}:${col}`;
  };
  const all = doc.toJS() as Record<string, unknown>;
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const seen = new Set<string>();
  for (const pair of doc.contents.items) {
    const keyNode = pair.key as Node;
    const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const spec = Object.hasOwn(KEYS, name) ? KEYS[name as Key] : undefined;
    if (!spec) {
      const guess = didYouMean(name, CONFIG_KEYS);
      problems.push(`${at(keyNode)} unknown key '${name}'${guess ? `; did you mean '${guess}'?` : ''}`);
      continue;
    }
    seen.add(name);
    const value = all[name] ?? null;
    const expected = spec.expect(value);
    if (expected) problems.push(`${at((pair.value as Node | null) ?? keyNode)} ${name}: ${expected} (got ${JSON.stringify(value)})`);
    else values[name] = value;
  }
  for (const [name, spec] of Object.entries(KEYS)) {
    if (spec.required && !seen.has(name)) problems.push(`${shown}: ${name} is required`);
  }
  if (problems.length > 0) throw invalid(shown, problems);
  return resolveConfig(file, values, cwd);
}

/** Defaults applied, paths made absolute. */
function resolveConfig(file: string, v: Record<string, unknown>, cwd: string): LocalTrainConfig {
  const path = (p: unknown) => resolve(cwd, p as string);
  const resume = v.resume_from_checkpoint;
  return {
    file,
    model_name_or_path: v.model_name_or_path as string,
    train_file: path(v.train_file),
    ...(typeof v.validation_file === 'string' ? { validation_file: path(v.validation_file) } : {}),
    output_dir: path(v.output_dir),
    num_train_epochs: (v.num_train_epochs as number | undefined) ?? 3,
    per_device_train_batch_size: (v.per_device_train_batch_size as number | undefined) ?? 8,
    learning_rate: (v.learning_rate as number | undefined) ?? BASE_LEARNING_RATE,
    seed: (v.seed as number | undefined) ?? 42,
    logging_steps: (v.logging_steps as number | undefined) ?? 10,
    save_strategy: (v.save_strategy as SaveStrategy | undefined) ?? 'epoch',
    save_steps: (v.save_steps as number | undefined) ?? 500,
    save_total_limit: (v.save_total_limit as number | null | undefined) ?? null,
    ...(resume === true ? { resume_from_checkpoint: true as const } : typeof resume === 'string' ? { resume_from_checkpoint: path(resume) } : {}),
  };
}
