// Watching a job to the end: polls with backoff, streams status/step/loss/ETA, and leaves the job running on Ctrl-C.
import { setTimeout as sleep } from 'node:timers/promises';
import type OpenAI from 'openai';
import type { FineTuningJob, FineTuningJobEvent } from 'openai/resources/fine-tuning/jobs/jobs';
import { TunefileError } from '../../errors.ts';
import type { StageContext } from '../types.ts';
import { TERMINAL } from './find-job.ts';

/** Poll delays: start at `interval_ms`, grow by half each poll up to `max_interval_ms`. The local provider polls faster. */
export function getPollDelays(ctx: Pick<StageContext, 'config' | 'providerIdentity'>): { first: number; max: number } {
  const { interval_ms, max_interval_ms } = ctx.config.poll;
  const local = ctx.providerIdentity.type === 'local';
  const first = local ? Math.min(interval_ms, 200) : interval_ms;
  return { first, max: Math.max(first, local ? Math.min(max_interval_ms, 2000) : max_interval_ms) };
}

/** The Ctrl-C error: the job keeps its id and is not cancelled. */
export function interruptedError(ctx: Pick<StageContext, 'providerIdentity'>, jobId: string): TunefileError {
  const message = ctx.providerIdentity.type === 'local'
    ? `job ${jobId} keeps running; rerun to resume watching it (the local server stops with this run and resumes the job on the next run)`
    : `job ${jobId} keeps running; rerun to resume watching it`;
  return new TunefileError('TUNEFILE_INTERRUPTED', message);
}

/** One progress line: status, step/total, loss and estimated finish. */
export function formatProgress(job: FineTuningJob, event: FineTuningJobEvent | undefined): string {
  const parts = [`${job.id} ${job.status}`];
  const data = (event?.data ?? {}) as { step?: number; total_steps?: number; train_loss?: number };
  const fromMessage = event ? /Step (\d+)\/(\d+)/.exec(event.message) : null;
  const step = data.step ?? (fromMessage ? Number(fromMessage[1]) : undefined);
  const total = data.total_steps ?? (fromMessage ? Number(fromMessage[2]) : undefined);
  if (step !== undefined) parts.push(`step ${step}${total ? `/${total}` : ''}`);
  if (typeof data.train_loss === 'number') parts.push(`loss ${data.train_loss.toFixed(4)}`);
  if (job.estimated_finish) parts.push(`estimated finish ${new Date(job.estimated_finish * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`);
  return parts.join(' · ');
}

/** Polls until the job succeeds, fails or is cancelled; throws the interrupt error on Ctrl-C. */
export async function watchJob(ctx: StageContext<unknown>, client: OpenAI, start: FineTuningJob): Promise<FineTuningJob> {
  const { first, max } = getPollDelays(ctx);
  let job = start;
  let delay = first;
  ctx.progress(formatProgress(job, undefined));
  while (!TERMINAL.has(job.status)) {
    await sleep(delay, undefined, { signal: ctx.signal }).catch(() => {
      throw interruptedError(ctx, job.id);
    });
    try {
      job = await client.fineTuning.jobs.retrieve(job.id, { signal: ctx.signal });
      ctx.progress(formatProgress(job, await latestStepEvent(client, job.id, ctx.signal)));
    } catch (error) {
      if (ctx.signal.aborted) throw interruptedError(ctx, job.id);
      throw error;
    }
    delay = Math.min(max, Math.round(delay * 1.5));
  }
  return job;
}

async function latestStepEvent(client: OpenAI, jobId: string, signal: AbortSignal): Promise<FineTuningJobEvent | undefined> {
  const page = await client.fineTuning.jobs.listEvents(jobId, { limit: 10 }, { signal });
  return page.data.find((e) => e.type === 'metrics' || /Step \d+\/\d+/.test(e.message));
}
