// `tunefile local-train`: the local classifier trained as a Hugging Face Trainer run. It prints HF-shaped lines,
// saves checkpoint-<step>/ folders, resumes exactly from one, and leaves the final model files in output_dir.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataError, TunefileError } from '../../errors.ts';
import { writeFileAtomic } from '../../shared/atomic-write.ts';
import { checkClassification, LineError, parseFineTuneJsonl, type Dataset } from '../dataset.ts';
import { TRAIN_HOLD_ENV, type HoldPoint } from '../hold.ts';
import { writeJsonAtomic } from '../json-records.ts';
import { writeCheckpoint } from '../trainer/model-file.ts';
import { prepareTraining, type PreparedTraining } from '../trainer/prepare.ts';
import { createScratch, createTrainState, runEpoch, stepsPerEpoch, type TrainState } from '../trainer/train.ts';
import type { LocalTrainConfig } from './config.ts';
import { writeModelFolder } from './model-folder.ts';
import { checkpointDir, listCheckpoints, removeStaleTemps, rotateCheckpoints, TRAINER_STATE_FILE, TRAINING_ARGS_FILE, TRAINING_STATE_FILE, writeFolderAtomic } from './output-dir.ts';
import { progressLine } from './progress-bar.ts';
import { pythonFloatDict, roundTo } from './python-repr.ts';
import { findCheckpoint, loadCheckpoint, type TrainingIdentity } from './resume.ts';
import { sortedJson } from './sorted-json.ts';
import { evalLogAt, logHistory, trainerState, trainLogAt, trainSummary, type LogEntry, type RunPlan } from './trainer-state.ts';

export interface LocalTrainOptions {
  config: LocalTrainConfig;
  /** Receives each stdout line (HF Trainer's shapes), without its newline. */
  out: (line: string) => void;
  /** Receives diagnostics that are not HF's (the hold), without a newline. */
  log: (line: string) => void;
  /** Aborted on SIGINT/SIGTERM: the run stops before its next step, leaving only complete checkpoints. */
  signal: AbortSignal;
  /** Testing aid (TUNEFILE_LOCAL_TRAIN_HOLD): before this global step, write `<path>.held` ({step}) and wait until `path` exists. */
  hold?: HoldPoint;
  /** The wall clock in ms, for train_runtime. */
  now: () => number;
}

export interface LocalTrainResult {
  globalStep: number;
  /** The checkpoint folder the run continued from. */
  resumedFrom?: string;
}

