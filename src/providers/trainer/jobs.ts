// The trainer provider's jobs: one run folder per job under .tunefile/trainer/runs/<job id>/, holding the key's own
// dataset folder, the rendered config, the trainer's output (model and checkpoints) and its log. A job record next
// to it says what was asked and how the run stands. A run whose process was killed (with tunefile, by the OOM
// killer, by a reboot) is resumed from its last checkpoint under the same job, the next time anyone polls it.
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/atomic-write.ts';
import { redact } from '../redact.ts';
import type { FineTuningJob, FineTuningJobEvent, ProviderJobs, TrainRequest } from '../types.ts';
import { notFound } from './file-store.ts';
import { trainerFormat } from './formats/index.ts';
import { resultsCsv } from './metrics.ts';
import { expandArgs, type Placeholders } from './placeholders.ts';
import { lastCheckpoint, parseProgressLine } from './progress.ts';
import { baseModelOf, trainerSettings } from './settings.ts';
import { logEnding, tailOf } from './tail.ts';
import type { LaunchState, Launcher, LaunchRef } from './launcher.ts';
import type { ChatExample, RunLayout, TrainerProviderSpec, TrainerSettings } from './types.ts';

/** A run resumed this many times without finishing fails instead of starting again. */
export const MAX_ATTEMPTS = 5;

/** What the provider keeps about one job (`jobs/<id>.json`). */
export interface TrainerJobRecord {
  id: string;
  created_at: number;
  finished_at: number | null;
  /** The model train asked for (what verified adoption compares). */
  model: string;
  training_file: string;
  validation_file: string;
  seed: number;
  suffix: string | null;
  metadata: Record<string, string>;
  /** The settings the config was rendered from. */
  settings: TrainerSettings;
  /** Requested hyperparameters, `auto` resolved. */
  hyperparameters: { n_epochs: number; batch_size: number; learning_rate_multiplier: number | 'auto' };
  status: FineTuningJob['status'];
  error: { code: string; message: string } | null;
  /** The run folder, relative to the provider's folder. */
  run_dir: string;
  /** 1 for the first start; each resume adds one. */
  attempt: number;
  /** The checkpoint folders runs were resumed from, in order (relative to the run folder). */
  resumed_from: string[];
  /** How the launcher finds the run's process (a process group, a SkyPilot managed job). */
  launch?: LaunchRef;
}

/** The provider's folders and collaborators. */
export interface TrainerJobsOptions {
  /** .tunefile/trainer */
  dir: string;
  spec: TrainerProviderSpec;
  /** The pipeline's folder: the train command runs there, and relative model folders resolve against it. */
  pipelineDir: string;
  env: Record<string, string | undefined>;
  launcher: Launcher;
  files: { pathOf(id: string): string };
  now: () => number;
  /** `{tunefile}`: this tunefile's CLI as argv words. */
  tunefile: string[];
}

/** The run folder's layout. */
export function layoutOf(runDir: string, configName: string): RunLayout {
  return {
    runDir,
    dataDir: join(runDir, 'data'),
    outputDir: join(runDir, 'output'),
    configPath: join(runDir, configName),
    logPath: join(runDir, 'train.log'),
    cacheDir: join(runDir, 'cache'),
  };
}

