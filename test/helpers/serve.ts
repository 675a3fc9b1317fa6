// Test helper: `tunefile serve` as a child process (the real CLI over loopback), with an SDK client for it.
import { spawn, type ChildProcess } from 'node:child_process';
import OpenAI from 'openai';
import { CLI } from './cli.ts';

export interface Serve {
  /** Base URL ending in /v1. */
  url: string;
  port: number;
  /** The server's --data folder. */
  dataDir: string;
  client: OpenAI;
  child: ChildProcess;
  /** Everything the server wrote to stderr so far (its log lines). */
  stderr(): string;
  /** Stops the server and waits for it to exit. */
  stop(): Promise<void>;
}

/** The API key every test server requires. */
export const SERVE_KEY = 'sk-serve-test-0123456789abcdef';

/**
 * Starts `tunefile serve` on `port` (0: a free one) with its data in `dataDir`; resolves once it listens.
 * `stepDelayMs` slows every training step (serve's --step-delay-ms); `rateLimit` is serve's --rate-limit RPM,TPM;
 * `apiKey` defaults to SERVE_KEY.
 */
export async function startServe(dataDir: string, o: { port?: number; stepDelayMs?: number; rateLimit?: string; apiKey?: string; env?: Record<string, string> } = {}): Promise<Serve> {
  const apiKey = o.apiKey ?? SERVE_KEY;
  const args = ['serve', '--port', String(o.port ?? 0), '--data', dataDir, '--api-key', apiKey, '--step-delay-ms', String(o.stepDelayMs ?? 0)];
  if (o.rateLimit !== undefined) args.push('--rate-limit', o.rateLimit);
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => reject(new Error(`tunefile serve exited ${code}: ${err}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    client: new OpenAI({ apiKey, baseURL: url, maxRetries: 0 }),
    child,
    stderr: () => err,
    async stop() {
      child.kill('SIGINT');
      await exited;
    },
  };
}
