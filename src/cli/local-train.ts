// `tunefile local-train CONFIG`: train the local classifier as a Hugging Face Trainer run writing output_dir.
import { UsageError } from '../errors.ts';
import { parseFlags } from './args.ts';
import type { Command } from './command.ts';

const HELP = `Usage: tunefile local-train CONFIG

Trains tunefile's local classifier (a softmax over hashed token n-grams, deterministic for a
seed) the way a Hugging Face Trainer run does: it prints HF's log lines, saves checkpoint-<step>/
folders in output_dir, resumes exactly from one, and leaves the final model there for
'tunefile serve --model OUTPUT_DIR'. The trainer provider uses it as a fast stand-in for TRL,
LLaMA-Factory or Axolotl.

CONFIG is a JSON or YAML file of Hugging Face TrainingArguments/TRL keys (paths relative to the
current folder, as HF's scripts take them):
  model_name_or_path           base model name; picks the token encoding (o200k_base if unknown)   required
  train_file                   JSONL of {"messages": [...]} or {"prompt", "completion"} records     required
  validation_file              same format; evaluated at each epoch's end                           optional
  output_dir                   checkpoints and the final model                                      required
  num_train_epochs             whole epochs                                                         3
  per_device_train_batch_size  examples per step                                                    8
  learning_rate                Adam's step size (the local server's multiplier x 0.2)               0.2
  seed                         shuffle seed                                                         42
  logging_steps                log every N steps (below 1: a fraction of all steps)                 10
  save_strategy                epoch | steps | no                                                   epoch
  save_steps                   with save_strategy steps: every N steps (below 1: a fraction)        500
  save_total_limit             keep the newest N checkpoints                                        all
  resume_from_checkpoint       a checkpoint folder, or true for the newest in output_dir            none

output_dir gets checkpoint-<global_step>/ at each save (config.json, model.safetensors,
trainer_state.json, training_args.json, training_state.bin), each complete before it appears
under its name, and at the end config.json, model.safetensors, trainer_state.json,
training_args.json, train_results.json, eval_results.json (with validation_file) and
all_results.json.

Exit codes: 0 trained, 1 bad or non-classification data or a checkpoint of another run,
2 an invalid config (unknown keys get a did-you-mean), 130 interrupted (Ctrl-C or SIGTERM:
stops between steps; the checkpoints saved so far are complete).

Testing aid: TUNEFILE_LOCAL_TRAIN_HOLD=STEP:PATH writes PATH.held ({"step": STEP}) and waits
before global step STEP until PATH exists.`;

const command: Command = {
  name: 'local-train',
  summary: 'train the local classifier as a Hugging Face Trainer run',
  help: HELP,
  run: async (argv, io) => {
    const { positionals } = parseFlags('local-train', argv, {}, 1);
    const file = positionals[0];
    if (file === undefined) throw new UsageError('tunefile local-train: CONFIG is required', { hint: "see 'tunefile local-train --help' for its keys" });
    const { readLocalTrainConfig, runLocalTrain, parseHold, TRAIN_HOLD_ENV } = await import('../local/index.ts');
    const config = readLocalTrainConfig(file, io.cwd);
    const hold = parseHold(io.env[TRAIN_HOLD_ENV], io.cwd, TRAIN_HOLD_ENV);
    await runLocalTrain({
      config,
      out: (line) => io.stdout.write(`${line}\n`),
      log: (line) => io.stderr.write(`[tunefile local-train] ${line}\n`),
      signal: io.signal,
      now: Date.now,
      ...(hold ? { hold } : {}),
    });
    return 0;
  },
};
export default command;
