// Messages between the server and a training worker.

/** Resolved hyperparameters, as the job object shows them. */
export interface Hyperparameters {
  n_epochs: number;
  batch_size: number;
  learning_rate_multiplier: number;
}

/** Everything a worker needs to train (or resume) one job. */
export interface TrainJobSpec {
  jobId: string;
  baseModel: string;
  trainPath: string;
  validPath?: string;
  hyperparameters: Hyperparameters;
  seed: number;
  /** Folder for this job's checkpoints and model. */
  jobDir: string;
  /** Checkpoint file to continue from; absent starts from scratch. */
  resumeFrom?: string;
  /** Sleep this long after each step (to simulate a slow provider). */
  stepDelayMs: number;
  /** Fail deliberately at this step (a testing aid). */
  failAtStep?: number;
  /** Testing aid (TUNEFILE_LOCAL_HOLD): before running this global step, wait until the file at `path` exists. */
  hold?: { step: number; path: string };
}

/** Metrics of one step, OpenAI's names; valid_* absent without a validation file. */
export interface StepMetrics {
  step: number;
  train_loss: number;
  train_mean_token_accuracy: number;
  valid_loss?: number;
  valid_mean_token_accuracy?: number;
  full_valid_loss?: number;
  full_valid_mean_token_accuracy?: number;
}

export type WorkerMessage =
  | { type: 'prepared'; totalSteps: number; stepsPerEpoch: number; numClasses: number; trainedTokens: number; startStep: number }
  | { type: 'step'; totalSteps: number; metrics: StepMetrics }
  | { type: 'checkpoint'; epoch: number; path: string; metrics: StepMetrics }
  | { type: 'done'; modelPath: string; resultCsv: string; trainedTokens: number }
  | { type: 'failed'; code: string; message: string }
  /** Sent before the worker blocks on the hold (every earlier message has been sent). */
  | { type: 'held'; step: number };
