// Watching a job to the end: polls with backoff, streams status/step/loss/ETA, and leaves the job running on Ctrl-C.
import { setTimeout as sleep } from 'node:timers/promises';
import { TunefileError } from '../../errors.ts';
import type { FineTuningJob, FineTuningJobEvent, ProviderJobs } from '../../providers/types.ts';
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
  const data = (event?.data ?? {}) as { step?: number; total_steps?: number; train_loss?: number; epoch?: number };
  const fromMessage = event ? /Step (\d+)\/(\d+)/.exec(event.message) : null;
  const step = data.step ?? (fromMessage ? Number(fromMessage[1]) : undefined);
  const total = data.total_steps ?? (fromMessage ? Number(fromMessage[2]) : undefined);
  if (step !== undefined) parts.push(`step ${step}${total ? `/${total}` : ''}`);
  if (typeof data.train_loss === 'number') parts.push(`loss ${data.train_loss.toFixed(4)}`);
  // A self-hosted trainer's log says the epoch (HF's fractional epoch).
  if (typeof data.epoch === 'number') parts.push(`epoch ${Number(data.epoch.toFixed(2))}`);
  // Paused by someone at the provider (OpenAI's pause): not an end, so the watch goes on until it is resumed or cancelled.
  if ((job.status as string) === 'paused') parts.push(`paused at the provider: resume it there (POST /fine_tuning/jobs/${job.id}/resume) or cancel it; tunefile keeps watching`);
  if (job.estimated_finish) parts.push(`estimated finish ${new Date(job.estimated_finish * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })}`);
  return parts.join(' · ');
}

/** Polls until the job succeeds, fails or is cancelled; throws the interrupt error on Ctrl-C. */
export async function watchJob(ctx: StageContext<unknown>, jobs: ProviderJobs, start: FineTuningJob): Promise<FineTuningJob> {
  const { first, max } = getPollDelays(ctx);
  let job = start;
  let delay = first;
  let failures = 0;
  ctx.progress(formatProgress(job, undefined));
  while (!TERMINAL.has(job.status)) {
    await sleep(delay, undefined, { signal: ctx.signal }).catch(() => {
      throw interruptedError(ctx, job.id);
    });
    try {
      job = await jobs.retrieve(job.id, ctx.signal);
      ctx.progress(formatProgress(job, await jobs.latestStepEvent(job.id, ctx.signal)));
      failures = 0;
    } catch (error) {
      if (ctx.signal.aborted) throw interruptedError(ctx, job.id);
      // A poll is only a read: a dropped connection, a cut or garbled body, a 5xx or a 429 is retried at the next poll.
      failures += 1;
      if (!isTransient(error) || failures >= MAX_POLL_FAILURES) throw lostContactError(ctx, job.id, error);
      ctx.progress(`${job.id}: polling failed (${(error as Error).message}); retrying`);
    }
    delay = Math.min(max, Math.round(delay * 1.5));
  }
  return job;
}

/** Consecutive failed polls before the stage gives up watching (the job itself keeps running). */
const MAX_POLL_FAILURES = 5;

/** Network errors, bodies cut or garbled in transit (no HTTP status), 408, 429 and 5xx. */
function isTransient(error: unknown): boolean {
  const status = (error as { status?: unknown }).status;
  return typeof status !== 'number' || status >= 500 || status === 408 || status === 429;
}

function lostContactError(ctx: StageContext<unknown>, jobId: string, error: unknown): TunefileError {
  const why = error instanceof Error ? error.message : String(error);
  return new TunefileError('TUNEFILE_PROVIDER', `${ctx.address}: lost contact with the provider while watching job ${jobId}: ${why}`, {
    cause: error,
    hint: 'the job keeps running on the provider; rerun to resume watching it',
  });
}