/** A data file read whole: parsed, and its bytes' sha256 (a checkpoint continues only the same data). */
function readDataset(path: string, key: string): { dataset: Dataset; sha256: string } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new TunefileError('TUNEFILE_NOT_FOUND', `${key} ${path}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  try {
    return { dataset: parseFineTuneJsonl(bytes.toString('utf8')), sha256: createHash('sha256').update(bytes).digest('hex') };
  } catch (error) {
    if (error instanceof LineError) throw new DataError(`${path}:${error.line}: ${error.reason}`);
    throw error;
  }
}

/** A config's step count (`logging_steps`, `save_steps`): a number below 1 is that fraction of all steps, rounded up. */
function absoluteSteps(value: number, maxSteps: number): number {
  return value < 1 ? Math.max(1, Math.ceil(value * maxSteps)) : value;
}

/** Whether the checkpoint of global step `step` is saved. */
function savesAt(config: LocalTrainConfig, plan: RunPlan, step: number): boolean {
  if (config.save_strategy === 'epoch') return step % plan.stepsPerEpoch === 0;
  if (config.save_strategy === 'steps') return step % plan.saveSteps === 0 || step === plan.maxSteps;
  return false;
}

/** Trains as the config says; resolves once output_dir holds the final model. @throws TunefileError (data, resume, interrupt) */
export async function runLocalTrain(o: LocalTrainOptions): Promise<LocalTrainResult> {
  const { config } = o;
  const train = readDataset(config.train_file, 'train_file');
  const valid = config.validation_file ? readDataset(config.validation_file, 'validation_file') : undefined;
  const problem = checkClassification(train.dataset, valid?.dataset);
  if (problem) throw new DataError(`cannot train on ${config.train_file}: ${problem}`);
  const prepared = await prepareTraining({
    baseModel: config.model_name_or_path,
    train: train.dataset,
    ...(valid ? { valid: valid.dataset } : {}),
    epochs: config.num_train_epochs,
    batchSize: config.per_device_train_batch_size,
    learningRate: config.learning_rate,
    seed: config.seed,
  });
  const n = train.dataset.examples.length;
  const perEpoch = stepsPerEpoch(prepared.config, n);
  const maxSteps = perEpoch * config.num_train_epochs;
  const plan: RunPlan = {
    stepsPerEpoch: perEpoch,
    maxSteps,
    epochs: config.num_train_epochs,
    batchSize: config.per_device_train_batch_size,
    learningRate: config.learning_rate,
    loggingSteps: absoluteSteps(config.logging_steps, maxSteps),
    saveSteps: absoluteSteps(config.save_steps, maxSteps),
    numExamples: n,
    hasValidation: valid !== undefined,
  };
  const identity: TrainingIdentity = {
    model_name_or_path: config.model_name_or_path,
    num_train_epochs: config.num_train_epochs,
    per_device_train_batch_size: config.per_device_train_batch_size,
    learning_rate: config.learning_rate,
    seed: config.seed,
    train_file_sha256: train.sha256,
    validation_file_sha256: valid?.sha256 ?? null,
  };
  removeStaleTemps(config.output_dir);
  const resumedFrom = config.resume_from_checkpoint === undefined ? undefined : findCheckpoint(config.resume_from_checkpoint, config.output_dir);
  const state = resumedFrom ? loadCheckpoint(resumedFrom, prepared.model, prepared.config, identity) : createTrainState(prepared.config, n);
  printHeader(o, plan, prepared, state, resumedFrom);
  const started = o.now();
  const scratch = createScratch(prepared.config, n);
  const args = { ...identity, ...trainingArgs(config) };
  let shownPercent = Math.floor((100 * state.step) / maxSteps);
  while (state.step < maxSteps) {
    const step = state.step + 1;
    await holdBefore(o, step);
    if (o.signal.aborted) throw interrupted(o, step);
    runEpoch(state, prepared.config, prepared.data, () => {}, scratch, step);
    const percent = Math.floor((100 * step) / maxSteps);
    if (percent !== shownPercent || step === maxSteps || step === 1) o.out(progressLine(step, maxSteps));
    shownPercent = percent;
    const trainLog = trainLogAt(state, plan, step);
    if (trainLog) o.out(pythonFloatDict({ ...trainLog, epoch: roundTo(trainLog.epoch, 2) }));
    const evalLog = evalLogAt(state, plan, step);
    if (evalLog) o.out(pythonFloatDict({ ...evalLog, epoch: roundTo(evalLog.epoch, 2) }));
    if (savesAt(config, plan, step)) saveCheckpoint(o, prepared, state, plan, args);
    // Lets SIGINT/SIGTERM in between steps (training itself is synchronous).
    await new Promise((resolve) => setImmediate(resolve));
  }
  const summary = trainSummary(state, plan, (o.now() - started) / 1000);
  const { total_flos: _flos, ...printed } = summary;
  o.out(pythonFloatDict({ ...printed, epoch: roundTo(summary.epoch, 2) }));
  writeFinal(config.output_dir, prepared, state, plan, args, summary);
  o.out(`Saving model checkpoint to ${config.output_dir}`);
  return { globalStep: state.step, ...(resumedFrom ? { resumedFrom } : {}) };
}

/** HF's "***** Running training *****" block, and its lines on resuming. */
function printHeader(o: LocalTrainOptions, plan: RunPlan, prepared: PreparedTraining, state: TrainState, resumedFrom: string | undefined): void {
  const { dim, numClasses } = prepared.config;
  if (resumedFrom) o.out(`Loading model from ${resumedFrom}.`);
  o.out('***** Running training *****');
  o.out(`  Num examples = ${plan.numExamples.toLocaleString('en-US')}`);
  o.out(`  Num Epochs = ${plan.epochs.toLocaleString('en-US')}`);
  o.out(`  Instantaneous batch size per device = ${plan.batchSize.toLocaleString('en-US')}`);
  o.out(`  Total optimization steps = ${plan.maxSteps.toLocaleString('en-US')}`);
  o.out(`  Number of trainable parameters = ${(dim * numClasses + numClasses).toLocaleString('en-US')}`);
  if (!resumedFrom) return;
  const inEpoch = state.step - state.epoch * plan.stepsPerEpoch;
  o.out('  Continuing training from checkpoint, will skip to saved global_step');
  o.out(`  Continuing training from epoch ${state.epoch}`);
  o.out(`  Continuing training from global step ${state.step}`);
  o.out(`  Will skip the first ${state.epoch} epochs then the first ${inEpoch} batches in the first epoch.`);
}

/** The TUNEFILE_LOCAL_TRAIN_HOLD testing aid: before global step `step`, wait (responsive to signals) until the release file exists. */
async function holdBefore(o: LocalTrainOptions, step: number): Promise<void> {
  const { hold } = o;
  if (!hold || step !== hold.step || existsSync(hold.path)) return;
  writeJsonAtomic(`${hold.path}.held`, { step });
  o.log(`held before step ${step} until ${hold.path} exists (testing aid ${TRAIN_HOLD_ENV})`);
  // Polls for the file: the interval only sets how soon the run goes on after it appears, never what it does.
  while (!existsSync(hold.path) && !o.signal.aborted) await sleep(10);
}

/** The interrupt error: what stopped the run, and where a rerun continues. */
function interrupted(o: LocalTrainOptions, step: number): TunefileError {
  const reason = o.signal.reason instanceof Error ? o.signal.reason.message : 'interrupted';
  const newest = listCheckpoints(o.config.output_dir).at(-1);
  const next = newest
    ? `the newest checkpoint is ${newest.path} (global step ${newest.step}); rerun with resume_from_checkpoint: true to continue from it`
    : 'no checkpoint was saved yet';
  return new TunefileError('TUNEFILE_INTERRUPTED', `${reason} before global step ${step}; ${next}`, { cause: o.signal.reason });
}

/** training_args.json: the resolved arguments under HF's names (with the data's hashes, see TrainingIdentity). */
function trainingArgs(config: LocalTrainConfig): Record<string, unknown> {
  return {
    train_file: config.train_file,
    validation_file: config.validation_file ?? null,
    output_dir: config.output_dir,
    logging_steps: config.logging_steps,
    save_strategy: config.save_strategy,
    save_steps: config.save_steps,
    save_total_limit: config.save_total_limit,
  };
}

/** Saves checkpoint-<step>/ whole (model files, trainer state, training state, args), then applies save_total_limit. */
function saveCheckpoint(o: LocalTrainOptions, prepared: PreparedTraining, state: TrainState, plan: RunPlan, args: Record<string, unknown>): void {
  const target = checkpointDir(o.config.output_dir, state.step);
  writeFolderAtomic(target, (dir) => {
    writeModelFolder(dir, prepared.model, state.weights);
    writeCheckpoint(join(dir, TRAINING_STATE_FILE), prepared.model, prepared.config, state);
    writeFileAtomic(join(dir, TRAINER_STATE_FILE), sortedJson(trainerState(state, plan, logHistory(state, plan))));
    writeFileAtomic(join(dir, TRAINING_ARGS_FILE), sortedJson(args));
  });
  // Printed once the folder is complete under its name.
  o.out(`Saving model checkpoint to ${target}`);
  for (const path of rotateCheckpoints(o.config.output_dir, o.config.save_total_limit, target)) o.out(`Deleting older checkpoint [${path}] due to args.save_total_limit`);
}

/** The final files in output_dir: the model, trainer_state.json with the whole history, and HF's *_results.json. */
function writeFinal(dir: string, prepared: PreparedTraining, state: TrainState, plan: RunPlan, args: Record<string, unknown>, summary: ReturnType<typeof trainSummary>): void {
  writeModelFolder(dir, prepared.model, state.weights);
  const history: LogEntry[] = [...logHistory(state, plan), { ...summary, step: state.step }];
  writeFileAtomic(join(dir, TRAINING_ARGS_FILE), sortedJson(args));
  const trainResults = { ...summary, train_samples: plan.numExamples };
  const lastEval = evalLogAt(state, plan, state.step);
  const evalResults = lastEval ? { ...lastEval, eval_samples: prepared.data.validLabels?.length ?? 0 } : undefined;
  writeFileAtomic(join(dir, 'train_results.json'), sortedJson(trainResults));
  if (evalResults) writeFileAtomic(join(dir, 'eval_results.json'), sortedJson(evalResults));
  writeFileAtomic(join(dir, 'all_results.json'), sortedJson({ ...trainResults, ...evalResults, epoch: summary.epoch }));
  writeFileAtomic(join(dir, TRAINER_STATE_FILE), sortedJson(trainerState(state, plan, history)));
}
