// `tunefile serve`: run the local OpenAI-compatible fine-tuning server until interrupted.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import type { RateLimit } from '../local/index.ts';
import { readEnvCount } from '../shared/env-number.ts';
import { parseFlags } from './args.ts';
import type { CliIO, Command } from './command.ts';
import { describeServeStartError } from './serve-errors.ts';

const HELP = `Usage: tunefile serve [--host H] [--port P] [--data DIR] [--api-key KEY] [--step-delay-ms N] [--rate-limit RPM,TPM]
       tunefile serve --model DIR [--served-model-name NAME] [--host H] [--port P] [--api-key KEY] [--rate-limit RPM,TPM]

Runs tunefile's local OpenAI-compatible fine-tuning server: files, fine-tuning jobs (a real
softmax classifier trained on this machine), completions and chat completions, models.
Point any OpenAI client at it with the two variables it prints.

With --model, serves one model folder that 'tunefile local-train' wrote (its output_dir, or a
checkpoint-<step> folder in it) through the inference endpoints only, as vLLM serves a trained
model: /v1/completions and /v1/chat/completions (with logprobs) answer requests whose model is
NAME, and GET /v1/models lists it.

Options:
  --host H            address to bind (default 127.0.0.1)
  --port P            port (default 8787; 0 picks a free one)
  --data DIR          folder for files, jobs and models (default .tunefile/local)
  --api-key KEY       key clients must send as a Bearer token; without it a random
                      key is generated and printed
  --step-delay-ms N   sleep N ms after each training step (simulates a slow provider)
  --model DIR         serve this model folder instead of a data folder (no files or jobs)
  --served-model-name NAME
                      with --model: the model's name in requests and /v1/models
                      (default tunefile)
  --rate-limit RPM,TPM
                      emulate a hosted provider's limits on completions and chat
                      completions: RPM requests and TPM tokens (prompt + max_tokens)
                      per minute, continuously replenished, with OpenAI's
                      x-ratelimit-* headers and 429 + retry-after above them;
                      leave one out to not limit it (600, or ,100000)

Jobs left queued or running when the server stops resume from their last checkpoint on
the next start with the same --data folder. Ctrl-C stops the server (exit 130). A port in use,
a host that is not this machine's, a --data folder that cannot be created or written, or a --model
folder that holds no model local-train wrote is exit 2.`;

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

/** Flags serve takes; those in DATA_ONLY mean nothing with --model. */
const FLAGS = {
  host: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' }, 'api-key': { type: 'string' }, 'step-delay-ms': { type: 'string' }, 'rate-limit': { type: 'string' },
  model: { type: 'string' }, 'served-model-name': { type: 'string' },
} as const;
const DATA_ONLY = ['data', 'step-delay-ms'] as const;

type Values = ReturnType<typeof parseFlags<typeof FLAGS>>['values'];

/** Resolves once the CLI's signal (SIGINT/SIGTERM) fires. */
function untilInterrupted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((done) => {
    if (signal.aborted) return done();
    signal.addEventListener('abort', () => done(), { once: true });
  });
}

const command: Command = {
  name: 'serve',
  summary: 'run the local OpenAI-compatible fine-tuning server, or serve one model folder',
  help: HELP,
  run: async (argv, io) => {
    const { values } = parseFlags('serve', argv, FLAGS, 0);
    const port = parsePort(values.port, '--port', 8787, 65535);
    const apiKey = values['api-key'] ?? `sk-local-${randomBytes(24).toString('hex')}`;
    const host = values.host ?? '127.0.0.1';
    if (host.trim() === '') throw new UsageError('--host must not be empty', { hint: 'use 127.0.0.1 (the default) or an address of this machine' });
    if (values.model !== undefined) return serveModel(values, values.model, { host, port, apiKey }, io);
    if (values['served-model-name'] !== undefined) throw new UsageError('--served-model-name needs --model DIR', { hint: 'it names the model folder --model serves' });
    return serveData(values, { host, port, apiKey }, io);
  },
};
export default command;

/** `serve --model DIR`: one model folder, inference only. */
async function serveModel(values: Values, model: string, o: { host: string; port: number; apiKey: string }, io: CliIO): Promise<number> {
  const extra = DATA_ONLY.find((flag) => values[flag] !== undefined);
  if (extra) throw new UsageError(`--${extra} has no meaning with --model (a model folder is served without a data folder or training)`, { hint: `leave out --${extra}, or --model to run the fine-tuning server` });
  if (values['served-model-name'] === '') throw new UsageError('--served-model-name must not be empty');
  const { startModelServer, parseRateLimit, ModelFolderError } = await import('../local/index.ts');
  const rateLimit = readRateLimit(values['rate-limit'], parseRateLimit);
  const dir = resolve(io.cwd, model);
  const server = await startModelServer({
    modelDir: dir,
    ...(values['served-model-name'] !== undefined ? { servedModelName: values['served-model-name'] } : {}),
    host: o.host,
    port: o.port,
    apiKey: o.apiKey,
    now: Date.now,
    ...(rateLimit ? { rateLimit } : {}),
    log: (line) => io.stderr.write(`[tunefile serve] ${line}\n`),
  }).catch((error: unknown) => {
    if (error instanceof ModelFolderError) throw new UsageError(`--model ${model}: ${error.reason}`, { cause: error, hint: "pass the output_dir of a finished 'tunefile local-train' run, or one of its checkpoint-<step> folders" });
    throw describeServeStartError(error, { host: o.host, port: o.port, data: '' });
  });
  io.stdout.write(`tunefile local server listening on ${server.url}\n`);
  io.stdout.write(`model: ${dir} (served as ${server.servedModelName})\n`);
  io.stdout.write(`OPENAI_BASE_URL=${server.url} OPENAI_API_KEY=${o.apiKey}\n`);
  io.stdout.write('Press Ctrl-C to stop.\n');
  await untilInterrupted(io.signal);
  await server.close();
  io.stderr.write('[tunefile serve] interrupted; stopped\n');
  return 130;
}

/** `serve` without --model: the fine-tuning server over a data folder. */
async function serveData(values: Values, o: { host: string; port: number; apiKey: string }, io: CliIO): Promise<number> {
  const { host, port, apiKey } = o;
  const stepDelayMs = parsePort(values['step-delay-ms'], '--step-delay-ms', 0, 3_600_000);
  const dataDir = resolve(io.cwd, values.data ?? '.tunefile/local');
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
  await untilInterrupted(io.signal);
  await server.close();
  io.stderr.write('[tunefile serve] interrupted; unfinished jobs will resume on the next start\n');
  return 130;
}
