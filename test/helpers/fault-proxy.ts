// A fault-injecting HTTP proxy for tests: forwards to a real server (tunefile serve) and, per request path,
// answers with 429 + Retry-After, 500, 503, a connection reset mid-body, a stall, or a truncated JSON body; or
// replays the answer the server gave earlier to the same request, from memory.
import { createHash } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { toExchange, type Exchange } from './openapi.ts';

/** What to do instead of (or while) forwarding a request. */
export type Fault =
  | { kind: 'status'; status: 429 | 500 | 502 | 503; retryAfter?: number; message?: string }
  | { kind: 'reset' }
  | { kind: 'stall' }
  | { kind: 'truncate' }
  /** Holds matching requests until `count` of them have arrived, then forwards them all (a rendezvous of clients). */
  | { kind: 'rendezvous'; count: number }
  /**
   * Answers from memory with the server's answer to an earlier request of the same method, path and body, without
   * asking the server: the answer does not wait on the server's speed. No such earlier request: a 502 that says so
   * (x-should-retry: false), so a test can never pass on a forwarded request instead.
   */
  | { kind: 'replay' };

export interface FaultRule {
  method?: string;
  /** Matched against the path below the proxy's /v1, e.g. /^\/fine_tuning\/jobs$/ . */
  path: RegExp;
  fault: Fault;
  /** Fault this many matching requests, then forward normally. @default Infinity */
  times?: number;
  /** Forward this many matching requests normally before the first fault. @default 0 */
  after?: number;
}

export interface FaultProxy {
  /** Base URL ending in /v1, to give the client as OPENAI_BASE_URL. */
  url: string;
  /** Every request seen: method, path and the fault applied (or 'forwarded'). */
  log: { method: string; path: string; fault: string }[];
  /** Every forwarded request with the server's whole answer, parsed (for checks against a vendor's document). */
  exchanges: Exchange[];
  /** Stalled requests whose client closed the connection (gave up waiting), in the order they did. */
  abandoned: { method: string; path: string }[];
  /** Replaces the rules (counters start again). */
  setRules(rules: FaultRule[]): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 in front of `target` (a base URL ending in /v1). */
export async function startFaultProxy(target: string, rules: FaultRule[] = []): Promise<FaultProxy> {
  const upstream = new URL(target.endsWith('/') ? target : `${target}/`);
  const activate = (list: FaultRule[]) => list.map((r) => ({ ...r, left: r.times ?? Infinity, skip: r.after ?? 0, held: [] as (() => void)[] }));
  let active = activate(rules);
  const log: FaultProxy['log'] = [];
  const abandoned: FaultProxy['abandoned'] = [];
  const recorded = new Map<string, Recorded>();
  const exchanges: Exchange[] = [];
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').replace(/^\/v1/, '').split('?')[0]!;
    let rule = active.find((r) => r.left > 0 && (!r.method || r.method === req.method) && r.path.test(path));
    if (rule && rule.skip > 0) {
      rule.skip -= 1;
      rule = undefined;
    }
    if (rule) rule.left -= 1;
    const fault = rule?.fault;
    log.push({ method: req.method ?? 'GET', path, fault: fault ? describe(fault) : 'forwarded' });
    if (fault?.kind === 'status') return void sendStatus(req, res, fault);
    if (fault?.kind === 'stall') {
      res.on('close', () => abandoned.push({ method: req.method ?? 'GET', path }));
      return void req.resume();
    }
    if (fault?.kind === 'rendezvous') {
      rule!.held.push(() => forward(req, res, upstream, undefined, recorded, exchanges));
      if (rule!.held.length >= fault.count) for (const release of rule!.held.splice(0)) release();
      return;
    }
    if (fault?.kind === 'replay') return void replay(req, res, recorded);
    forward(req, res, upstream, fault?.kind, recorded, exchanges);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    log,
    exchanges,
    abandoned,
    setRules(next) {
      active = activate(next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A server answer kept for `replay`, by method, path (with its query) and a hash of the request body. */
interface Recorded {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

const requestKey = (req: IncomingMessage, body: Buffer) => `${req.method} ${req.url} ${createHash('sha256').update(body).digest('hex')}`;

/** The whole request body. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Answers with the recorded answer to the same request (see Fault 'replay'). */
async function replay(req: IncomingMessage, res: ServerResponse, recorded: Map<string, Recorded>): Promise<void> {
  const body = await readBody(req).catch(() => undefined);
  if (!body) return void res.socket?.destroy();
  const answer = recorded.get(requestKey(req, body));
  if (!answer) {
    const text = JSON.stringify({ error: { message: `fault proxy: no recorded answer to replay for ${req.method} ${req.url}`, type: 'server_error', param: null, code: null } });
    res.writeHead(502, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-should-retry': 'false' });
    return void res.end(text);
  }
  res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
  res.end(answer.body);
}

function describe(fault: Fault): string {
  return fault.kind === 'status' ? `status ${fault.status}` : fault.kind === 'rendezvous' ? `rendezvous of ${fault.count}` : fault.kind;
}

/** Answers with an OpenAI-shaped error body. */
function sendStatus(req: IncomingMessage, res: ServerResponse, fault: Extract<Fault, { kind: 'status' }>): void {
  req.resume();
  const message = fault.message ?? `injected ${fault.status} from the fault proxy`;
  const body = JSON.stringify({ error: { message, type: fault.status === 429 ? 'rate_limit_exceeded' : 'server_error', param: null, code: null } });
  res.writeHead(fault.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...(fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) }),
  });
  res.end(body);
}

/**
 * Forwards the request and records the server's whole answer (for `replay`); with `reset` or `truncate`, only half
 * of the real response body reaches the client.
 */
async function forward(req: IncomingMessage, res: ServerResponse, upstream: URL, mode: 'reset' | 'truncate' | undefined, recorded: Map<string, Recorded>, exchanges: Exchange[]): Promise<void> {
  const sent = await readBody(req).catch(() => undefined);
  if (!sent) return void res.socket?.destroy();
  const path = (req.url ?? '/').replace(/^\/v1\/?/, '');
  const url = new URL(path, upstream);
  const headers = { ...req.headers, host: url.host };
  delete headers['transfer-encoding'];
  const out = request(url, { method: req.method, headers: { ...headers, 'content-length': String(sent.length) } }, (up) => {
    const chunks: Buffer[] = [];
    up.on('data', (c: Buffer) => chunks.push(c));
    up.on('end', () => {
      const body = Buffer.concat(chunks);
      const upHeaders = { ...up.headers };
      delete upHeaders['transfer-encoding'];
      recorded.set(requestKey(req, sent), { status: up.statusCode ?? 502, headers: upHeaders, body });
      exchanges.push(toExchange({ method: req.method ?? 'GET', path: '/' + path.split('?')[0], status: up.statusCode ?? 502, contentType: String(up.headers['content-type'] ?? ''), text: body.toString('utf8'), requestContentType: String(req.headers['content-type'] ?? ''), requestText: sent.toString('utf8') }));
      if (mode === 'reset') {
        // Promise the whole body, send half of it, then cut the connection.
        res.writeHead(up.statusCode ?? 502, { ...upHeaders, 'content-length': body.length });
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
        return;
      }
      const reply = mode === 'truncate' ? body.subarray(0, Math.floor(body.length / 2)) : body;
      res.writeHead(up.statusCode ?? 502, { ...upHeaders, 'content-length': reply.length });
      res.end(reply);
    });
  });
  out.on('error', () => res.socket?.destroy());
  out.end(sent);
}
