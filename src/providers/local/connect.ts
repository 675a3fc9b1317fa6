// The `local` provider: tunefile's own OpenAI-compatible server, started in-process on an ephemeral port.
import { randomBytes } from 'node:crypto';
import { readEnvCount } from '../../shared/env-number.ts';
import { OPENAI_FINE_TUNABLE } from '../models.ts';
import { openAiProvider } from '../openai/api.ts';
import { rememberSecret } from '../redact.ts';
import type { Provider } from '../types.ts';

/**
 * Starts the embedded server on 127.0.0.1 with a random per-run key, state in `dataDir`.
 * Testing aids from the environment: TUNEFILE_LOCAL_STEP_DELAY_MS (slow training),
 * TUNEFILE_LOCAL_FAIL_AT_STEP (every job fails at that step) and TUNEFILE_LOCAL_HOLD (jobs wait before a step).
 */
export async function connectLocal(dataDir: string, context: { env: Record<string, string | undefined>; cwd: string; now: () => number }): Promise<Provider> {
  const { env } = context;
  const { startLocalServer, parseHold, HOLD_ENV } = await import('../../local/index.ts');
  const hold = parseHold(env[HOLD_ENV], context.cwd);
  const apiKey = `tf-local-${randomBytes(18).toString('hex')}`;
  rememberSecret(apiKey);
  const stepDelayMs = readEnvCount(env, 'TUNEFILE_LOCAL_STEP_DELAY_MS');
  const failAtStep = readEnvCount(env, 'TUNEFILE_LOCAL_FAIL_AT_STEP');
  const server = await startLocalServer({
    dataDir, host: '127.0.0.1', port: 0, apiKey, now: context.now,
    ...(stepDelayMs === undefined ? {} : { stepDelayMs }),
    ...(failAtStep ? { failAtStep } : {}),
    ...(hold ? { hold } : {}),
  });
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({ apiKey, baseURL: server.url, maxRetries: 2, timeout: 120_000 });
  return openAiProvider({ type: 'local' }, client, () => server.close(), { models: OPENAI_FINE_TUNABLE });
}
