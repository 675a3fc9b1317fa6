// Runs fine-tuning jobs: validation, a queue, one worker thread per job, progress events, cancel, pause and resume
// (by the user, or after a restart).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import { dropAllCheckpoints, dropOlderCheckpoints } from './checkpoint-files.ts';
import { checkClassification, type Dataset } from './dataset.ts';
import type { EventStore } from './event-store.ts';
import type { FileStore } from './file-store.ts';
import { writeJsonAtomic } from './json-records.ts';
import type { HoldPoint } from './hold.ts';
import { ApiError } from './http.ts';
import { newId, unixSeconds } from './ids.ts';
import { buildJob, readDataset } from './job-create.ts';
import { TERMINAL, type FineTuningJob, type JobRecord, type JobStore } from './job-store.ts';
import { formatCheckpointName } from './model-names.ts';
import type { StepMetrics, TrainJobSpec, WorkerMessage } from './trainer/protocol.ts';

export interface RunnerOptions {
  stepDelayMs: number;
  failAtStep?: number;
  maxConcurrentJobs: number;
  /** Testing aid (TUNEFILE_LOCAL_HOLD): jobs wait before this step until the release file exists. */
  hold?: HoldPoint;
  log: (line: string) => void;
  /** The wall clock in ms. */
  now: () => number;
}

interface ActiveJob {
  worker: Worker;
  finished: boolean;
  totalSteps: number;
  startStep: number;
  startedMs: number;
}

