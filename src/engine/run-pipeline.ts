// `tunefile run` as a function: load, lock the project, execute with subscribers, write the lock file.
import { availableParallelism } from 'node:os';
import { loadPipelineCached as loadPipeline } from './pipeline-cache.ts';
import type { LoadedPipeline } from '../pipeline/types.ts';
import { createProviderHandle } from '../providers/index.ts';
import { acquireRunLock, describeHolder, openStore } from '../store/index.ts';
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
  /** Subscribers to run events (progress renderers). */
  listeners?: RunListener[];
  /** Called when the run waits for another run's lock. */
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
  const store = openStore(pipeline.projectRoot);
  let release: (() => void) | undefined;
  const provider = createProviderHandle({ spec: pipeline.provider, env: options.env, localDir: store.localDir });
  try {
    release = await acquireRunLock(store.runLockPath, {
      wait: options.wait ?? true,
      signal,
      command: `tunefile run ${pipeline.relFile}`,
      onWait: (holder) => options.onWait?.(`waiting for another tunefile run to finish: ${describeHolder(holder)}`),
    });
    const previous = readLockFile(pipeline.lockFile)?.stages ?? {};
    const unread = await unreadOutputs(pipeline, { env: options.env, ...(options.stages ? { stages: options.stages } : {}), downstream: options.downstream ?? false, force: options.force ?? false });
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
      unread,
      yes: options.yes ?? false,
      signal,
      env: options.env,
      listeners: [listener, makeLockWriter(pipeline, previous), ...(options.listeners ?? [])],
    });
    return report;
  } finally {
    await provider.close().catch(() => undefined);
    release?.();
    store.close();
  }
}

/** `run --dry-run`: the plan with reasons; runs nothing and takes no lock. */
export async function dryRunPipeline(options: RunOptions): Promise<{ pipeline: string; stages: PlannedStage[] }> {
  const pipeline = await loadPipeline({ file: options.file, cwd: options.cwd, env: options.env, sets: options.sets ?? [] });
  validateSelection(pipeline, options);
  const stages = await planPipeline(pipeline, options);
  return { pipeline: pipeline.relFile, stages };
}
