// `tunefile serve`: run the local OpenAI-compatible fine-tuning server until interrupted.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import type { RateLimit } from '../local/index.ts';
import { readEnvCount } from '../shared/env-number.ts';
import { parseFlags } from './args.ts';
import type { Command } from './command.ts';
import { describeServeStartError } from './serve-errors.ts';

const HELP = `Usage: tunefile serve [--host H] [--port P] [--data DIR] [--api-key KEY] [--step-delay-ms N] [--rate-limit RPM,TPM]

Runs tunefile's local OpenAI-compatible fine-tuning server: files, fine-tuning jobs (a real
softmax classifier trained on this machine), completions and chat completions, models.
Point any OpenAI client at it with the two variables it prints.

Options:
  --host H            address to bind (default 127.0.0.1)
  --port P            port (default 8787; 0 picks a free one)
  --data DIR          folder for files, jobs and models (default .tunefile/local)
  --api-key KEY       key clients must send as a Bearer token; without it a random
                      key is generated and printed
  --step-delay-ms N   sleep N ms after each training step (simulates a slow provider)
  --rate-limit RPM,TPM
                      emulate a hosted provider's limits on completions and chat
                      completions: RPM requests and TPM tokens (prompt + max_tokens)
                      per minute, continuously replenished, with OpenAI's
                      x-ratelimit-* headers and 429 + retry-after above them;
                      leave one out to not limit it (600, or ,100000)

Jobs left queued or running when the server stops resume from their last checkpoint on
the next start with the same --data folder. Ctrl-C stops the server (exit 130). A port in use,
a host that is not this machine's, or a --data folder that cannot be created or written is exit 2.`;

/** --rate-limit RPM,TPM, as a usage error when malformed. */
function readRateLimit(raw: string | undefined, parse: (text: string) => RateLimit): RateLimit | undefined {
  if (raw === undefined) return undefined;
  try {
    return parse(raw);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new UsageError(`--rate-limit: ${error.message}`, { hint: 'for example --rate-limit 600,100000 (600 requests and 100000 tokens per minute), 600, or ,100000' });
  }
}

function parsePort(raw: string | undefined, name: string, fallback: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > max) throw new UsageError(`${name} must be an integer from 0 to ${max} (got '${raw}')`);
  return value;
}

const command: Command = {
  name: 'serve',
  summary: 'run the local OpenAI-compatible fine-tuning server',
  help: HELP,
  run: async (argv, io) => {
    const { values } = parseFlags('serve', argv, {
      host: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' }, 'api-key': { type: 'string' }, 'step-delay-ms': { type: 'string' }, 'rate-limit': { type: 'string' },
    }, 0);
    const port = parsePort(values.port, '--port', 8787, 65535);
    const stepDelayMs = parsePort(values['step-delay-ms'], '--step-delay-ms', 0, 3_600_000);
    const apiKey = values['api-key'] ?? `sk-local-${randomBytes(24).toString('hex')}`;
    const dataDir = resolve(io.cwd, values.data ?? '.tunefile/local');
    const host = values.host ?? '127.0.0.1';
    if (host.trim() === '') throw new UsageError('--host must not be empty', { hint: 'use 127.0.0.1 (the default) or an address of this machine' });
    const { startLocalServer, parseHold, parseRateLimit, HOLD_ENV } = await import('../local/index.ts');
    const rateLimit = readRateLimit(values['rate-limit'], parseRateLimit);
    const hold = parseHold(io.env[HOLD_ENV], io.cwd);
    const failAtStep = readEnvCount(io.env, 'TUNEFILE_LOCAL_FAIL_AT_STEP');
    const server = await startLocalServer({
      dataDir,
      host,
      port,
      apiKey,
      stepDelayMs,
      now: Date.now,
      ...(failAtStep !== undefined ? { failAtStep } : {}),
      ...(hold ? { hold } : {}),
      ...(rateLimit ? { rateLimit } : {}),
      log: (line) => io.stderr.write(`[tunefile serve] ${line}\n`),
    }).catch((error: unknown) => {
      throw describeServeStartError(error, { host, port, data: values.data ?? '.tunefile/local' });
    });
    io.stdout.write(`tunefile local server listening on ${server.url}\n`);
    io.stdout.write(`data: ${dataDir}\n`);
    io.stdout.write(`OPENAI_BASE_URL=${server.url} OPENAI_API_KEY=${apiKey}\n`);
    io.stdout.write(`TOGETHER_BASE_URL=${server.togetherUrl} TOGETHER_API_BASE_URL=${server.togetherUrl} TOGETHER_API_KEY=${apiKey}\n`);
    io.stdout.write('Press Ctrl-C to stop.\n');
    await new Promise<void>((done) => {
      if (io.signal.aborted) return done();
      io.signal.addEventListener('abort', () => done(), { once: true });
    });
    await server.close();
    io.stderr.write('[tunefile serve] interrupted; unfinished jobs will resume on the next start\n');
    return 130;
  },
};
export default command;
