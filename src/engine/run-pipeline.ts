// `tunefile run` as a function: load, lock the project, execute with subscribers, write the lock file.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadPipelineCached as loadPipeline } from './pipeline-cache.ts';
import type { LoadedPipeline } from '../pipeline/types.ts';
import { createProviderHandle } from '../providers/index.ts';
import { acquireRunLock, clearScratch, describeHolder, makeStoreFolder, openStore, storeDirOf, type Store } from '../store/index.ts';
import { makeBlobTrust } from './blob-trust.ts';
import type { RunListener } from './events.ts';
import { execute, validateSelection } from './execute.ts';
import { makeJsonReport, type RunReport } from './json-report.ts';
import { readLockFile } from './lockfile.ts';
import { makeLockWriter } from './lock-writer.ts';
import { planPipeline, unreadOutputs, type PlannedStage } from './plan.ts';

export interface RunOptions {
  /** The PIPELINE argument (default: pipeline.yaml in cwd, then the config's `pipeline`). */
  file?: string;
  cwd: string;
  env: Record<string, string | undefined>;
  /** --set KEY=VALUE overrides. */
  sets?: string[];
  /** --stage: only these stages and what they need. */
  stages?: string[];
  downstream?: boolean;
  /** --force: all stages (true) or these ids. */
  force?: boolean | string[];
  keepGoing?: boolean;
  /** @default the config's jobs, else the number of CPUs */
  jobs?: number;
  verify?: boolean;
  yes?: boolean;
  /** false: exit at once when another run holds the project (`--no-wait`). @default true */
  wait?: boolean;
  signal?: AbortSignal;
  /** The wall clock in ms. @default Date.now */
  now?: () => number;
  /** Subscribers to run events (progress renderers). */
  listeners?: RunListener[];
  /**
   * Called with a line for the user before the stages start: when the run waits for another run's lock, and
   * (`warning: ...`) when a damaged state.db was moved aside for a fresh one.
   */
  onWait?: (message: string) => void;
}

/** Runs what is stale. Stage failures are reported in the result (ok: false), not thrown. */
export async function runPipeline(options: RunOptions): Promise<RunReport> {
  const pipeline = await loadPipeline({ file: options.file, cwd: options.cwd, env: options.env, sets: options.sets ?? [] });
  return runLoadedPipeline(pipeline, options);
}

/** Runs an already loaded pipeline. */
export async function runLoadedPipeline(pipeline: LoadedPipeline, options: Omit<RunOptions, 'file' | 'sets'>): Promise<RunReport> {
  validateSelection(pipeline, options);
  const signal = options.signal ?? new AbortController().signal;
  const dir = storeDirOf(pipeline.projectRoot);
  // A clear error when .tunefile is a file, before the run lock is made in it.
  makeStoreFolder(dir, '');
  let store: Store | undefined;
  let release: (() => void) | undefined;
  const now = options.now ?? Date.now;
  const provider = createProviderHandle({ spec: pipeline.provider, env: options.env, cwd: options.cwd, now, localDir: join(dir, 'local'), pipelineDir: pipeline.dir });
  try {
    release = await acquireRunLock(join(dir, 'run.lock'), {
      wait: options.wait ?? true,
      now,
      signal,
      command: `tunefile run ${pipeline.relFile}`,
      onWait: (holder, note) => options.onWait?.(`waiting for another tunefile run to finish: ${describeHolder(holder)}${note ? `; ${note}` : ''}`),
    });
    // Holding the lock, this run is the only one using the store: it may rebuild a damaged state.db, and every
    // scratch folder left in .tunefile/tmp belongs to a run that was killed.
    store = openStore(pipeline.projectRoot, { now, repair: (message) => options.onWait?.(`warning: ${message}`) });
    clearScratch(store.tmpDir);
    const previous = readLockFile(pipeline.lockFile)?.stages ?? {};
    const unread = await unreadOutputs(pipeline, { env: options.env, cwd: options.cwd, now, ...(options.stages ? { stages: options.stages } : {}), downstream: options.downstream ?? false, force: options.force ?? false });
    const { listener, report } = makeJsonReport(pipeline.relFile);
    await execute({
      pipeline,
      store,
      provider,
      previous,
      ...(options.stages ? { select: options.stages } : {}),
      downstream: options.downstream ?? false,
      force: options.force ?? false,
      keepGoing: options.keepGoing ?? false,
      jobs: options.jobs ?? pipeline.config.jobs ?? availableParallelism(),
      verify: options.verify ?? false,
      trust: makeBlobTrust(),
      unread,
      yes: options.yes ?? false,
      signal,
      env: options.env,
      cwd: options.cwd,
      now,
      listeners: [listener, makeLockWriter(pipeline, previous), ...(options.listeners ?? [])],
    });
    return report;
  } finally {
    await provider.close().catch(() => undefined);
    release?.();
    store?.close();
  }
}

/** `run --dry-run`: the plan with reasons; runs nothing and takes no lock. */
export async function dryRunPipeline(options: RunOptions): Promise<{ pipeline: string; stages: PlannedStage[] }> {
  const pipeline = await loadPipeline({ file: options.file, cwd: options.cwd, env: options.env, sets: options.sets ?? [] });
  validateSelection(pipeline, options);
  const stages = await planPipeline(pipeline, { ...options, now: options.now ?? Date.now });
  return { pipeline: pipeline.relFile, stages };
}
