// The JSON artifacts the remote stages hand each other (upload -> train -> evaluate), with checked readers.
import { readFileSync } from 'node:fs';
import { TunefileError } from '../errors.ts';
import type { Conversion } from '../tokens/format.ts';
import type { FineTuneFormat } from '../tokens/model-format.ts';

/** One converted, uploaded split. Ids are not part of it: see FilesArtifact. */
export interface UploadedFile {
  /** sha256 of the converted JSONL bytes that were uploaded. */
  hash: string;
  bytes: number;
  rows: number;
  /** Remote file name (`tunefile-<hash>.jsonl`), by which train finds the file id. */
  filename: string;
}

/**
 * upload's `files` output. It names the uploaded content, not the provider's file ids, so a file that
 * is deleted remotely and uploaded again (new id, same bytes) leaves train's key, and its job, unchanged.
 * The ids are in the lock file entry of upload.
 */
export interface FilesArtifact extends Conversion {
  format: FineTuneFormat;
  train: UploadedFile;
  valid: UploadedFile;
}

/** train's `job` output. */
export interface JobArtifact {
  job_id: string;
  model: string;
  fine_tuned_model: string;
  status: string;
  trained_tokens: number | null;
  hyperparameters: Record<string, unknown>;
}

/** Reads a JSON artifact, failing with the artifact's name when it is not an object with `fields`. */
export function readJsonArtifact<T>(path: string, name: string, fields: string[]): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `input '${name}' is not valid JSON (${(error as Error).message})`);
  }
  const missing = value !== null && typeof value === 'object' ? fields.filter((f) => !(f in value)) : fields;
  if (missing.length > 0) {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `input '${name}' lacks ${missing.join(', ')}; is it wired to the right stage's output?`);
  }
  return value as T;
}
