// startLocalServer: the OpenAI-compatible HTTP server on node:http, over a data folder that survives restarts.
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { lockDataDir } from './data-lock.ts';
import { listenHttp, type Mount } from './dispatch.ts';
import { CompletionStore } from './completion-store.ts';
import { EventStore } from './event-store.ts';
import { FileStore } from './file-store.ts';
import { HOLD_ENV, type HoldPoint } from './hold.ts';
import { JobRunner } from './job-runner.ts';
import { JobStore } from './job-store.ts';
import { ModelRegistry } from './model-registry.ts';
import { describeRateLimit, RateLimiter, type RateLimit } from './rate-limit.ts';
import { fileRoutes } from './routes/files.ts';
import { fineTuningRoutes } from './routes/fine-tuning.ts';
import { inferenceRoutes } from './routes/inference.ts';
import { storedCompletionRoutes } from './routes/stored-completions.ts';
import { TOGETHER_PREFIX, togetherRoutes } from './routes/together.ts';
import type { ServerState } from './routes/types.ts';

export interface LocalServerOptions {
  /** Folder for files, jobs, events, checkpoints and models (created if missing). */
  dataDir: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** When set, every request needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /**
   * Sleep after each training step, to simulate a slow provider. The local provider sets it from env
   * TUNEFILE_LOCAL_STEP_DELAY_MS, `tunefile serve` from --step-delay-ms. @default 0
   */
  stepDelayMs?: number;
  /** Testing aid: every job fails at this step. `tunefile serve` and the local provider set it from env TUNEFILE_LOCAL_FAIL_AT_STEP. */
  failAtStep?: number;
  /**
   * Testing aid: a job about to run global step `hold.step` while `hold.path` does not exist writes `<path>.held`
   * (JSON: job_id, step) and waits until `hold.path` exists. `tunefile serve` and the local provider set it from env
   * TUNEFILE_LOCAL_HOLD (`<step>:<path>`, parseHold)
   */
  hold?: HoldPoint;
  /** Jobs trained at the same time. @default min(2, CPUs - 1), at least 1 */
  maxConcurrentJobs?: number;
  /** Largest upload in bytes (413 above). @default 512 MiB */
  maxUploadBytes?: number;
  /** Largest JSON request body in bytes (413 above). @default 16 MiB */
  maxJsonBytes?: number;
  /** Receives one line per lifecycle event (listening, job started/finished); never a key. */
  log?: (line: string) => void;
  /** The wall clock in ms: objects' timestamps (`created_at`, `finished_at`), the ETA and the rate limits' refill. @default Date.now */
  now?: () => number;
  /**
   * Emulate a hosted provider's rate limits on POST /completions and /chat/completions (OpenAI's and Together's):
   * requests and tokens per minute, OpenAI's x-ratelimit-* headers, 429 with retry-after. `tunefile serve` sets it
   * from --rate-limit RPM,TPM. @default no limit
   */
  rateLimit?: RateLimit;
}

export interface LocalServer {
  /** Base URL ending in /v1, for the OpenAI SDK's baseURL. */
  url: string;
  /** Base URL of Together's API on the same port (`…/together/v1`), for the together-ai SDK. */
  togetherUrl: string;
  host: string;
  port: number;
  apiKey?: string;
  /** Stops the HTTP server and the training workers; unfinished jobs resume on the next start. */
  close(): Promise<void>;
}

const MOUNTS: Mount<ServerState>[] = [
  { prefix: '/v1', routes: [...fileRoutes, ...fineTuningRoutes, ...inferenceRoutes, ...storedCompletionRoutes] },
  { prefix: TOGETHER_PREFIX, routes: togetherRoutes },
];

/** Starts the local OpenAI-compatible fine-tuning server and resumes any unfinished jobs in its data folder. */
export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const release = lockDataDir(dataDir);
  try {
    return await startOnLockedDir(dataDir, options, release);
  } catch (error) {
    // An unreadable data folder or a port in use must not leave this process holding the folder.
    release();
    throw error;
  }
}

/** Everything after taking the folder's lock: load the stores, listen, resume; the caller releases the lock on failure. */
async function startOnLockedDir(dataDir: string, options: LocalServerOptions, release: () => void): Promise<LocalServer> {
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const files = new FileStore(dataDir, now);
  const jobs = new JobStore(dataDir);
  const completions = new CompletionStore(dataDir);
  for (const bad of [...jobs.unreadable.values(), ...files.unreadable.values(), ...completions.unreadable.values()]) {
    log(`skipping ${bad.id}: ${bad.path} is not valid (${bad.problem}); the other records are served. Restore that file or move it away.`);
  }
  const events = new EventStore(jobs.dir, now);
  const failAtStep = options.failAtStep;
  const runner = new JobRunner(jobs, files, events, {
    stepDelayMs: options.stepDelayMs ?? 0,
    ...(failAtStep !== undefined ? { failAtStep } : {}),
    ...(options.hold ? { hold: options.hold } : {}),
    maxConcurrentJobs: options.maxConcurrentJobs ?? Math.max(1, Math.min(2, availableParallelism() - 1)),
    log,
    now,
  });
  const state: ServerState = {
    files,
    jobs,
    events,
    runner,
    completions,
    models: new ModelRegistry(jobs),
    now,
    pendingUploads: new Map(),
    maxUploadBytes: options.maxUploadBytes ?? 512 * 1024 * 1024,
    maxJsonBytes: options.maxJsonBytes ?? 16 * 1024 * 1024,
    ...(options.rateLimit ? { rateLimiter: new RateLimiter(options.rateLimit, now) } : {}),
  };
  const { url, port, host, stop } = await listenHttp(MOUNTS, state, { host: options.host ?? '127.0.0.1', port: options.port ?? 0, apiKey: options.apiKey });
  log(`listening on ${url}, data in ${dataDir}`);
  if (options.rateLimit) log(`rate limit on completions: ${describeRateLimit(options.rateLimit)}`);
  if (options.hold) log(`testing aid ${HOLD_ENV}: jobs hold before step ${options.hold.step} until ${options.hold.path} exists`);
  runner.resumeUnfinished();
  let closed: Promise<void> | undefined;
  return {
    url,
    togetherUrl: url.replace(/\/v1$/, TOGETHER_PREFIX),
    host,
    port,
    ...(options.apiKey !== undefined ? { apiKey: options.apiKey } : {}),
    close: () =>
      (closed ??= (async () => {
        await Promise.all([stop(), runner.close()]);
        release();
        log('stopped');
      })()),
  };
}
