// Finding the job a stage already started: the journal (state.db), the committed lock file, then the key's metadata.
import { TunefileError } from '../../errors.ts';
import { isNotFound } from '../../providers/files.ts';
import type { FineTuningJob, ProviderJobs } from '../../providers/types.ts';
import type { StageContext } from '../types.ts';
import type { JobVerifier } from './verify-job.ts';

/** Statuses a job never leaves. */
export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** True for a job that ended without a model. */
export function isDead(job: FineTuningJob): boolean {
  return job.status === 'failed' || job.status === 'cancelled';
}

/** The error for a failed or cancelled job: the provider's message, and that a rerun starts a new job. */
export function jobFailedError(address: string, job: FineTuningJob): TunefileError {
  const why = job.status === 'cancelled' ? 'was cancelled' : `failed: ${job.error?.message ?? 'the provider gave no reason'}`;
  return new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: fine-tuning job ${job.id} ${why}`, {
    hint: 'nothing was cached; a rerun starts a new job',
  });
}


/**
 * The job this stage already started, or undefined when a new one is needed. In order:
 * - the journal (state.db), which only this project writes: a journalled job that failed or was cancelled fails the
 *   stage (and leaves the journal), so the next run starts afresh;
 * - the job the committed lock file names for this stage, once verified (a colleague's clone, a changed guard);
 * - the jobs carrying this key in their metadata, once verified: succeeded first, then the oldest alive.
 * A job that carries the key but does not match is named in a warning and never adopted.
 */
export async function findExistingJob(ctx: StageContext<unknown>, jobs: ProviderJobs, identity: string, verifier: JobVerifier): Promise<FineTuningJob | undefined> {
  const entry = ctx.journal.get(ctx.key);
  if (entry && entry.provider === identity) {
    try {
      const job = await jobs.retrieve(entry.jobId, ctx.signal);
      if (isDead(job)) {
        ctx.journal.remove(ctx.key);
        throw jobFailedError(ctx.address, job);
      }
      ctx.progress(`resuming job ${job.id} (${job.status})`);
      // A run killed between creating its job and settling with a concurrent twin settles now, even when both jobs have
      // ended meanwhile, so that both runs record the same model (a --force job never gives way).
      if (ctx.kv('forced').get(job.id)) return job;
      return await convergeOnOlder(ctx, jobs, identity, verifier, job);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      ctx.warn(`journalled job ${entry.jobId} is not on the provider any more; looking for the key's job by metadata`);
      ctx.journal.remove(ctx.key);
    }
  }
  const adopted = (await findLockedJob(ctx, jobs, verifier)) ?? pickAdoptable(await listKeyJobs(ctx, jobs, verifier));
  if (adopted) {
    ctx.journal.put({ stageKey: ctx.key, provider: identity, jobId: adopted.job.id, status: adopted.job.status });
    ctx.progress(`adopting job ${adopted.job.id} (${adopted.job.status}) ${adopted.how}`);
  }
  return adopted?.job;
}

/** The job the lock file recorded for this stage (under any key), when it is alive or succeeded and matches. */
async function findLockedJob(ctx: StageContext<unknown>, jobs: ProviderJobs, verifier: JobVerifier): Promise<{ job: FineTuningJob; how: string } | undefined> {
  const id = ctx.previous?.job_id;
  if (typeof id !== 'string') return undefined;
  let job: FineTuningJob;
  try {
    job = await jobs.retrieve(id, ctx.signal);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
  if (isDead(job)) return undefined;
  const why = await verifier.mismatch(job);
  if (why === undefined) return { job, how: 'recorded in the lock file' };
  if (job.metadata?.tunefile_key === ctx.key) ctx.warn(`the lock file names job ${job.id}, but it is not this stage's job (${why}); not adopted`);
  return undefined;
}

/** Succeeded first (no waiting), then the oldest alive: of jobs sorted oldest first. */
function pickAdoptable(jobs: FineTuningJob[]): { job: FineTuningJob; how: string } | undefined {
  const job = jobs.find((j) => j.status === 'succeeded') ?? jobs[0];
  return job ? { job, how: 'found by its tunefile_key and verified' } : undefined;
}

/**
 * Settles a race between runs that each created a job for the same key (a second clone, a second CI job): the
 * older job, by `created_at` then id, is kept by both. When another run's verified job is older than `job`, this
 * run cancels its own (if it has not ended) and adopts the older one; otherwise `job` is kept.
 */
export async function convergeOnOlder(ctx: StageContext<unknown>, api: ProviderJobs, identity: string, verifier: JobVerifier, job: FineTuningJob): Promise<FineTuningJob> {
  const jobs = await listKeyJobs(ctx, api, verifier);
  const mine = jobs.findIndex((other) => other.id === job.id);
  // Not listed yet (a provider whose list lags): only a job created in an earlier second is known to be older.
  const older = mine >= 0 ? jobs[0] : jobs.find((other) => other.created_at < job.created_at);
  if (!older || older.id === job.id) return job;
  if (!TERMINAL.has(job.status)) await cancelOwn(ctx, api, job);
  ctx.warn(`another run created job ${older.id} for this key first; cancelled this run's job ${job.id} and adopting ${older.id}`);
  ctx.journal.put({ stageKey: ctx.key, provider: identity, jobId: older.id, status: older.status });
  return older;
}

/** Cancels the job this run created; a failure to cancel is reported, never hidden. */
async function cancelOwn(ctx: StageContext<unknown>, jobs: ProviderJobs, job: FineTuningJob): Promise<void> {
  try {
    await jobs.cancel(job.id, ctx.signal);
  } catch (error) {
    ctx.warn(`could not cancel duplicate job ${job.id} (${(error as Error).message}); cancel it on the provider to stop paying for it`);
  }
}

/**
 * The provider's jobs with metadata tunefile_key = this stage's key that are alive or succeeded and match what this
 * stage would create, oldest first. Each one that carries the key but does not match is named in a warning (once).
 *
 * Oldest first means by `created_at`, then, for jobs created in the same second, by the provider's own list order
 * (newest first, its creation order). Ids are random, so ordering ties by id could name as older a job that was
 * created later, by a run this one never saw: both runs would then keep their own job.
 */
export async function listKeyJobs(ctx: StageContext<unknown>, jobs: ProviderJobs, verifier: JobVerifier): Promise<FineTuningJob[]> {
  const matching: FineTuningJob[] = [];
  for await (const job of jobs.listByKey(ctx.key, ctx.signal)) {
    if (job.metadata?.tunefile_key !== ctx.key || isDead(job)) continue;
    const why = await verifier.mismatch(job);
    if (why === undefined) matching.push(job);
    else if (verifier.firstWarning(job.id)) ctx.warn(`job ${job.id} carries this stage's tunefile_key but is not its job (${why}); not adopted`);
  }
  const listed = new Map(matching.map((job, i) => [job.id, i]));
  return matching.sort((a, b) => a.created_at - b.created_at || listed.get(b.id)! - listed.get(a.id)!);
}
