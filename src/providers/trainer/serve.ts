// evaluate's server for a self-hosted model: `serve:` started on a free port in a process group of its own, ready
// once GET /v1/models lists the served name; stopped (the whole group) when evaluate is done, fails or is
// interrupted, and SIGKILLed if tunefile exits first. Or `endpoint:`, a server someone else runs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import OpenAI from 'openai';
import { TunefileError } from '../../errors.ts';
import { writeFileAtomic } from '../../shared/atomic-write.ts';
import { endGroup, forgetGroup, trackGroup } from '../../shared/process-group.ts';
import { rememberSecret } from '../redact.ts';
import type { DeployOptions, InferenceDeployment } from '../types.ts';
import { expandArgs, expandText, type Placeholders } from './placeholders.ts';
import { logEnding } from './tail.ts';
import type { TrainerFormat, TrainerProviderSpec, TrainerSettings } from './types.ts';

/** The name a served model goes by when the spec names none. */
export const DEFAULT_SERVED_MODEL = 'tunefile';

/** What starting a server needs. */
export interface ServeOptions {
  spec: TrainerProviderSpec;
  format: TrainerFormat;
  /** The settings the model was trained with (base model, LoRA or not), for the serve command and its config. */
  settings: TrainerSettings;
  /** A folder for the server's config and log (inside .tunefile/trainer). */
  dir: string;
  cwd: string;
  env: Record<string, string | undefined>;
  tunefile: string[];
  /** SIGTERM to SIGKILL, when stopping the server. */
  graceMs: number;
}

/** Makes the trained model callable: an endpoint as given, or a server started for it. */
export async function deployTrained(o: ServeOptions, deploy: DeployOptions): Promise<InferenceDeployment> {
  const served = o.spec.served_model ?? DEFAULT_SERVED_MODEL;
  // The key requests carry: the endpoint's own, or a fresh one for a server started here (`{api_key}`).
  const apiKey = (o.spec.api_key_env ? o.env[o.spec.api_key_env] : undefined) ?? `tf-serve-${randomBytes(18).toString('hex')}`;
  rememberSecret(apiKey);
  if (o.spec.endpoint) {
    const client = new OpenAI({ baseURL: o.spec.endpoint, apiKey, maxRetries: 2 });
    await waitListed(client, served, { signal: deploy.signal, timeoutMs: 30_000, gone: () => undefined, log: () => '' });
    return { model: o.spec.request_model ?? served, client, release: async () => {} };
  }
  if (!deploy.artifact) {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', 'evaluate has no trained model folder to serve', { hint: "wire train's `model` output into evaluate (inputs: {model: train.model}), or set provider.endpoint" });
  }
  const port = await freePort();
  mkdirSync(o.dir, { recursive: true });
  const values: Placeholders = { model: o.settings.base_model, adapter: deploy.artifact, port: String(port), served_model: served, api_key: apiKey };
  const serveConfig = o.format.renderServeConfig?.(o.settings, deploy.artifact, port, served);
  if (serveConfig) {
    values.serve_config = join(o.dir, serveConfig.name);
    writeFileAtomic(values.serve_config, serveConfig.text);
  }
  const defaults = o.format.defaultServe(o.settings.lora !== false);
  const argv = expandArgs(o.spec.serve ?? defaults.run, values, o.tunefile, 'serve');
  const extraEnv = Object.fromEntries(Object.entries(o.spec.serve_env ?? defaults.env ?? {}).map(([k, v]) => [k, expandText(v, values, 'serve_env')]));
  const logPath = join(o.dir, `serve-${port}.log`);
  writeFileSync(logPath, '');
  const log = { file: logPath, append: true } as const;
  deploy.progress(`starting ${argv[0]} on port ${port}`);
  const child = execa(argv[0]!, argv.slice(1), { cwd: o.cwd, env: { ...o.env, ...extraEnv }, extendEnv: false, detached: true, stdin: 'ignore', stdout: log, stderr: log, reject: false, cleanup: false });
  let exited: string | undefined;
  void child.then((r) => {
    exited = r.failed && r.exitCode === undefined && !r.signal ? r.shortMessage : `exited with ${r.signal ?? `code ${r.exitCode}`}`;
  });
  const pgid = child.pid;
  if (pgid === undefined) {
    await child;
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `could not start the model server ${argv[0]}: ${exited ?? 'no process'}`, { hint: 'check provider.serve' });
  }
  trackGroup(pgid);
  const stop = async (): Promise<void> => {
    await endGroup(pgid, o.graceMs);
    await child.catch(() => undefined);
    forgetGroup(pgid);
  };
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey, maxRetries: 2 });
  try {
    deploy.progress(`waiting for ${argv[0]} to list ${served} at /v1/models`);
    await waitListed(client, served, { signal: deploy.signal, timeoutMs: (o.spec.serve_timeout_s ?? 600) * 1000, gone: () => exited, log: () => logEnding(logPath, 'its log') });
  } catch (error) {
    await stop();
    throw error;
  }
  return { model: o.spec.request_model ? expandText(o.spec.request_model, values, 'request_model') : served, client, release: stop };
}

/** Polls /v1/models until `served` is listed; fails when the server exits, the time is up, or on abort. */
async function waitListed(client: OpenAI, served: string, o: { signal: AbortSignal; timeoutMs: number; gone(): string | undefined; log(): string }): Promise<void> {
  const until = performance.now() + o.timeoutMs;
  let listed: string[] = [];
  for (;;) {
    if (o.signal.aborted) throw new TunefileError('TUNEFILE_INTERRUPTED', 'interrupted while the model server started');
    const gone = o.gone();
    if (gone !== undefined) throw new TunefileError('TUNEFILE_STAGE_FAILED', `the model server ${gone} before it listed ${served}${o.log()}`);
    try {
      listed = (await client.models.list({ signal: o.signal, timeout: 5000, maxRetries: 0 })).data.map((m) => m.id);
      if (listed.includes(served)) return;
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (status === 401 || status === 403) {
        throw new TunefileError('TUNEFILE_STAGE_FAILED', `the model server refuses the API key (HTTP ${status})`, { hint: 'pass {api_key} to the server in provider.serve (tunefile serve --api-key {api_key}, vllm --api-key {api_key}), or name its key in provider.api_key_env' });
      }
      // not up yet
    }
    if (performance.now() >= until) {
      const seen = listed.length > 0 ? `; it lists ${listed.join(', ')}` : '';
      throw new TunefileError('TUNEFILE_STAGE_FAILED', `the model server did not list ${served} at /v1/models within ${Math.round(o.timeoutMs / 1000)} s${seen}${o.log()}`, { hint: 'raise provider.serve_timeout_s, or check provider.serve and provider.served_model' });
    }
    await sleep(250, undefined, { signal: o.signal }).catch(() => undefined);
  }
}

/** A port free on 127.0.0.1 now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}
