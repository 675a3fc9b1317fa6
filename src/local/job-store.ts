// Fine-tuning jobs on disk (jobs/<id>/job.json, written atomically) and their OpenAI object shapes.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from './http.ts';
import { readJsonRecord, writeJsonAtomic, type UnreadableRecord } from './json-records.ts';
import type { Hyperparameters, StepMetrics } from './trainer/protocol.ts';

export type JobStatus = 'validating_files' | 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

/** OpenAI's fine-tuning job object. */
export interface FineTuningJob {
  object: 'fine_tuning.job';
  id: string;
  model: string;
  created_at: number;
  finished_at: number | null;
  fine_tuned_model: string | null;
  organization_id: string;
  result_files: string[];
  status: JobStatus;
  validation_file: string | null;
  training_file: string;
  hyperparameters: Hyperparameters;
  trained_tokens: number | null;
  error: { code: string; message: string; param: string | null } | null;
  user_provided_suffix: string | null;
  seed: number;
  estimated_finish: number | null;
  integrations: [];
  metadata: Record<string, string> | null;
  method: { type: 'supervised'; supervised: { hyperparameters: Hyperparameters } };
}

/** OpenAI's checkpoint object. */
export interface CheckpointObject {
  object: 'fine_tuning.job.checkpoint';
  id: string;
  created_at: number;
  fine_tuned_model_checkpoint: string;
  fine_tuning_job_id: string;
  step_number: number;
  metrics: StepMetrics;
}

/** What is stored per job: the public object plus what the server needs to run and resume it. */
export interface JobRecord {
  job: FineTuningJob;
  /** Creation order, for stable listing. */
  seq: number;
  /** The model name it will have once it succeeds. */
  modelName: string;
  /** One per finished epoch, oldest first; `file` is relative to the job's folder. */
  checkpoints: Array<{ checkpoint: CheckpointObject; file: string }>;
  /** Testing aid: fail at this step. */
  failAtStep?: number;
  /** DELETE /models/{model} removed its fine-tuned model (the job itself stays). */
  modelDeleted?: true;
  /** A paused job's status before the pause, which resume restores (a running one resumes from its last checkpoint). */
  pausedFrom?: 'queued' | 'running';
}

export const TERMINAL: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** Why a parsed job.json is not a job record of folder `id`, or undefined when it is one. */
export function jobShapeProblem(value: unknown, id: string): string | undefined {
  const record = value as Partial<JobRecord> | null;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  if (typeof record.job !== 'object' || record.job === null || record.job.id !== id) return `no "job" object with id ${JSON.stringify(id)}`;
  if (typeof record.seq !== 'number' || !Array.isArray(record.checkpoints)) return 'no "seq" number or "checkpoints" list';
  return undefined;
}

/** Every job, in memory and on disk. */
export class JobStore {
  readonly dir: string;
  /** Jobs whose job.json is garbage (a hand edit, a disk fault): the other jobs are still served. */
  readonly unreadable = new Map<string, UnreadableRecord>();
  private readonly jobs = new Map<string, JobRecord>();
  private nextSeq = 0;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'jobs');
    mkdirSync(this.dir, { recursive: true });
    for (const id of readdirSync(this.dir)) {
      const path = join(this.dir, id, 'job.json');
      const read = readJsonRecord<JobRecord>(path, (value) => jobShapeProblem(value, id));
      if (!read) continue;
      if ('problem' in read) {
        this.unreadable.set(id, { id, path, problem: read.problem });
        continue;
      }
      this.jobs.set(id, read.value);
      this.nextSeq = Math.max(this.nextSeq, read.value.seq + 1);
    }
  }

  /** The error for a job whose job.json cannot be read (a 500 the SDK must not retry), or undefined. */
  unreadableError(id: string): ApiError | undefined {
    const bad = this.unreadable.get(id);
    if (!bad) return undefined;
    return new ApiError(500, `fine-tuning job ${id} cannot be read: ${bad.path} is not a valid job record (${bad.problem})`, {
      param: 'fine_tuning_job_id',
      code: 'job_record_unreadable',
      retry: false,
    });
  }

  /** The folder of a job's events, checkpoints and model. */
  jobDir(id: string): string {
    return join(this.dir, id);
  }

  /** Registers and saves a new job record (its seq is assigned here). */
  add(record: Omit<JobRecord, 'seq'>): JobRecord {
    const full: JobRecord = { ...record, seq: this.nextSeq++ };
    this.jobs.set(full.job.id, full);
    this.save(full);
    return full;
  }

  /** Writes a job record atomically. */
  save(record: JobRecord): void {
    writeJsonAtomic(join(this.jobDir(record.job.id), 'job.json'), record);
  }

  /** The record; 404 when unknown, 500 naming the file when its job.json cannot be read. */
  get(id: string): JobRecord {
    const record = this.jobs.get(id);
    const unreadable = record ? undefined : this.unreadableError(id);
    if (unreadable) throw unreadable;
    if (!record) throw new ApiError(404, `Could not find fine-tuning job ${JSON.stringify(id)}`, { param: 'fine_tuning_job_id', code: 'fine_tuning_job_not_found' });
    return record;
  }

  /** The record, or undefined. */
  find(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /**
   * Forgets a job and removes its folder, job.json first: a kill halfway leaves a folder without its record, which
   * loading skips and `tunefile gc` removes. The caller checks that nothing runs it.
   */
  remove(id: string): void {
    this.get(id);
    rmSync(join(this.jobDir(id), 'job.json'), { force: true });
    this.jobs.delete(id);
    rmSync(this.jobDir(id), { recursive: true, force: true, maxRetries: 3 });
  }

  /** All records, newest first. */
  list(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => b.seq - a.seq);
  }
}
