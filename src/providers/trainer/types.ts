// The `trainer` provider's parts (issue 19): a self-hosted trainer program (Axolotl, LLaMA-Factory, TRL, or any
// command) trains in a run folder of its own per stage key, and an OpenAI-compatible server answers for evaluate.
// These types are the seams between the provider (connect.ts, jobs.ts), the trainers' formats (formats/), the
// launchers (local process group, SkyPilot) and the trainers' logs (metrics.ts, progress.ts).

// The provider section's types live with the config's (src/shared/config-types.ts); re-exported for this folder.
export type { LauncherKind, SkyPilotSpec, TrainerKind, TrainerProviderSpec } from '../../shared/config-types.ts';
import type { TrainerKind } from '../../shared/config-types.ts';

/**
 * Placeholders of `run`: `{config}` the rendered config file, `{output_dir}` where the trainer writes the model and
 * its checkpoints, `{data_dir}` the key's own dataset folder, `{run_dir}` the run folder, `{tunefile}` this tunefile's
 * CLI (expands to two words: node and its main.js).
 */
export const RUN_PLACEHOLDERS = ['config', 'output_dir', 'data_dir', 'run_dir', 'tunefile'] as const;

/**
 * Placeholders of `serve` and `serve_env`: `{model}` the base model, `{adapter}` the trained artifact folder (restored
 * from the cache), `{port}` a free port, `{served_model}` the name to list, `{serve_config}` the trainer's inference
 * config file (LLaMA-Factory), `{api_key}` the key requests carry (api_key_env's value, else a random one per run),
 * `{tunefile}` as in `run`.
 */
export const SERVE_PLACEHOLDERS = ['model', 'adapter', 'port', 'served_model', 'serve_config', 'api_key', 'tunefile'] as const;

/** LoRA as a trainer config takes it. */
export interface TrainerLora {
  rank: number;
  alpha: number;
  dropout: number;
  /** `all-linear`, or module names joined by commas (`q_proj,v_proj`). */
  target_modules: string;
}

/** The tunefile parameters a trainer's config is rendered from: train's `with:` resolved to numbers. */
export interface TrainerSettings {
  /** A Hugging Face id, or an absolute folder. */
  base_model: string;
  n_epochs: number;
  learning_rate: number;
  batch_size: number;
  seed: number;
  /** Longest training sequence, in tokens. */
  max_length: number;
  /** false: full fine-tuning. */
  lora: TrainerLora | false;
  /** Passed verbatim into the trainer's config, after tunefile's own keys (they win). */
  extra: Record<string, unknown>;
}

/** The folders and files of one training run (one stage key). All absolute. */
export interface RunLayout {
  /** The run folder: everything below is inside it. */
  runDir: string;
  /** The key's own dataset folder (what writeDataset wrote), so a trainer's dataset cache can never serve stale data. */
  dataDir: string;
  /** The trainer's output_dir: the model and its `checkpoint-N/` folders. */
  outputDir: string;
  /** The rendered config file. */
  configPath: string;
  /** Where the trainer's stdout and stderr go. */
  logPath: string;
  /** A folder for the trainer's own caches (HF datasets cache, LLaMA-Factory's tokenized_path), inside the run folder. */
  cacheDir: string;
}

/** One example in chat form, as upload wrote it. */
export interface ChatExample {
  messages: { role: 'system' | 'user' | 'assistant'; content: string }[];
}

/** What a trainer program needs from tunefile: its dataset format, its config, its default command lines. */
export interface TrainerFormat {
  kind: TrainerKind;
  /** The config's file name in the run folder (`axolotl.yaml`, `llamafactory.yaml`, `trl.yaml`, `local-train.json`). */
  configName: string;
  /** Writes the splits into `dataDir` in the trainer's own dataset format (JSONL, dataset_info.json, ...). */
  writeDataset(dataDir: string, splits: { train: ChatExample[]; valid: ChatExample[] }): void;
  /**
   * The config file's text for a fresh run, or for one resumed from checkpoint folder `resumeFrom`
   * (`resume_from_checkpoint`). Deterministic: the same settings and layout give the same bytes.
   */
  renderConfig(settings: TrainerSettings, layout: RunLayout, resumeFrom?: string): string;
  /** The default `run` command line. */
  defaultRun: string[];
  /** The default `serve` command line and its environment, for evaluate, for a LoRA adapter or a full fine-tune. */
  defaultServe(lora: boolean): { run: string[]; env?: Record<string, string> };
  /** The trainer's inference config (`{serve_config}`), for trainers whose server takes one (LLaMA-Factory). */
  renderServeConfig?(settings: TrainerSettings, adapterDir: string, port: number, servedModel: string): { name: string; text: string };
}

/** Progress a trainer printed: any of step, total steps, loss, epoch. */
export interface TrainerProgress {
  step?: number;
  total?: number;
  loss?: number;
  epoch?: number;
}
