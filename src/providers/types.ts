// The provider interface: what a fine-tuning service offers tunefile (files, jobs, inference), in OpenAI's shapes,
// which every provider maps its own onto. What keeps a run from paying twice (the journal, verified adoption, the
// cost guard, converging concurrent runs) lives above it, in the stages, and is the same for every provider.
import type OpenAI from 'openai';
import type { FileObject } from 'openai/resources/files';
import type { FineTuningJob, FineTuningJobEvent, JobCreateParams } from 'openai/resources/fine-tuning/jobs/jobs';

export type { FineTuningJob, FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';

/** The identity's base URL for an Azure provider without an endpoint; connecting then fails with a hint. */
export const AZURE_UNSET = 'azure-endpoint-not-set';

export type ProviderType = 'local' | 'openai' | 'together' | 'trainer';

/** What identifies a provider in a stage key: never the API key. */
export interface ProviderIdentity {
  type: ProviderType;
  /** Base URL for remote providers; absent for local (its port changes each run). For `trainer`: what it runs (trainer/identity.ts). */
  base_url?: string;
}

/** A fine-tuning file as the stages read it. */
export type RemoteFile = Pick<FileObject, 'id' | 'filename' | 'bytes' | 'status'>;

/** LoRA settings for providers that train adapters (Together, Nebius); `false` asks for full fine-tuning. */
export interface LoraSettings {
  rank?: number;
  alpha?: number;
  dropout?: number;
  /** Modules to adapt, as the provider names them (Together: `all-linear`). */
  trainable_modules?: string;
}

/**
 * What train asks a provider to create: OpenAI's create request (model, files, supervised hyperparameters, seed,
 * suffix, metadata with `tunefile_key`), plus the settings other services take. A provider refuses, with a clear
 * error, a setting it cannot honour, rather than train something else.
 */
export interface ProviderTrainSettings {
  /** An absolute learning rate (Together, Nebius); OpenAI takes `learning_rate_multiplier` instead. */
  learning_rate?: number;
  lora?: LoraSettings | false;
  /** Intermediate checkpoints to keep (Together). */
  n_checkpoints?: number;
  /** Packing of short examples into one sequence (Nebius, Together). */
  packing?: boolean;
  /** Longest training sequence in tokens (Nebius `context_length`, Together `max_seq_length`). */
  context_length?: number;
  /** Fields passed verbatim into the provider's create request, after tunefile's own. */
  extra?: Record<string, unknown>;
}

export type TrainRequest = JobCreateParams & ProviderTrainSettings & { validation_file: string };

/** A base model a provider fine-tunes. */
export interface FineTunableModel {
  id: string;
  /** What tokencheck counts its tokens with: a tiktoken encoding (`o200k_base`), or `hf:<Hub repository>`. */
  tokenizer: string;
  /** The longest training example, in tokens. */
  context: number;
}

/** Fine-tuning files on the provider. Errors keep the SDK's `status` (404 for a missing file). */
export interface ProviderFiles {
  retrieve(id: string, signal?: AbortSignal): Promise<RemoteFile>;
  /** The provider's fine-tuning files. */
  list(signal?: AbortSignal): AsyncIterable<RemoteFile>;
  /** A file's bytes; throws with status 400, 403 or 404 where the provider refuses to serve them. */
  content(id: string, signal?: AbortSignal): Promise<Response>;
  /** Uploads a local file for fine-tuning and resolves once the provider has processed it. */
  upload(path: string, filename: string, signal?: AbortSignal): Promise<RemoteFile>;
}

/** Fine-tuning jobs, as OpenAI's job objects: statuses mapped onto OpenAI's, the key in `metadata.tunefile_key`. */
export interface ProviderJobs {
  create(request: TrainRequest, signal?: AbortSignal): Promise<FineTuningJob>;
  retrieve(id: string, signal?: AbortSignal): Promise<FineTuningJob>;
  /**
   * The jobs that carry stage key `key`, newest first. A provider without a metadata filter records the key some
   * other way (see its folder) and filters here; the stages verify every job anyway.
   */
  listByKey(key: string, signal?: AbortSignal): AsyncIterable<FineTuningJob>;
  cancel(id: string, signal?: AbortSignal): Promise<FineTuningJob>;
  /** The newest event that reports a training step, for the progress line. */
  latestStepEvent(id: string, signal?: AbortSignal): Promise<FineTuningJobEvent | undefined>;
  /** A succeeded job's metrics as CSV: `step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy`. */
  results(job: FineTuningJob, signal?: AbortSignal): Promise<string>;
}

/** How deployForInference waits and reports. */
export interface DeployOptions {
  signal: AbortSignal;
  /** Polling of a deployment being provisioned: the first delay, grown by half up to the last (the config's `poll`). */
  poll: { interval_ms: number; max_interval_ms: number };
  /** Live detail for the progress line. */
  progress(detail: string): void;
  /** What the user must see at the end of the run: a deployment left running, and the command that removes it. */
  notice(message: string): void;
  /** The trained model's folder (train's `model` output, restored from the cache), for providers that serve one. */
  artifact?: string;
}

/** A fine-tuned model made callable (an Azure deployment): the name to send as `model`, and how to end its use. */
export interface InferenceDeployment {
  /** What inference requests send as `model` (Azure: the deployment name). */
  model: string;
  /** A client of its own (a server started for the model); else the provider's `inference`. */
  client?: OpenAI;
  /**
   * Ends evaluate's use of the deployment: deletes one that tunefile made or found under its own name, unless it is
   * to be kept. Never throws: a deployment left running (kept, or not deleted) is told through `notice`. Called after
   * the predictions, whether they succeeded, failed or were interrupted.
   */
  release(): Promise<void>;
}

export interface Provider {
  identity: ProviderIdentity;
  files: ProviderFiles;
  jobs: ProviderJobs;
  /** An OpenAI-compatible client for evaluate's completions and chat completions. */
  inference: OpenAI;
  /**
   * The base models the provider fine-tunes, with the tokenizer and context length tunefile counts them with:
   * Together's live list (GET /fine-tunes/models/supported), a published table for OpenAI, the local server's own.
   * Empty when the provider publishes none (Azure, Nebius): then nothing is checked.
   */
  models(signal?: AbortSignal): Promise<FineTunableModel[]>;
  /**
   * Where the provider serves a fine-tuned model only once it is deployed (Azure OpenAI), makes `model` callable
   * before evaluate's first request: uses a named deployment, or finds or creates one. Absent where the fine-tuned
   * model's id answers directly. @throws TunefileError naming what is missing, or why the deployment failed.
   */
  deployForInference?(model: string, options: DeployOptions): Promise<InferenceDeployment>;
  /**
   * Where a job's trained model is a folder on this machine (self-hosted trainers): the folder and the files of it
   * that make the model (checkpoints left out). train keeps them as its `model` output, a directory artifact.
   */
  trainedModel?(job: FineTuningJob): { dir: string; files: string[] };
  /** The provider's own price for a job, in USD, where it offers one (Together's estimate-price); else undefined. */
  estimatePrice?(request: TrainRequest, signal?: AbortSignal): Promise<number | undefined>;
  /** Stops what the provider started (the embedded local server). */
  close(): Promise<void>;
}

/** The columns of the result CSV every provider's `results` returns. */
export const RESULTS_HEADER = 'step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n';

const DEFAULT_BASE_URLS: Record<Exclude<ProviderType, 'local'>, string> = {
  openai: 'https://api.openai.com/v1',
  together: 'https://api.together.xyz/v1',
  trainer: 'trainer',
};

/** The default base URL of a remote provider type. */
export function defaultBaseUrl(type: Exclude<ProviderType, 'local'>): string {
  return DEFAULT_BASE_URLS[type];
}

/** `local`, `openai:<base_url>` or `together:<base_url>`: the identity as one string, for journals and caches. */
export function identityString(identity: ProviderIdentity): string {
  return identity.type === 'local' ? 'local' : `${identity.type}:${identity.base_url ?? defaultBaseUrl(identity.type)}`;
}
