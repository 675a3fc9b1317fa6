// The HTTP side every local server shares: listening on a host and port, and routing each request to a handler
// below its URL prefix, with the API key checked and every failure answered in OpenAI's error shape.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, checkAuth, sendError } from './http.ts';
import { newId } from './ids.ts';
import type { Route } from './routes/types.ts';

/** A route table and the URL prefix it answers below (`/v1`, `/together/v1`). */
export interface Mount<S> {
  prefix: string;
  routes: Route<S>[];
}

/** A listening HTTP server. */
export interface Listening {
  host: string;
  port: number;
  /** `http://host:port/v1`, for the OpenAI SDK's baseURL. */
  url: string;
  /** Stops listening and drops open connections. */
  stop(): Promise<void>;
}

/** Listens on `host`:`port` (0: a free port) with `mounts` over `state`; rejects with the listen error (EADDRINUSE, ...). */
export async function listenHttp<S>(mounts: Mount<S>[], state: S, o: { host: string; port: number; apiKey: string | undefined }): Promise<Listening> {
  const server = createServer((req, res) => void dispatch(req, res, mounts, state, o.apiKey));
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port, o.host, () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: o.host,
    port,
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}/v1`,
    stop: () => {
      const stopped = new Promise<void>((ok) => server.close(() => ok()));
      server.closeAllConnections();
      return stopped;
    },
  };
}

/** Routes one request, turning every failure into OpenAI's error shape. */
async function dispatch<S>(req: IncomingMessage, res: ServerResponse, mounts: Mount<S>[], state: S, apiKey: string | undefined): Promise<void> {
  // Every answer, errors included, carries an id the SDKs expose (`_request_id`) for a user to quote.
  res.setHeader('x-request-id', newId('req_'));
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    const mount = mounts.find((m) => path.startsWith(`${m.prefix}/`));
    const route = mount ? findRoute(mount, req.method ?? 'GET', path.slice(mount.prefix.length)) : undefined;
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

function findRoute<S>(mount: Mount<S>, method: string, path: string): { route: Route<S>; params: string[] } | undefined {
  for (const route of mount.routes) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).map((p) => decodePathSegment(p, method, `${mount.prefix}${path}`)) };
  }
  return undefined;
}

/** A decoded path parameter; a malformed %-escape is the client's mistake (400), not a server error the SDK would retry. */
function decodePathSegment(segment: string, method: string, path: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    throw new ApiError(400, `Invalid URL (${method} ${path}): ${JSON.stringify(segment)} is not valid percent-encoding`, { code: 'invalid_url' });
  }
}
