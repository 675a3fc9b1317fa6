// startLocalServer: the OpenAI-compatible HTTP server on node:http, over a data folder that survives restarts.
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { lockDataDir } from './data-lock.ts';
import { CompletionStore } from './completion-store.ts';
import { EventStore } from './event-store.ts';
import { FileStore } from './file-store.ts';
import { HOLD_ENV, type HoldPoint } from './hold.ts';
import { newId } from './ids.ts';
import { ApiError, checkAuth, sendError } from './http.ts';
import { JobRunner } from './job-runner.ts';
import { JobStore } from './job-store.ts';
import { ModelRegistry } from './model-registry.ts';
import { describeRateLimit, RateLimiter, type RateLimit } from './rate-limit.ts';
import { fileRoutes } from './routes/files.ts';
import { fineTuningRoutes } from './routes/fine-tuning.ts';
import { inferenceRoutes } from './routes/inference.ts';
import { storedCompletionRoutes } from './routes/stored-completions.ts';
import { TOGETHER_PREFIX, togetherRoutes } from './routes/together.ts';
import type { Route, ServerState } from './routes/types.ts';

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

const ROUTES: Route[] = [...fileRoutes, ...fineTuningRoutes, ...inferenceRoutes, ...storedCompletionRoutes];

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
  const server = createServer((req, res) => void handle(req, res, state, options.apiKey));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => ok());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/v1`;
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
        const stopped = new Promise<void>((ok) => server.close(() => ok()));
        server.closeAllConnections();
        await Promise.all([stopped, runner.close()]);
        release();
        log('stopped');
      })()),
  };
}

/** Routes one request, turning every failure into OpenAI's error shape. */
async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState, apiKey: string | undefined): Promise<void> {
  // Every answer, errors included, carries an id the SDKs expose (`_request_id`) for a user to quote.
  res.setHeader('x-request-id', newId('req_'));
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    const route = path.startsWith('/v1/')
      ? findRoute(ROUTES, req.method ?? 'GET', path.slice(3))
      : path.startsWith(`${TOGETHER_PREFIX}/`)
        ? findRoute(togetherRoutes, req.method ?? 'GET', path.slice(TOGETHER_PREFIX.length))
        : undefined;
    // A presigned upload URL (Together's second upload step) is its own credential, as at Together: no key is sent.
    if (!route?.route.presigned) checkAuth(req, apiKey);
    if (!route) throw new ApiError(404, `Invalid URL (${req.method} ${url.pathname})`);
    await route.route.handle({ req, res, params: route.params, query: url.searchParams, state });
  } catch (error) {
    if (res.headersSent) {
      res.destroy(error as Error);
      return;
    }
    sendError(res, error);
    // Drain what the client is still sending (after a 413, say), so it reads our answer instead of a reset.
    req.resume();
  }
}

function findRoute(routes: Route[], method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).map((p) => decodePathSegment(p, method, path)) };
  }
  return undefined;
}

/** A decoded path parameter; a malformed %-escape is the client's mistake (400), not a server error the SDK would retry. */
function decodePathSegment(segment: string, method: string, path: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    throw new ApiError(400, `Invalid URL (${method} /v1${path}): ${JSON.stringify(segment)} is not valid percent-encoding`, { code: 'invalid_url' });
  }
}
