// Checks a create-job request and builds the job record (status validating_files), OpenAI's rules and messages.
import { didYouMean } from '../errors.ts';
import { parseFineTuneJsonl, LineError, type Dataset } from './dataset.ts';
import type { FileStore } from './file-store.ts';
import { ApiError, badRequest } from './http.ts';
import { readMetadata } from './metadata.ts';
import { newId, unixSeconds } from './ids.ts';
import type { JobRecord } from './job-store.ts';
import { BASE_MODELS, formatModelName } from './model-names.ts';
import { HYPERPARAMETER_RANGES } from '../shared/hyperparameters.ts';
import { resolveHyperparameters, type Requested } from './trainer/hyperparameters.ts';
import { randomInt } from 'node:crypto';

/** Metadata key that makes a job fail at step N (a testing aid). */
export const FAIL_AT_STEP_KEY = 'tunefile_fail_at_step';

const LIMITS = HYPERPARAMETER_RANGES;

/** A checked request: the record to store and the parsed datasets. */
export interface CreatedJob {
  record: Omit<JobRecord, 'seq'>;
  train: Dataset;
  valid?: Dataset;
}

/** Validates a POST /fine_tuning/jobs body; throws 400 naming the field (or the file's bad line). */
export function buildJob(body: Record<string, unknown>, files: FileStore, nowMs: number, defaultFailAtStep?: number, baseModels: readonly string[] = BASE_MODELS): CreatedJob {
  const model = requireString(body, 'model');
  if (!baseModels.includes(model)) {
    const guess = didYouMean(model, baseModels);
    throw badRequest(`Model ${JSON.stringify(model)} is not available for fine-tuning on the local server${guess ? `; did you mean ${JSON.stringify(guess)}?` : ''} Available: ${baseModels.join(', ')}.`, 'model', 'model_not_available');
  }
  const trainingFile = requireString(body, 'training_file');
  const validationFile = body.validation_file === undefined || body.validation_file === null ? null : requireString(body, 'validation_file');
  const train = readDataset(files, trainingFile, 'training_file');
  const valid = validationFile ? readDataset(files, validationFile, 'validation_file') : undefined;
  const hyperparameters = resolveHyperparameters(readHyperparameters(body), train.examples.length);
  const seed = readSeed(body.seed);
  const suffix = readSuffix(body.suffix);
  const metadata = readMetadata(body.metadata);
  if (Array.isArray(body.integrations) && body.integrations.length > 0) throw badRequest('integrations are not supported by the local server', 'integrations');
  const id = newId('ftjob-');
  const failAt = metadata?.[FAIL_AT_STEP_KEY] !== undefined ? Number(metadata[FAIL_AT_STEP_KEY]) : defaultFailAtStep;
  const record: Omit<JobRecord, 'seq'> = {
    job: {
      object: 'fine_tuning.job',
      id,
      model,
      created_at: unixSeconds(nowMs),
      finished_at: null,
      fine_tuned_model: null,
      organization_id: 'org-local',
      result_files: [],
      status: 'validating_files',
      validation_file: validationFile,
      training_file: trainingFile,
      hyperparameters,
      trained_tokens: null,
      error: null,
      user_provided_suffix: suffix,
      seed,
      estimated_finish: null,
      integrations: [],
      metadata,
      method: { type: 'supervised', supervised: { hyperparameters } },
    },
    modelName: formatModelName(model, suffix, id),
    checkpoints: [],
    ...(failAt !== undefined && Number.isInteger(failAt) && failAt > 0 ? { failAtStep: failAt } : {}),
  };
  return { record, train, ...(valid ? { valid } : {}) };
}

/** Parses an uploaded file as fine-tune JSONL; a bad line is a 400 that names the file and the line. */
export function readDataset(files: FileStore, fileId: string, param: string): Dataset {
  let file;
  try {
    file = files.get(fileId, param);
  } catch {
    throw badRequest(`${param}: no such file ${JSON.stringify(fileId)}; upload it first with purpose "fine-tune"`, param, 'invalid_file_id');
  }
  if (file.purpose !== 'fine-tune') throw badRequest(`${param}: file ${fileId} has purpose ${JSON.stringify(file.purpose)}; fine-tuning needs purpose "fine-tune"`, param, 'invalid_file_purpose');
  try {
    return parseFineTuneJsonl(files.read(fileId).toString('utf8'));
  } catch (error) {
    if (!(error instanceof LineError)) throw error;
    throw badRequest(`${param} ${fileId} (${file.filename}) ${error.message}`, param, `invalid_${param}`);
  }
}

function requireString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw badRequest(`${key} is required and must be a non-empty string`, key, value === undefined ? 'missing_required_parameter' : 'invalid_type');
  return value;
}

/** Hyperparameters from `method.supervised.hyperparameters`, else the deprecated top-level `hyperparameters`. */
function readHyperparameters(body: Record<string, unknown>): Requested {
  const method = body.method as { type?: unknown; supervised?: { hyperparameters?: unknown } } | undefined;
  if (method !== undefined && (method === null || typeof method !== 'object')) throw badRequest('method must be an object', 'method');
  if (method && method.type !== undefined && method.type !== 'supervised') {
    throw badRequest(`method.type ${JSON.stringify(method.type)} is not supported by the local server; use "supervised"`, 'method.type');
  }
  const fromMethod = method?.supervised?.hyperparameters;
  const raw = (fromMethod ?? body.hyperparameters ?? {}) as Record<string, unknown>;
  const param = fromMethod ? 'method.supervised.hyperparameters' : 'hyperparameters';
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw badRequest(`${param} must be an object`, param);
  const out: Requested = {};
  for (const key of Object.keys(raw)) {
    if (!(key in LIMITS)) throw badRequest(`${param}.${key} is not a supported hyperparameter (n_epochs, batch_size, learning_rate_multiplier)`, `${param}.${key}`);
    const name = key as keyof typeof LIMITS;
    const value = raw[key];
    if (value === 'auto' || value === undefined) continue;
    const [min, max] = LIMITS[name];
    const isInt = name !== 'learning_rate_multiplier';
    if (typeof value !== 'number' || !Number.isFinite(value) || (isInt && !Number.isInteger(value)) || value < min || value > max || (!isInt && value === 0)) {
      throw badRequest(`${param}.${key} must be "auto" or ${isInt ? 'an integer' : 'a number'} ${isInt ? `from ${min}` : `above ${min}`} to ${max} (got ${JSON.stringify(value)})`, `${param}.${key}`);
    }
    out[name] = value;
  }
  return out;
}

function readSeed(value: unknown): number {
  if (value === undefined || value === null) return randomInt(0, 2 ** 31 - 1);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 2 ** 31 - 1) throw badRequest(`seed must be an integer from 0 to 2147483647 (got ${JSON.stringify(value)})`, 'seed');
  return value;
}

function readSuffix(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > 64 || /[:\s]/.test(value)) {
    throw badRequest('suffix must be a string of up to 64 characters without ":" or spaces', 'suffix');
  }
  return value;
}
