// Creating the job: create with metadata.tunefile_key, journal it at once, then converge with a concurrent twin.
import type OpenAI from 'openai';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { TunefileError } from '../../errors.ts';
import type { StageContext } from '../types.ts';
import { byAge, listKeyJobs, TERMINAL } from './find-job.ts';
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
  };
}

/**
 * Creates the job and journals it before anything else. The create request is never retried blindly: after a failed
 * request the key's jobs are listed to see whether it was created anyway. With `converge`, a job created at the same
 * time by another run for the same key (a second clone, a second CI job) is settled: the older one, by `created_at`
 * then id, is kept by both runs, and the newer one cancels its own job (see docs/providers.md for what that costs).
 */
export async function createJob(ctx: StageContext<TrainParams>, client: OpenAI, identity: string, verifier: JobVerifier, converge: boolean): Promise<FineTuningJob> {
  const params = verifier.expected.request;
  ctx.progress(`creating a fine-tuning job for ${params.model}`);
  let job: FineTuningJob;
  try {
    job = await client.fineTuning.jobs.create(params, { maxRetries: 0 });
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== undefined && status < 500 && status !== 408 && status !== 429) throw providerRefused(ctx, error);
    const found = await listKeyJobs(ctx, client, verifier).catch(() => []);
    const created = converge ? found[0] : found.at(-1); // a forced run's job is the newest
    if (!created) throw providerRefused(ctx, error);
    job = created;
  }
  ctx.journal.put({ stageKey: ctx.key, provider: identity, jobId: job.id, status: job.status });
  if (!converge) return job;
  const older = (await listKeyJobs(ctx, client, verifier)).find((other) => other.id !== job.id && byAge(other, job) < 0);
  if (!older) return job;
  if (!TERMINAL.has(job.status)) await cancelOwn(ctx, client, job);
  ctx.warn(`another run created job ${older.id} for this key first; cancelled this run's job ${job.id} and adopting ${older.id}`);
  ctx.journal.put({ stageKey: ctx.key, provider: identity, jobId: older.id, status: older.status });
  return older;
}

/** Cancels the job this run just created; a failure to cancel is reported, never hidden. */
async function cancelOwn(ctx: StageContext<unknown>, client: OpenAI, job: FineTuningJob): Promise<void> {
  try {
    await client.fineTuning.jobs.cancel(job.id, { signal: ctx.signal });
  } catch (error) {
    ctx.warn(`could not cancel duplicate job ${job.id} (${(error as Error).message}); cancel it on the provider to stop paying for it`);
  }
}

function providerRefused(ctx: StageContext<unknown>, error: unknown): TunefileError {
  return new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: the provider refused to create the job: ${(error as Error).message}`, { cause: error });
}
