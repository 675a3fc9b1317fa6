// Creating the job: create with metadata.tunefile_key, journal it at once, then converge with a concurrent twin.
import { TunefileError } from '../../errors.ts';
import type { FineTuningJob, ProviderJobs } from '../../providers/types.ts';
import type { StageContext } from '../types.ts';
import { convergeOnOlder, listKeyJobs } from './find-job.ts';
import type { TrainParams } from './index.ts';
import type { ExpectedJob, JobVerifier } from './verify-job.ts';

/** The create request for this stage: the uploaded files' ids, base model, hyperparameters, seed, suffix, metadata. */
export function buildCreateParams(ctx: StageContext<TrainParams>, trainingFile: string, validationFile: string): ExpectedJob['request'] {
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
    ...(p.learning_rate === undefined ? {} : { learning_rate: p.learning_rate }),
    ...(p.lora === undefined ? {} : { lora: p.lora }),
    ...(p.n_checkpoints === undefined ? {} : { n_checkpoints: p.n_checkpoints }),
    ...(p.packing === undefined ? {} : { packing: p.packing }),
    ...(p.context_length === undefined ? {} : { context_length: p.context_length }),
    ...(p.extra === undefined ? {} : { extra: p.extra }),
  };
}

/**
 * Creates the job and journals it before anything else. The create request is never retried blindly: after a failed
 * request the key's jobs are listed to see whether it was created anyway. With `converge`, a job created at the same
 * time by another run for the same key (a second clone, a second CI job) is settled: the older one, by `created_at`
 * then id, is kept by both runs, and the newer one cancels its own job (see docs/providers.md for what that costs).
 */
export async function createJob(ctx: StageContext<TrainParams>, jobs: ProviderJobs, identity: string, verifier: JobVerifier, converge: boolean): Promise<FineTuningJob> {
  const params = verifier.expected.request;
  ctx.progress(`creating a fine-tuning job for ${params.model}`);
  let job: FineTuningJob;
  try {
    job = await jobs.create(params, ctx.signal);
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== undefined && status < 500 && status !== 408 && status !== 429) throw providerRefused(ctx, error);
    const found = await listKeyJobs(ctx, jobs, verifier).catch(() => []);
    const created = converge ? found[0] : found.at(-1); // a forced run's job is the newest
    if (!created) throw providerRefused(ctx, error);
    job = created;
  }
  ctx.journal.put({ stageKey: ctx.key, provider: identity, jobId: job.id, status: job.status });
  if (!converge) {
    ctx.kv('forced').set(job.id, true); // a resumed forced job never gives way to the older job it was forced past
    return job;
  }
  return convergeOnOlder(ctx, jobs, identity, verifier, job);
}

function providerRefused(ctx: StageContext<unknown>, error: unknown): TunefileError {
  return new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: the provider refused to create the job: ${(error as Error).message}`, { cause: error });
}