/** Jobs of the trainer provider. */
export function trainerJobs(o: TrainerJobsOptions): ProviderJobs & { record(id: string): TrainerJobRecord; layout(record: TrainerJobRecord): RunLayout } {
  const format = trainerFormat(o.spec.trainer);
  const jobsDir = join(o.dir, 'jobs');
  const recordPath = (id: string): string => join(jobsDir, `${id}.json`);
  const read = (id: string): TrainerJobRecord => {
    if (!/^trjob-[0-9a-f]{24}$/.test(id)) throw notFound(`job ${id}`);
    try {
      return JSON.parse(readFileSync(recordPath(id), 'utf8')) as TrainerJobRecord;
    } catch {
      throw notFound(`job ${id}`);
    }
  };
  const write = (r: TrainerJobRecord): void => writeFileAtomic(recordPath(r.id), JSON.stringify(r, null, 2) + '\n');
  const layout = (r: TrainerJobRecord): RunLayout => layoutOf(join(o.dir, r.run_dir), format.configName);

  const trainEnv = (l: RunLayout): Record<string, string> => {
    const base = Object.fromEntries(Object.entries(o.env).filter((e): e is [string, string] => e[1] !== undefined));
    // The trainer's own caches live in the run folder: a prepared dataset can never be served to another key.
    return { ...base, HF_DATASETS_CACHE: join(l.cacheDir, 'datasets'), ...(o.spec.env ?? {}) };
  };
  /** The layout the train command sees: the local one, or the cluster's (SkyPilot). */
  const execLayout = (r: TrainerJobRecord, l: RunLayout) => o.launcher.remote?.(l, jobNameOf(r)) ?? { layout: l, toRemote: (p: string) => p };
  const renderFor = (r: TrainerJobRecord, l: RunLayout, checkpoint?: string): string => {
    const exec = execLayout(r, l);
    return format.renderConfig(r.settings, exec.layout, checkpoint === undefined ? undefined : exec.toRemote(checkpoint));
  };
  const commandLine = (l: RunLayout): string[] => {
    const values: Placeholders = { config: l.configPath, output_dir: l.outputDir, data_dir: l.dataDir, run_dir: l.runDir };
    return expandArgs(o.spec.run ?? format.defaultRun, values, o.tunefile);
  };
  const start = async (r: TrainerJobRecord, l: RunLayout): Promise<void> => {
    r.launch = await o.launcher.start(commandLine(execLayout(r, l).layout), { cwd: o.pipelineDir, env: trainEnv(l), ownEnv: { ...(o.spec.env ?? {}) }, layout: l, attempt: r.attempt, jobName: jobNameOf(r) });
    write(r);
  };

  /** Settles a running record against its process: finished, failed, or killed (then resumed). */
  const settle = async (r: TrainerJobRecord): Promise<TrainerJobRecord> => {
    if (r.status !== 'running' && r.status !== 'queued') return r;
    const l = layout(r);
    const state = await o.launcher.state(l, r.launch);
    if (state.state === 'running') return r;
    if (state.state === 'exited' && state.exit.code === 0) {
      await o.launcher.collect?.(l, r.launch);
      if (!existsSync(l.outputDir) || readdirSync(l.outputDir).filter((n) => !n.startsWith('checkpoint-')).length === 0) {
        return finish(r, 'failed', { code: 'no_output', message: `the trainer exited 0 but wrote no model into ${l.outputDir}${logEnding(l.logPath, 'the log')}` });
      }
      return finish(r, 'succeeded', null);
    }
    if (state.state === 'exited' && !wasKilled(state)) {
      const how = state.exit.reason ?? (state.exit.error ? `could not be started: ${state.exit.error}` : `exited with code ${state.exit.code}`);
      return finish(r, 'failed', { code: 'trainer_failed', message: `the trainer ${how}${logEnding(l.logPath, 'the log')}` });
    }
    return resume(r, l, state);
  };
  const finish = (r: TrainerJobRecord, status: 'succeeded' | 'failed' | 'cancelled', error: TrainerJobRecord['error']): TrainerJobRecord => {
    const done = { ...r, status, error, finished_at: Math.floor(o.now() / 1000) };
    write(done);
    return done;
  };
  /** Starts a killed run again from its newest complete checkpoint; one resumer per attempt (an exclusive lock file). */
  const resume = async (r: TrainerJobRecord, l: RunLayout, state: LaunchState): Promise<TrainerJobRecord> => {
    if (r.attempt >= MAX_ATTEMPTS) {
      return finish(r, 'failed', { code: 'too_many_restarts', message: `the trainer was killed ${r.attempt} times without finishing; see ${l.logPath}` });
    }
    let lock: number;
    try {
      lock = openSync(join(l.runDir, `resume-${r.attempt}.lock`), 'wx');
    } catch {
      return read(r.id); // another run resumed it meanwhile
    }
    closeSync(lock);
    const exitPath = join(l.runDir, 'exit.json');
    if (existsSync(exitPath)) renameSync(exitPath, join(l.runDir, `exit-${r.attempt}.json`));
    const checkpoint = lastCheckpoint(l.outputDir);
    writeFileAtomic(l.configPath, renderFor(r, l, checkpoint));
    const why = state.state === 'exited' ? `was stopped by ${state.exit.signal ?? `exit code ${state.exit.code}`}` : 'was killed (its process is gone)';
    appendFileSync(l.logPath, `\n[tunefile] the trainer ${why}; resuming ${checkpoint ? `from ${checkpoint}` : 'from the start (no checkpoint yet)'} (attempt ${r.attempt + 1})\n`);
    const next: TrainerJobRecord = { ...r, attempt: r.attempt + 1, resumed_from: checkpoint ? [...r.resumed_from, relativeTo(l.runDir, checkpoint)] : r.resumed_from };
    await start(next, l);
    return next;
  };

  return {
    record: read,
    layout,
    async create(request: TrainRequest) {
      const id = `trjob-${randomBytes(12).toString('hex')}`;
      const runDir = join('runs', id);
      const l = layoutOf(join(o.dir, runDir), format.configName);
      mkdirSync(l.outputDir, { recursive: true });
      mkdirSync(l.cacheDir, { recursive: true });
      const settings = trainerSettings(o.spec.trainer, baseModelOf(o.spec, request, o.pipelineDir), request);
      format.writeDataset(l.dataDir, { train: readChat(o.files.pathOf(request.training_file)), valid: readChat(o.files.pathOf(request.validation_file)) });
      const h = (request.method?.supervised?.hyperparameters ?? {}) as { learning_rate_multiplier?: unknown };
      const r: TrainerJobRecord = {
        id, created_at: Math.floor(o.now() / 1000), finished_at: null, model: request.model,
        training_file: request.training_file, validation_file: request.validation_file, seed: settings.seed, suffix: request.suffix ?? null,
        metadata: { ...(request.metadata as Record<string, string> | undefined) },
        settings, hyperparameters: { n_epochs: settings.n_epochs, batch_size: settings.batch_size, learning_rate_multiplier: typeof h.learning_rate_multiplier === 'number' ? h.learning_rate_multiplier : 'auto' },
        status: 'running', error: null, run_dir: runDir, attempt: 1, resumed_from: [],
      };
      writeFileAtomic(l.configPath, renderFor(r, l));
      write(r); // before the process starts: a tunefile killed right after still finds the job by its key
      await start(r, l);
      return toJob(r);
    },
    retrieve: async (id) => toJob(await settle(read(id))),
    async *listByKey(key) {
      if (!existsSync(jobsDir)) return;
      // A record that does not parse (a torn write by hand, a planted file) is no job of this key.
      const records = readdirSync(jobsDir).filter((n) => /^trjob-[0-9a-f]{24}\.json$/.test(n)).flatMap((n) => {
        try {
          return [read(n.slice(0, -5))];
        } catch {
          return [];
        }
      });
      for (const r of records.filter((x) => x.metadata.tunefile_key === key).sort((a, b) => b.created_at - a.created_at || b.id.localeCompare(a.id))) yield toJob(r);
    },
    async cancel(id) {
      const r = read(id);
      if (r.status === 'running' || r.status === 'queued') {
        await o.launcher.stop(layout(r), r.launch);
        return toJob(finish(r, 'cancelled', null));
      }
      return toJob(r);
    },
    latestStepEvent: async (id) => stepEvent(layout(read(id)).logPath, o.now),
    results: async (job) => resultsCsv(layout(read(job.id)).outputDir),
  };
}

