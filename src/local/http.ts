// HTTP plumbing for the local server: OpenAI-shaped errors, JSON replies, bounded body reading, auth.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * OpenAI's error types: a client's mistake (bad key, unknown object, conflict, bad field alike) is an
 * `invalid_request_error` told apart by status and `code`; the server's own failure is a `server_error`; a 429 names
 * the limit it ran into (`requests` or `tokens`).
 */
export type ErrorType = 'invalid_request_error' | 'server_error' | 'requests' | 'tokens';

/** An error the client should see, with OpenAI's body `{error: {message, type, param, code}}`. */
export class ApiError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly code: string | null;
  /** false: tell the SDK not to retry (a 5xx that a retry cannot fix, such as an unreadable record on disk). */
  readonly retry: boolean;
  /** Extra response headers (a 429's retry-after and x-ratelimit-*). */
  readonly headers: Record<string, string>;
  constructor(status: number, message: string, options: { type?: ErrorType; param?: string | null; code?: string | null; retry?: boolean; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.type = options.type ?? (status >= 500 ? 'server_error' : 'invalid_request_error');
    this.param = options.param ?? null;
    this.code = options.code ?? null;
    this.retry = options.retry ?? !(status === 409 || status === 413);
    this.headers = options.headers ?? {};
  }
}

/** 400 for a request field that is missing or has the wrong type. */
export function badRequest(message: string, param: string | null = null, code: string | null = null): ApiError {
  return new ApiError(400, message, { param, code });
}

/** Sends a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Sends server-sent events as OpenAI streams them: one `data: <json>` per chunk, then `data: [DONE]`. */
export function sendEvents(res: ServerResponse, chunks: Iterable<unknown>, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...headers });
  for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  res.end('data: [DONE]\n\n');
}

/** Sends an ApiError (or a 500 for anything else) in OpenAI's error shape. */
export function sendError(res: ServerResponse, error: unknown): void {
  const e = error instanceof ApiError ? error : new ApiError(500, `internal error in the local server: ${(error as Error)?.message ?? String(error)}`);
  // 409s here are real conflicts, not lock timeouts: tell the SDK not to retry them (nor anything else marked so).
  const headers: Record<string, string> = { ...e.headers, ...(e.retry ? {} : { 'x-should-retry': 'false' }) };
  if (e.status === 413) headers.connection = 'close';
  sendJson(res, e.status, { error: { message: e.message, type: e.type, param: e.param, code: e.code } }, headers);
}

/** Reads the whole request body, refusing (413) more than `limit` bytes; the rest is drained, not reset. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new ApiError(413, `request body too large: the limit is ${limit} bytes`, { code: 'request_too_large' });
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge());
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over) return;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        fail(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) ok(Buffer.concat(chunks));
    });
    req.on('error', fail);
  });
}

/** Reads a JSON object body; 400 for bad JSON and for JSON that is not an object, as OpenAI answers both. */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<Record<string, unknown>> {
  const body = await readBody(req, limit);
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8') || '{}');
  } catch (error) {
    throw badRequest(`the request body is not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw badRequest('the request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Throws 401 unless the request carries `Authorization: Bearer <apiKey>`; the key is never echoed. */
export function checkAuth(req: IncomingMessage, apiKey: string | undefined): void {
  if (apiKey === undefined) return;
  const header = req.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match) {
    throw new ApiError(401, "You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.", { code: 'missing_api_key' });
  }
  if (!timingSafeEqual(digest(match[1]!.trim()), digest(apiKey))) {
    throw new ApiError(401, 'Incorrect API key provided for the local tunefile server.', { code: 'invalid_api_key' });
  }
}