const WORKER_URL = new URL(`./trainer/worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** The id of a job's result file: derived from the job id, so a resumed job rewrites the same file. */
function resultFileId(jobId: string): string {
  return `file-${createHash('sha256').update(`results:${jobId}`).digest('base64url').replace(/[-_]/g, '').slice(0, 24)}`;
}

/** Owns the life of every job from creation to a terminal status. */
export class JobRunner {
  private readonly jobs: JobStore;
  private readonly files: FileStore;
  private readonly events: EventStore;
  private readonly options: RunnerOptions;
  private readonly queue: string[] = [];
  private readonly active = new Map<string, ActiveJob>();
  private closing = false;
  /** Jobs a user resumed after a pause, whose next start says so (and not "after a server restart"). */
  private readonly resumedByUser = new Set<string>();

  constructor(jobs: JobStore, files: FileStore, events: EventStore, options: RunnerOptions) {
    this.jobs = jobs;
    this.files = files;
    this.events = events;
    this.options = options;
  }

  /** The wall clock in whole Unix seconds. */
  private seconds(): number {
    return unixSeconds(this.options.now());
  }

  /** Picks up every job a previous server left unfinished: validating jobs are revalidated, queued and running ones rerun; paused ones stay paused. */
  resumeUnfinished(): void {
    const unfinished = this.jobs.list().reverse().filter((r) => !TERMINAL.has(r.job.status) && r.job.status !== 'paused');
    for (const record of unfinished.filter((r) => r.job.status === 'running')) this.queue.push(record.job.id);
    for (const record of unfinished.filter((r) => r.job.status === 'queued')) this.queue.push(record.job.id);
    for (const record of unfinished.filter((r) => r.job.status === 'validating_files')) setImmediate(() => this.validate(record));
    if (unfinished.length > 0) this.options.log(`resuming ${unfinished.length} unfinished job(s): ${unfinished.map((r) => r.job.id).join(', ')}`);
    this.pump();
  }

  /** Creates a job from an OpenAI request body; bad requests and bad lines throw 400 before anything is stored. */
  create(body: Record<string, unknown>, baseModels?: readonly string[]): FineTuningJob {
    if (this.closing) throw new ApiError(503, 'the local server is shutting down');
    const { record: draft, train, valid } = buildJob(body, this.files, this.options.now(), this.options.failAtStep, baseModels);
    const record = this.jobs.add(draft);
    const { job } = record;
    this.events.add(job.id, `Created fine-tuning job: ${job.id}`);
    this.events.add(job.id, `Validating training file: ${job.training_file}${job.validation_file ? ` and validation file: ${job.validation_file}` : ''}`);
    setImmediate(() => this.validate(record, train, valid));
    return job;
  }

  /** Cancels a job that has not finished (a paused one too); 409 when it has. */
  cancel(id: string): FineTuningJob {
    const record = this.jobs.get(id);
    if (TERMINAL.has(record.job.status)) {
      throw new ApiError(409, `Job ${id} has already finished with status ${record.job.status}; only a running or queued job can be cancelled`, { code: 'job_already_finished' });
    }
    this.stop(id);
    delete record.pausedFrom;
    Object.assign(record.job, { status: 'cancelled', finished_at: this.seconds(), estimated_finish: null });
    this.events.add(id, 'Fine-tuning job cancelled');
    this.jobs.save(record);
    this.options.log(`job ${id} cancelled`);
    this.pump();
    return record.job;
  }

  /**
   * Pauses a queued or running job: its worker stops and its checkpoints stay, so resume carries on from the last
   * one. OpenAI's API passes through `pausing`; here the worker stops at once, so the job is `paused` on return.
   */
  pause(id: string): FineTuningJob {
    const record = this.jobs.get(id);
    const { status } = record.job;
    if (status !== 'queued' && status !== 'running') {
      const why = status === 'paused' ? 'is already paused' : TERMINAL.has(status) ? `has already finished with status ${status}` : `is ${status}`;
      throw new ApiError(409, `Job ${id} ${why}; only a running or queued job can be paused`, { code: TERMINAL.has(status) ? 'job_already_finished' : 'invalid_job_status' });
    }
    this.stop(id);
    record.pausedFrom = status;
    Object.assign(record.job, { status: 'paused', estimated_finish: null });
    this.events.add(id, 'Fine-tuning job paused');
    this.jobs.save(record);
    this.options.log(`job ${id} paused`);
    this.pump();
    return record.job;
  }

  /** Resumes a paused job where it stopped (from its last checkpoint when it had started); 409 when it is not paused. */
  resume(id: string): FineTuningJob {
    if (this.closing) throw new ApiError(503, 'the local server is shutting down');
    const record = this.jobs.get(id);
    if (record.job.status !== 'paused') {
      throw new ApiError(409, `Job ${id} is not paused (its status is ${record.job.status}); only a paused job can be resumed`, { code: 'invalid_job_status' });
    }
    record.job.status = record.pausedFrom ?? 'queued';
    delete record.pausedFrom;
    this.events.add(id, 'Fine-tuning job resumed');
    this.jobs.save(record);
    this.options.log(`job ${id} resumed`);
    if (record.job.status === 'running') this.resumedByUser.add(id);
    this.queue.push(id);
    this.pump();
    return record.job;
  }

  /** Stops a job's worker, if it has one, and takes it off the queue. */
  private stop(id: string): void {
    const active = this.active.get(id);
    if (active) {
      active.finished = true;
      void active.worker.terminate().then(() => this.options.log(`job ${id}: training worker stopped`));
      this.active.delete(id);
    }
    const at = this.queue.indexOf(id);
    if (at >= 0) this.queue.splice(at, 1);
  }

  /** Stops every worker; unfinished jobs stay queued or running on disk and resume on the next start. */
  async close(): Promise<void> {
    this.closing = true;
    const workers = [...this.active.values()];
    this.active.clear();
    for (const a of workers) a.finished = true;
    await Promise.all(workers.map((a) => a.worker.terminate()));
  }

  private validate(record: JobRecord, train?: Dataset, valid?: Dataset): void {
    if (this.closing || record.job.status !== 'validating_files') return;
    const { job } = record;
    let problem: string | undefined;
    try {
      train ??= readDataset(this.files, job.training_file, 'training_file');
      if (job.validation_file) valid ??= readDataset(this.files, job.validation_file, 'validation_file');
      problem = checkClassification(train, valid);
    } catch (error) {
      problem = (error as Error).message;
    }
    if (problem) return this.fail(record, 'invalid_training_file', problem, 'training_file');
    job.status = 'queued';
    this.jobs.save(record);
    this.events.add(job.id, 'Files validated, moving job to queued state');
    this.queue.push(job.id);
    this.pump();
  }

  private fail(record: JobRecord, code: string, message: string, param: string | null = null): void {
    Object.assign(record.job, { status: 'failed', finished_at: this.seconds(), estimated_finish: null, error: { code, message, param } });
    this.jobs.save(record);
    this.events.add(record.job.id, `The job failed: ${message}`, { level: 'error' });
    this.options.log(`job ${record.job.id} failed: ${message}`);
  }

  private pump(): void {
    while (!this.closing && this.active.size < this.options.maxConcurrentJobs && this.queue.length > 0) {
      const record = this.jobs.find(this.queue.shift()!);
      if (record && (record.job.status === 'queued' || record.job.status === 'running')) this.startWorker(record);
    }
  }

  /** The last checkpoint whose file is on disk (later records without files are dropped). */
  private lastCheckpoint(record: JobRecord): { step: number; path: string } | undefined {
    const dir = this.jobs.jobDir(record.job.id);
    while (record.checkpoints.length > 0) {
      const last = record.checkpoints.at(-1)!;
      const path = join(dir, last.file);
      if (existsSync(path)) return { step: last.checkpoint.step_number, path };
      record.checkpoints.pop();
    }
    return undefined;
  }

  private startWorker(record: JobRecord): void {
    const { job } = record;
    const resuming = job.status === 'running';
    const checkpoint = this.lastCheckpoint(record);
    if (resuming) {
      const why = this.resumedByUser.delete(job.id) ? 'after a pause' : 'after a server restart';
      this.events.truncateMetricsAfter(job.id, checkpoint?.step ?? 0);
      this.events.add(job.id, checkpoint ? `Resuming fine-tuning job from the checkpoint at step ${checkpoint.step} ${why}` : `Restarting fine-tuning job from the start ${why}`);
    } else {
      job.status = 'running';
      this.events.add(job.id, 'Fine-tuning job started');
    }
    this.jobs.save(record);
    const spec: TrainJobSpec = {
      jobId: job.id,
      baseModel: job.model,
      trainPath: this.files.contentPath(job.training_file),
      ...(job.validation_file ? { validPath: this.files.contentPath(job.validation_file) } : {}),
      hyperparameters: job.hyperparameters,
      seed: job.seed,
      jobDir: this.jobs.jobDir(job.id),
      ...(checkpoint ? { resumeFrom: checkpoint.path } : {}),
      stepDelayMs: this.options.stepDelayMs,
      ...(record.failAtStep !== undefined ? { failAtStep: record.failAtStep } : {}),
      ...(this.options.hold ? { hold: this.options.hold } : {}),
    };
    const worker = new Worker(WORKER_URL, { workerData: spec });
    const active: ActiveJob = { worker, finished: false, totalSteps: 0, startStep: 0, startedMs: this.options.now() };
    this.active.set(job.id, active);
    this.options.log(`job ${job.id} ${resuming ? 'resumed' : 'started'}`);
    worker.on('message', (message: WorkerMessage) => {
      if (!active.finished) this.onMessage(record, active, message);
    });
    worker.on('error', (error: Error) => this.finish(record, active, () => this.fail(record, 'training_error', `the training worker crashed: ${error.message}`)));
    worker.on('exit', () => this.finish(record, active, () => this.fail(record, 'training_error', 'the training worker stopped before the job finished')));
  }

  /** Marks a worker finished once, runs `then` if it was still running, and starts the next job. */
  private finish(record: JobRecord, active: ActiveJob, then: () => void): void {
    if (active.finished) return;
    active.finished = true;
    if (this.active.get(record.job.id) === active) this.active.delete(record.job.id);
    then();
    this.pump();
  }

  private onMessage(record: JobRecord, active: ActiveJob, message: WorkerMessage): void {
    const { job } = record;
    switch (message.type) {
      case 'prepared':
        Object.assign(active, { totalSteps: message.totalSteps, startStep: message.startStep, startedMs: this.options.now() });
        return;
      case 'step':
        return this.onStep(record, active, message.metrics);
      case 'checkpoint': {
        const step = message.metrics.step;
        const checkpoint = {
          object: 'fine_tuning.job.checkpoint' as const,
          id: newId('ftckpt_'),
          created_at: this.seconds(),
          fine_tuned_model_checkpoint: formatCheckpointName(record.modelName, step),
          fine_tuning_job_id: job.id,
          step_number: step,
          metrics: message.metrics,
        };
        record.checkpoints.push({ checkpoint, file: relative(this.jobs.jobDir(job.id), message.path) });
        this.jobs.save(record);
        this.events.add(job.id, `Checkpoint created at step ${step}`, { data: { step, epoch: message.epoch } });
        // Only now that job.json names the new checkpoint may the older ones go: a kill at any point still resumes.
        this.tidy(job.id, () => dropOlderCheckpoints(this.jobs.jobDir(job.id), record));
        return;
      }
      case 'done':
        return this.finish(record, active, () => {
          const result = this.files.create(Buffer.from(message.resultCsv, 'utf8'), 'step_metrics.csv', 'fine-tune-results', resultFileId(job.id));
          Object.assign(job, { status: 'succeeded', finished_at: this.seconds(), estimated_finish: null, fine_tuned_model: record.modelName, trained_tokens: message.trainedTokens, result_files: [result.id] });
          this.events.add(job.id, `New fine-tuned model created: ${record.modelName}`);
          this.events.add(job.id, 'The job has successfully completed');
          this.jobs.save(record);
          this.options.log(`job ${job.id} succeeded: ${record.modelName}`);
          // model.bin holds the final weights; a succeeded job never resumes, so its checkpoints are dead weight.
          this.tidy(job.id, () => dropAllCheckpoints(this.jobs.jobDir(job.id)));
        });
      case 'failed':
        return this.finish(record, active, () => this.fail(record, message.code, message.message));
      case 'held': {
        // Every earlier message of this worker has been handled: its events and checkpoints are on disk.
        const release = this.options.hold!.path;
        try {
          writeJsonAtomic(`${release}.held`, { job_id: job.id, step: message.step });
          this.options.log(`job ${job.id} held before step ${message.step} until ${release} exists (testing aid TUNEFILE_LOCAL_HOLD)`);
        } catch (error) {
          this.options.log(`job ${job.id} held before step ${message.step} until ${release} exists, but ${release}.held could not be written: ${(error as Error).message}`);
        }
        return;
      }
    }
  }

  /** Removes checkpoint files no longer needed; a failure costs only disk space, so it is logged, not thrown. */
  private tidy(jobId: string, remove: () => unknown): void {
    try {
      remove();
    } catch (error) {
      this.options.log(`job ${jobId}: could not remove old checkpoint files (${(error as Error).message}); 'tunefile gc' retries`);
    }
  }

  private onStep(record: JobRecord, active: ActiveJob, metrics: StepMetrics): void {
    const total = active.totalSteps;
    const valid = metrics.valid_loss !== undefined ? `, validation loss=${metrics.valid_loss.toFixed(4)}` : '';
    this.events.add(record.job.id, `Step ${metrics.step}/${total}: training loss=${metrics.train_loss.toFixed(4)}${valid}`, {
      type: 'metrics',
      data: { ...metrics, total_steps: total },
    });
    const done = metrics.step - active.startStep;
    const perStepMs = (this.options.now() - active.startedMs) / Math.max(1, done);
    record.job.estimated_finish = this.seconds() + Math.ceil(((total - metrics.step) * perStepMs) / 1000);
  }
}
