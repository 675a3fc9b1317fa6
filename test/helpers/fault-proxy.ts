// A fault-injecting HTTP proxy for tests: forwards to a real server (tunefile serve) and, per request path,
// answers with 429 + Retry-After, 500, 503, a connection reset mid-body, a stall, or a truncated JSON body.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What to do instead of (or while) forwarding a request. */
export type Fault =
  | { kind: 'status'; status: 429 | 500 | 502 | 503; retryAfter?: number; message?: string }
  | { kind: 'reset' }
  | { kind: 'stall' }
  | { kind: 'truncate' }
  /** Holds matching requests until `count` of them have arrived, then forwards them all (a rendezvous of clients). */
  | { kind: 'rendezvous'; count: number };

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
    if (fault?.kind === 'stall') return void req.resume();
    if (fault?.kind === 'rendezvous') {
      rule!.held.push(() => forward(req, res, upstream, undefined));
      if (rule!.held.length >= fault.count) for (const release of rule!.held.splice(0)) release();
      return;
    }
    forward(req, res, upstream, fault?.kind);
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

/** Forwards the request; with `reset` or `truncate`, only half of the real response body reaches the client. */
function forward(req: IncomingMessage, res: ServerResponse, upstream: URL, mode: 'reset' | 'truncate' | undefined): void {
  const path = (req.url ?? '/').replace(/^\/v1\/?/, '');
  const url = new URL(path, upstream);
  const headers = { ...req.headers, host: url.host };
  const out = request(url, { method: req.method, headers }, (up) => {
    const chunks: Buffer[] = [];
    up.on('data', (c: Buffer) => chunks.push(c));
    up.on('end', () => {
      const body = Buffer.concat(chunks);
      const upHeaders = { ...up.headers };
      delete upHeaders['transfer-encoding'];
      if (mode === 'reset') {
        // Promise the whole body, send half of it, then cut the connection.
        res.writeHead(up.statusCode ?? 502, { ...upHeaders, 'content-length': body.length });
        res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
        return;
      }
      const sent = mode === 'truncate' ? body.subarray(0, Math.floor(body.length / 2)) : body;
      res.writeHead(up.statusCode ?? 502, { ...upHeaders, 'content-length': sent.length });
      res.end(sent);
    });
  });
  out.on('error', () => res.socket?.destroy());
  req.pipe(out);
}
