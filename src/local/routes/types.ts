// What every route handler receives.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompletionStore } from '../completion-store.ts';
import type { EventStore } from '../event-store.ts';
import type { FileStore } from '../file-store.ts';
import type { JobRunner } from '../job-runner.ts';
import type { JobStore } from '../job-store.ts';
import type { ModelRegistry } from '../model-registry.ts';
import type { RateLimiter } from '../rate-limit.ts';

/** The server's state, shared by the handlers. */
export interface ServerState {
  files: FileStore;
  jobs: JobStore;
  events: EventStore;
  runner: JobRunner;
  /** Chat completions created with `store: true`. */
  completions: CompletionStore;
  models: ModelRegistry;
  /** Largest accepted upload (POST /files), in bytes. */
  maxUploadBytes: number;
  /** Largest accepted JSON body, in bytes. */
  maxJsonBytes: number;
  /** Together's two-step uploads announced (POST /files) whose bytes have not been PUT yet, by upload token. */
  pendingUploads: Map<string, { fileId: string; filename: string; purpose: string }>;
  /** The wall clock in ms. */
  now: () => number;
  /** Emulated requests/tokens-per-minute limits of the inference routes, when the server was started with them. */
  rateLimiter?: RateLimiter;
}

/** One request: the raw request and response, path parameters and the query. */
export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  state: ServerState;
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path carries a single-use secret token instead of the API key (a presigned upload URL). */
  presigned?: true;
  /** Path below /v1, with `([^/]+)` groups for ids. */
  pattern: RegExp;
  handle(request: RouteRequest): Promise<void> | void;
}
