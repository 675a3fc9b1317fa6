// Runs `train`: journal -> metadata filter -> (cost guard, create, journal) -> watch -> job and result CSV.
import { constants, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TunefileError } from '../../errors.ts';
import { readJsonArtifact, type FilesArtifact, type JobArtifact } from '../../providers/artifacts.ts';
import { isNotFound } from '../../providers/files.ts';
import { identityString, type FineTuningJob } from '../../providers/types.ts';
import type { RestoreContext, StageContext, StageResult } from '../types.ts';
import { checkCost } from './cost-guard.ts';
import { buildCreateParams, createJob } from './create-job.ts';
import { findExistingJob, jobFailedError } from './find-job.ts';
import type { TrainParams } from './index.ts';
import { warnUnlistedModel } from './listed-model.ts';
import { JobVerifier } from './verify-job.ts';
import { interruptedError, watchJob } from './watch.ts';

/** Finds or creates the key's job, watches it to the end, and writes `job` and `results`. */
export async function run(ctx: StageContext<TrainParams>): Promise<StageResult> {
  const files = readJsonArtifact<FilesArtifact>(ctx.inputs.files!.path, 'files', ['train', 'valid', 'format']);
  const ids = uploadedIds(ctx);
  const provider = await ctx.provider();
  const { jobs } = provider;
  const identity = identityString(provider.identity);
  const request = buildCreateParams(ctx, ids.train, ids.valid);
  const verifier = new JobVerifier(provider.files, { request, hashes: { train: files.train.hash, valid: files.valid.hash } }, ctx.signal);
  let job = ctx.options.force ? undefined : await findExistingJob(ctx, jobs, identity, verifier);
  const adopted = job !== undefined;
  if (!job) {
    await warnUnlistedModel(ctx, provider, request.model);
    await checkCost(ctx, provider.estimatePrice && (() => provider.estimatePrice!(request, ctx.signal)));
    job = await createJob(ctx, jobs, identity, verifier, !ctx.options.force);
  }
  if (ctx.signal.aborted) throw interruptedError(ctx, job.id);
  job = await watchJob(ctx, jobs, job);
  if (job.status !== 'succeeded') {
    ctx.journal.remove(ctx.key);
    throw jobFailedError(ctx.address, job);
  }
  ctx.journal.put({ stageKey: ctx.key, provider: identity, jobId: job.id, status: job.status });
  if (!job.fine_tuned_model) throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: job ${job.id} succeeded without a fine-tuned model name`);
  writeFileSync(ctx.output('job'), JSON.stringify(toJobArtifact(job), null, 2) + '\n');
  writeFileSync(ctx.output('results'), await jobs.results(job, ctx.signal));
  if (provider.trainedModel) copyModel(provider.trainedModel(job), ctx.output('model'));
  return {
    lock: { job_id: job.id, fine_tuned_model: job.fine_tuned_model },
    summary: `${adopted ? 'adopted' : 'created'} ${job.id} -> ${job.fine_tuned_model}${job.trained_tokens ? ` (${job.trained_tokens.toLocaleString('en-US')} trained tokens)` : ''}`,
  };
}

/** Copies a trained model's files (not its checkpoints) into the `model` output folder, which the engine keeps as a tree. */
function copyModel(model: { dir: string; files: string[] }, to: string): void {
  if (model.files.length === 0) throw new TunefileError('TUNEFILE_STAGE_FAILED', `the trainer wrote no model files into ${model.dir}`);
  for (const file of model.files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(model.dir, file), join(to, file), constants.COPYFILE_FICLONE);
  }
}

/** The provider's ids of the files upload made or verified for exactly this content (upload's lock fields). */
function uploadedIds(ctx: StageContext<TrainParams>): { train: string; valid: string } {
  const ids = ctx.inputs.files?.producerLock?.files as Record<string, unknown> | undefined;
  if (typeof ids?.train === 'string' && typeof ids.valid === 'string') return { train: ids.train, valid: ids.valid };
  throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: input 'files' does not name the uploaded files' ids; is it wired to an upload stage?`);
}

/** The `job` artifact: the fields later stages and people need, nothing that changes between polls. */
export function toJobArtifact(job: FineTuningJob): JobArtifact {
  const hyperparameters = (job.method?.supervised?.hyperparameters ?? job.hyperparameters ?? {}) as Record<string, unknown>;
  return {
    job_id: job.id,
    model: job.model,
    fine_tuned_model: job.fine_tuned_model!,
    status: job.status,
    trained_tokens: job.trained_tokens ?? null,
    hyperparameters,
  };
}

/** A cache hit stays valid while the job exists; when the provider cannot be reached, the cached result is kept. */
export async function restore(ctx: RestoreContext<TrainParams>): Promise<'ok' | 'stale'> {
  const jobId = ctx.lock.job_id;
  // A job started for this key after the cached one (a --force run that was interrupted) is resumed, not hidden.
  const pending = ctx.journal.get(ctx.key);
  if (pending && pending.jobId !== jobId && pending.provider === identityString(ctx.providerIdentity)) {
    ctx.warn(`job ${pending.jobId} was started for this stage after the cached ${String(jobId)} (--force); resuming it instead of restoring`);
    return 'stale';
  }
  if (!ctx.needed) return 'ok'; // no stage of this run reads the job: checking would start the provider for nothing
  // A self-hosted model is in the cache itself (`model`): evaluate serves it from there, so the job need not exist.
  if (ctx.outputs.model) return 'ok';
  if (typeof jobId !== 'string') return 'stale';
  try {
    await (await ctx.provider()).jobs.retrieve(jobId, ctx.signal);
    return 'ok';
  } catch (error) {
    if (isNotFound(error)) return 'stale';
    if (ctx.signal.aborted) throw error;
    ctx.warn(`could not check job ${jobId} on the provider (${(error as Error).message}); using the cached result`);
    return 'ok';
  }
}
