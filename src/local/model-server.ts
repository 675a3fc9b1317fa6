// startModelServer: one model folder behind the OpenAI-compatible inference endpoints (completions, chat
// completions, models), as vLLM serves a trained model; no data folder, files or fine-tuning jobs.
import { resolve } from 'node:path';
import { listenHttp } from './dispatch.ts';
import { FolderModel } from './folder-model.ts';
import { unixSeconds } from './ids.ts';
import { describeRateLimit, RateLimiter, type RateLimit } from './rate-limit.ts';
import { inferenceRoutes } from './routes/inference.ts';
import type { InferenceState } from './routes/types.ts';

export interface ModelServerOptions {
  /** A folder local-train wrote: its output_dir (the final model) or a checkpoint-<step> folder. */
  modelDir: string;
  /** The name GET /v1/models lists and requests send as `model`. @default 'tunefile' */
  servedModelName?: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** When set, every request needs `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Emulated requests/tokens-per-minute limits, as the local server's. @default no limit */
  rateLimit?: RateLimit;
  /** Largest JSON request body in bytes (413 above). @default 16 MiB */
  maxJsonBytes?: number;
  /** The wall clock in ms (objects' `created`, the rate limits' refill). @default Date.now */
  now?: () => number;
  /** Receives one line per lifecycle event; never a key. */
  log?: (line: string) => void;
}

export interface ModelServer {
  /** Base URL ending in /v1. */
  url: string;
  host: string;
  port: number;
  /** The name the model is served as. */
  servedModelName: string;
  /** Stops listening. */
  close(): Promise<void>;
}

/** The default served name, as `provider: {type: trainer}` expects it. */
export const DEFAULT_SERVED_MODEL = 'tunefile';

/** Loads the model folder (a ModelFolderError when it holds none), then listens. */
export async function startModelServer(options: ModelServerOptions): Promise<ModelServer> {
  const log = options.log ?? (() => {});
  const now = options.now ?? Date.now;
  const dir = resolve(options.modelDir);
  const name = options.servedModelName ?? DEFAULT_SERVED_MODEL;
  const state: InferenceState = {
    models: await FolderModel.open(dir, name, unixSeconds(now())),
    maxJsonBytes: options.maxJsonBytes ?? 16 * 1024 * 1024,
    now,
    ...(options.rateLimit ? { rateLimiter: new RateLimiter(options.rateLimit, now) } : {}),
  };
  const listening = await listenHttp([{ prefix: '/v1', routes: inferenceRoutes }], state, { host: options.host ?? '127.0.0.1', port: options.port ?? 0, apiKey: options.apiKey });
  log(`listening on ${listening.url}, serving ${dir} as ${name}`);
  if (options.rateLimit) log(`rate limit on completions: ${describeRateLimit(options.rateLimit)}`);
  let closed: Promise<void> | undefined;
  return {
    url: listening.url,
    host: listening.host,
    port: listening.port,
    servedModelName: name,
    close: () =>
      (closed ??= listening.stop().then(() => log('stopped'))),
  };
}
