// Creating the job: resolve the uploaded files' ids, create with metadata.tunefile_key, journal it at once.
import type OpenAI from 'openai';
import type { FineTuningJob, JobCreateParams } from 'openai/resources/fine-tuning/jobs/jobs';
import { TunefileError } from '../../errors.ts';
import type { FilesArtifact } from '../../providers/artifacts.ts';
import { findRemoteFile } from '../../providers/files.ts';
import type { StageContext } from '../types.ts';
import { findJobByKey } from './find-job.ts';
import type { TrainParams } from './index.ts';

/** The create request for this stage (without file ids). */
export function buildCreateParams(ctx: StageContext<TrainParams>, trainingFile: string, validationFile: string): JobCreateParams {
  const p = ctx.params;
  return {
    model: p.model ?? ctx.model,
    training_file: trainingFile,
    validation_file: validationFile,
    method: {
      type: 'supervised',
      supervised: { hyperparameters: { n_epochs: p.n_epochs, batch_size: p.batch_size, learning_rate_multiplier: p.learning_rate_multiplier } },
    },
    ...(p.seed === undefined ? {} : { seed: p.seed }),
    ...(p.suffix === undefined ? {} : { suffix: p.suffix }),
    metadata: { ...p.metadata, tunefile_key: ctx.key },
  };
}

/** The provider's id of an uploaded split, found by its content-hash file name. */
async function resolveFileId(ctx: StageContext<unknown>, client: OpenAI, files: FilesArtifact, split: 'train' | 'valid'): Promise<string> {
  const file = await findRemoteFile(client, files[split].filename, files[split].bytes, ctx.signal);
  if (file) return file.id;
  throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: the uploaded ${split} file ${files[split].filename} is not on the provider any more`, {
    hint: 'run again: upload checks its files and uploads missing ones',
  });
}

/**
 * Creates the job and journals it before anything else. The create request is never retried blindly:
 * after a failed request the metadata filter is asked whether the job was created anyway.
 */
export async function createJob(ctx: StageContext<TrainParams>, client: OpenAI, identity: string, files: FilesArtifact): Promise<FineTuningJob> {
  const trainingFile = await resolveFileId(ctx, client, files, 'train');
  const validationFile = await resolveFileId(ctx, client, files, 'valid');
  const params = buildCreateParams(ctx, trainingFile, validationFile);
  ctx.progress(`creating a fine-tuning job for ${params.model}`);
  let job: FineTuningJob;
  try {
    job = await client.fineTuning.jobs.create(params, { maxRetries: 0 });
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== undefined && status < 500 && status !== 408 && status !== 429) throw providerRefused(ctx, error);
    const created = await findJobByKey(client, ctx.key).catch(() => undefined);
    if (!created) throw providerRefused(ctx, error);
    job = created;
  }
  ctx.journal.put({ stageKey: ctx.key, provider: identity, jobId: job.id, status: job.status });
  return job;
}

function providerRefused(ctx: StageContext<unknown>, error: unknown): TunefileError {
  return new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: the provider refused to create the job: ${(error as Error).message}`, { cause: error });
}