/** The name a job's run goes by at its launcher (a SkyPilot managed job): derived from the stage key. */
export function jobNameOf(r: Pick<TrainerJobRecord, 'metadata' | 'id'>): string {
  const key = r.metadata.tunefile_key;
  return `tunefile-${(key ?? r.id.slice('trjob-'.length)).slice(0, 12)}`;
}

/** True when the trainer ended by a signal (or a shell's 128+N for one): killed, not failed. */
function wasKilled(state: Extract<LaunchState, { state: 'exited' }>): boolean {
  const { code, signal } = state.exit;
  return signal !== null || code === 130 || code === 137 || code === 143;
}

/** The OpenAI-shaped job of a record. */
function toJob(r: TrainerJobRecord): FineTuningJob {
  const hyperparameters = { n_epochs: r.hyperparameters.n_epochs, batch_size: r.hyperparameters.batch_size, learning_rate_multiplier: r.hyperparameters.learning_rate_multiplier };
  return {
    id: r.id, object: 'fine_tuning.job', created_at: r.created_at, finished_at: r.finished_at, model: r.model,
    fine_tuned_model: r.status === 'succeeded' ? `trainer:${r.id}` : null,
    organization_id: 'trainer', result_files: [], seed: r.seed, status: r.status, trained_tokens: null,
    training_file: r.training_file, validation_file: r.validation_file,
    error: r.error ? { code: r.error.code, message: redact(r.error.message), param: null } : null,
    hyperparameters, method: { type: 'supervised', supervised: { hyperparameters } },
    metadata: r.metadata, estimated_finish: null, integrations: null,
    ...(r.suffix ? { user_provided_suffix: r.suffix } : {}),
  } as FineTuningJob;
}

/** The uploaded JSONL as chat examples (prompt/completion records become one user and one assistant turn). */
function readChat(path: string): ChatExample[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((line) => {
    const row = JSON.parse(line) as { messages?: ChatExample['messages']; prompt?: string; completion?: string };
    if (row.messages) return { messages: row.messages.map((m) => ({ role: m.role, content: m.content })) };
    return { messages: [{ role: 'user', content: row.prompt ?? '' }, { role: 'assistant', content: row.completion ?? '' }] };
  });
}

/** The newest step (with the newest loss) the trainer printed, as a fine-tuning event for the progress line. */
function stepEvent(logPath: string, now: () => number): FineTuningJobEvent | undefined {
  const lines = tailOf(logPath, 32_768).split(/[\r\n]+/).reverse();
  let step: number | undefined;
  let total: number | undefined;
  let loss: number | undefined;
  let epoch: number | undefined;
  for (const line of lines) {
    const p = parseProgressLine(line);
    if (!p) continue;
    if (step === undefined && p.step !== undefined) ({ step, total } = p);
    if (loss === undefined && p.loss !== undefined) ({ loss, epoch } = p);
    if (step !== undefined && loss !== undefined) break;
  }
  if (step === undefined) return undefined;
  const message = `Step ${step}${total ? `/${total}` : ''}${loss === undefined ? '' : `: training loss=${loss}`}`;
  return {
    id: `trevent-${step}`, object: 'fine_tuning.job.event', created_at: Math.floor(now() / 1000), level: 'info', message, type: 'metrics',
    data: { step, ...(total ? { total_steps: total } : {}), ...(loss === undefined ? {} : { train_loss: loss }), ...(epoch === undefined ? {} : { epoch }) },
  } as FineTuningJobEvent;
}

function relativeTo(dir: string, path: string): string {
  return path.startsWith(dir + '/') ? path.slice(dir.length + 1) : path;
}
