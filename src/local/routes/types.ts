// What every route handler receives.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CompletionStore } from '../completion-store.ts';
import type { EventStore } from '../event-store.ts';
import type { FileStore } from '../file-store.ts';
import type { JobRunner } from '../job-runner.ts';
import type { JobStore } from '../job-store.ts';
import type { LoadedModel } from '../generate.ts';
import type { DeletedModel, ModelObject, ModelRegistry } from '../model-registry.ts';
import type { RateLimiter } from '../rate-limit.ts';

/** The models inference answers with: a data folder's fine-tunes (ModelRegistry), or one model folder. */
export interface ModelSource {
  /** GET /models. */
  list(): ModelObject[];
  /** GET /models/{id}; 404 when unknown. */
  retrieve(id: string): ModelObject;
  /** The model a completion request names; 404 (or 400) when it cannot answer. */
  load(name: string): Promise<LoadedModel>;
  /** DELETE /models/{id}. */
  delete(id: string): DeletedModel;
}

/** What the inference routes (completions, chat completions, models) use. */
export interface InferenceState {
  models: ModelSource;
  /** Chat completions created with `store: true`; absent, `store` is accepted and nothing is kept (as vLLM does). */
  completions?: CompletionStore;
  /** Largest accepted JSON body, in bytes. */
  maxJsonBytes: number;
  /** The wall clock in ms. */
  now: () => number;
  /** Emulated requests/tokens-per-minute limits of the inference routes, when the server was started with them. */
  rateLimiter?: RateLimiter;
}

/** The server's state, shared by the handlers. */
export interface ServerState extends InferenceState {
  files: FileStore;
  jobs: JobStore;
  events: EventStore;
  runner: JobRunner;
  /** Chat completions created with `store: true`. */
  completions: CompletionStore;
  models: ModelRegistry;
  /** Largest accepted upload (POST /files), in bytes. */
  maxUploadBytes: number;
  /** Together's two-step uploads announced (POST /files) whose bytes have not been PUT yet, by upload token. */
  pendingUploads: Map<string, { fileId: string; filename: string; purpose: string }>;
}

/** One request: the raw request and response, path parameters and the query. */
export interface RouteRequest<S = ServerState> {
  req: IncomingMessage;
  res: ServerResponse;
  params: string[];
  query: URLSearchParams;
  state: S;
}

/** A handler for one method and path, over state S (the whole server's, or only what inference needs). */
export interface Route<S = ServerState> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The path carries a single-use secret token instead of the API key (a presigned upload URL). */
  presigned?: true;
  /** Path below /v1, with `([^/]+)` groups for ids. */
  pattern: RegExp;
  handle(request: RouteRequest<S>): Promise<void> | void;
}
