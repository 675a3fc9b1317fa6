// One training job from files to model: tokenize, featurize, train epoch by epoch with checkpoints, save.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFineTuneJsonl } from '../dataset.ts';
import { BASE_LEARNING_RATE } from './hyperparameters.ts';
import { countBilledTokens } from './billed-tokens.ts';
import { readCheckpoint, writeCheckpoint, writeModelFile } from './model-file.ts';
import { prepareTraining } from './prepare.ts';
import type { StepMetrics, TrainJobSpec, WorkerMessage } from './protocol.ts';
import { formatResultCsv } from './result-csv.ts';
import { METRICS_PER_STEP, createScratch, createTrainState, runEpoch, stepsPerEpoch, type TrainState } from './train.ts';

/** A deliberate failure (fail-at-step), reported with its own code. */
class InjectedFailure extends Error {}

/** Checkpoint file of the epoch ending at `step`. */
export function checkpointPath(jobDir: string, step: number): string {
  return join(jobDir, 'checkpoints', `step-${String(step).padStart(8, '0')}.ckpt`);
}

/** Trains the job described by `spec`, reporting progress through `post`; never throws. */
export async function runTrainJob(spec: TrainJobSpec, post: (message: WorkerMessage) => void): Promise<void> {
  try {
    await trainJob(spec, post);
  } catch (error) {
    if (error instanceof InjectedFailure) post({ type: 'failed', code: 'injected_failure', message: error.message });
    else post({ type: 'failed', code: 'training_error', message: `training failed: ${(error as Error).message}` });
  }
}

async function trainJob(spec: TrainJobSpec, post: (message: WorkerMessage) => void): Promise<void> {
  const trainText = readFileSync(spec.trainPath, 'utf8');
  const train = parseFineTuneJsonl(trainText);
  const valid = spec.validPath ? parseFineTuneJsonl(readFileSync(spec.validPath, 'utf8')) : undefined;
  const { n_epochs, batch_size, learning_rate_multiplier } = spec.hyperparameters;
  const { model, config, data, tokenize, promptTokens: tokenCounts } = await prepareTraining({
    baseModel: spec.baseModel,
    train,
    ...(valid ? { valid } : {}),
    epochs: n_epochs,
    batchSize: batch_size,
    learningRate: BASE_LEARNING_RATE * learning_rate_multiplier,
    seed: spec.seed,
  });
  const n = train.examples.length;
  const state: TrainState = (spec.resumeFrom && readCheckpoint(spec.resumeFrom, model, config)) || createTrainState(config, n);
  const perEpoch = stepsPerEpoch(config, n);
  const totalSteps = n_epochs * perEpoch;
  // What a provider bills: every epoch, every training example as uploaded (chat: the cookbook formula, system included).
  const countOf = (text: string): number => {
    let count = tokenCounts.get(text);
    if (count === undefined) tokenCounts.set(text, (count = tokenize(text).length)); // labels, roles and system messages repeat
    return count;
  };
  const trainedTokens = countBilledTokens(trainText, countOf) * n_epochs;
  post({ type: 'prepared', totalSteps, stepsPerEpoch: perEpoch, numClasses: config.numClasses, trainedTokens, startStep: state.step });
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  const scratch = createScratch(config, n);
  /** The TUNEFILE_LOCAL_HOLD testing aid: before step `next`, block until the release file exists. */
  const holdBefore = (next: number): void => {
    const hold = spec.hold;
    if (!hold || next !== hold.step || existsSync(hold.path)) return;
    post({ type: 'held', step: next });
    // Polls for the file: the interval only sets how soon the job goes on after it appears, never what it does.
    while (!existsSync(hold.path)) Atomics.wait(sleeper, 0, 0, 10);
  };
  const onStep = (step: number): void => {
    if (spec.failAtStep !== undefined && step >= spec.failAtStep) throw new InjectedFailure(`injected failure at step ${step} (testing aid: tunefile_fail_at_step)`);
    post({ type: 'step', totalSteps, metrics: stepMetrics(state, step) });
    if (spec.stepDelayMs > 0) Atomics.wait(sleeper, 0, 0, spec.stepDelayMs);
    // The step after an epoch's last one holds below, once that epoch's checkpoint is written.
    if (step % perEpoch !== 0) holdBefore(step + 1);
  };
  while (state.epoch < n_epochs) {
    holdBefore(state.step + 1);
    runEpoch(state, config, data, onStep, scratch);
    const path = checkpointPath(spec.jobDir, state.step);
    writeCheckpoint(path, model, config, state);
    const metrics = stepMetrics(state, state.step);
    const full = state.epochMetrics.subarray((state.epoch - 1) * 2);
    if (!Number.isNaN(full[0]!)) Object.assign(metrics, { full_valid_loss: full[0], full_valid_mean_token_accuracy: full[1] });
    post({ type: 'checkpoint', epoch: state.epoch, path, metrics });
  }
  const modelPath = join(spec.jobDir, 'model.bin');
  writeModelFile(modelPath, model, state.weights);
  post({ type: 'done', modelPath, resultCsv: formatResultCsv(state.stepMetrics, state.step), trainedTokens });
}

/** The metrics of step `step` (1-based) in OpenAI's names. */
function stepMetrics(state: TrainState, step: number): StepMetrics {
  const at = (step - 1) * METRICS_PER_STEP;
  const m = state.stepMetrics;
  const out: StepMetrics = { step, train_loss: m[at]!, train_mean_token_accuracy: m[at + 1]! };
  if (!Number.isNaN(m[at + 2]!)) {
    out.valid_loss = m[at + 2]!;
    out.valid_mean_token_accuracy = m[at + 3]!;
  }
  return out;
}
