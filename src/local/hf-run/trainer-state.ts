// Hugging Face Trainer's bookkeeping for a local-train run: the log_history entries (training logs every
// logging_steps, an evaluation at each epoch's end) and trainer_state.json. Everything but the final summary's
// timings is computed from the training state, so a resumed run's history is the uninterrupted run's.
import { METRICS_PER_STEP, type TrainState } from '../trainer/train.ts';
import { roundTo } from './python-repr.ts';

/** The run's fixed numbers: steps, and when it logs and saves. */
export interface RunPlan {
  stepsPerEpoch: number;
  maxSteps: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Absolute steps (a fraction in the config already turned into steps). */
  loggingSteps: number;
  saveSteps: number;
  numExamples: number;
  hasValidation: boolean;
}

/** A training log entry, in the order HF (with TRL's mean_token_accuracy) prints it. */
export interface TrainLog {
  loss: number;
  learning_rate: number;
  mean_token_accuracy: number;
  epoch: number;
}

/** An evaluation entry. */
export interface EvalLog {
  eval_loss: number;
  eval_mean_token_accuracy: number;
  epoch: number;
}

/** The summary at the end of training (HF's `train_*` metrics). */
export interface TrainSummary {
  train_runtime: number;
  train_samples_per_second: number;
  train_steps_per_second: number;
  total_flos: number;
  train_loss: number;
  epoch: number;
}

/** One log_history entry: what was logged plus the global step. */
export type LogEntry = (TrainLog | EvalLog | TrainSummary) & { step: number };

/** The epoch (fractional) after global step `step`. */
export function epochAt(plan: RunPlan, step: number): number {
  return step / plan.stepsPerEpoch;
}

/** The training log at global step `step`, when `step` is a logging step: the means since the previous one. */
export function trainLogAt(state: TrainState, plan: RunPlan, step: number): TrainLog | undefined {
  if (step % plan.loggingSteps !== 0) return undefined;
  const from = Math.max(0, step - plan.loggingSteps);
  let loss = 0;
  let accuracy = 0;
  for (let s = from; s < step; s++) {
    loss += state.stepMetrics[s * METRICS_PER_STEP]!;
    accuracy += state.stepMetrics[s * METRICS_PER_STEP + 1]!;
  }
  const count = step - from;
  return { loss: roundTo(loss / count, 4), learning_rate: plan.learningRate, mean_token_accuracy: accuracy / count, epoch: epochAt(plan, step) };
}

/** The evaluation at global step `step`, when it ends an epoch of a run with validation data (and that epoch has run). */
export function evalLogAt(state: TrainState, plan: RunPlan, step: number): EvalLog | undefined {
  if (!plan.hasValidation || step % plan.stepsPerEpoch !== 0) return undefined;
  const epoch = step / plan.stepsPerEpoch;
  const loss = state.epochMetrics[(epoch - 1) * 2]!;
  if (Number.isNaN(loss)) return undefined;
  return { eval_loss: loss, eval_mean_token_accuracy: state.epochMetrics[(epoch - 1) * 2 + 1]!, epoch };
}

/** Every entry logged through the state's global step, in HF's order (at a step: the training log, then the evaluation). */
export function logHistory(state: TrainState, plan: RunPlan): LogEntry[] {
  const entries: LogEntry[] = [];
  for (let step = 1; step <= state.step; step++) {
    const train = trainLogAt(state, plan, step);
    if (train) entries.push({ ...train, step });
    const evaluation = evalLogAt(state, plan, step);
    if (evaluation) entries.push({ ...evaluation, step });
  }
  return entries;
}

/** The mean training loss over every step run so far. */
export function meanTrainLoss(state: TrainState): number {
  let loss = 0;
  for (let s = 0; s < state.step; s++) loss += state.stepMetrics[s * METRICS_PER_STEP]!;
  return state.step > 0 ? loss / state.step : NaN;
}

/** The end-of-training summary; `runtimeSeconds` is this process's training time (HF's train_runtime). */
export function trainSummary(state: TrainState, plan: RunPlan, runtimeSeconds: number): TrainSummary {
  const runtime = Math.max(runtimeSeconds, 1e-4);
  return {
    train_runtime: roundTo(runtime, 4),
    train_samples_per_second: roundTo((plan.numExamples * plan.epochs) / runtime, 3),
    train_steps_per_second: roundTo(plan.maxSteps / runtime, 3),
    total_flos: 0,
    train_loss: meanTrainLoss(state),
    epoch: epochAt(plan, state.step),
  };
}

/** trainer_state.json's content (HF's TrainerState fields) after the state's global step. */
export function trainerState(state: TrainState, plan: RunPlan, history: LogEntry[]): Record<string, unknown> {
  return {
    best_global_step: null,
    best_metric: null,
    best_model_checkpoint: null,
    epoch: epochAt(plan, state.step),
    eval_steps: plan.stepsPerEpoch,
    global_step: state.step,
    is_hyper_param_search: false,
    is_local_process_zero: true,
    is_world_process_zero: true,
    log_history: history,
    logging_steps: plan.loggingSteps,
    max_steps: plan.maxSteps,
    num_input_tokens_seen: 0,
    num_train_epochs: plan.epochs,
    save_steps: plan.saveSteps,
    stateful_callbacks: {
      TrainerControl: {
        args: { should_epoch_stop: false, should_evaluate: false, should_log: false, should_save: true, should_training_stop: state.step >= plan.maxSteps },
        attributes: {},
      },
    },
    total_flos: 0,
    train_batch_size: plan.batchSize,
    trial_name: null,
    trial_params: null,
  };
}
