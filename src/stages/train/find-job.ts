// Finding the job a stage key already started: first the journal (state.db), then the provider's metadata filter.
import type OpenAI from 'openai';
import type { FineTuningJob } from 'openai/resources/fine-tuning/jobs/jobs';
import { TunefileError } from '../../errors.ts';
import { isNotFound } from '../../providers/files.ts';
import type { StageContext } from '../types.ts';

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
 * The job this key already started, or undefined when a new one is needed.
 * A journalled job that failed or was cancelled fails the stage (and leaves the journal), so the
 * next run starts afresh. A job found through the metadata filter is adopted only while it is alive
 * or succeeded.
 */
export async function findExistingJob(ctx: StageContext<unknown>, client: OpenAI, identity: string): Promise<FineTuningJob | undefined> {
  const entry = ctx.journal.get(ctx.key);
  if (entry && entry.provider === identity) {
    try {
      const job = await client.fineTuning.jobs.retrieve(entry.jobId, { signal: ctx.signal });
      if (isDead(job)) {
        ctx.journal.remove(ctx.key);
        throw jobFailedError(ctx.address, job);
      }
      ctx.progress(`resuming job ${job.id} (${job.status})`);
      return job;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      ctx.warn(`journalled job ${entry.jobId} is not on the provider any more; looking for the key's job by metadata`);
      ctx.journal.remove(ctx.key);
    }
  }
  const adopted = await findJobByKey(client, ctx.key, ctx.signal);
  if (adopted) {
    ctx.journal.put({ stageKey: ctx.key, provider: identity, jobId: adopted.id, status: adopted.status });
    ctx.progress(`adopting job ${adopted.id} (${adopted.status}) found by its tunefile_key`);
  }
  return adopted;
}

/** The provider's job with metadata tunefile_key = key that is not failed or cancelled; succeeded ones first, then the newest. */
export async function findJobByKey(client: OpenAI, key: string, signal?: AbortSignal): Promise<FineTuningJob | undefined> {
  let alive: FineTuningJob | undefined;
  for await (const job of client.fineTuning.jobs.list({ metadata: { tunefile_key: key }, limit: 100 }, { signal })) {
    if (job.metadata?.tunefile_key !== key || isDead(job)) continue;
    if (job.status === 'succeeded') return job;
    alive ??= job;
  }
  return alive;
}
