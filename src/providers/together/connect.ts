// The `together` provider: Together AI's fine-tuning API through the official together-ai SDK, and its
// OpenAI-compatible inference through the openai SDK. The key comes from the environment only.
import { TunefileError } from '../../errors.ts';
import type { HostedProviderSpec } from '../../shared/config-types.ts';
import { readEnvCount } from '../../shared/env-number.ts';
import { rememberSecret } from '../redact.ts';
import type { Provider, ProviderIdentity } from '../types.ts';
import { togetherProvider } from './api.ts';
import { togetherFetch } from './inference.ts';

export async function connectTogether(spec: HostedProviderSpec, env: Record<string, string | undefined>, identity: ProviderIdentity): Promise<Provider> {
  const keyVar = spec.api_key_env ?? 'TOGETHER_API_KEY';
  const apiKey = env[keyVar];
  if (!apiKey) {
    throw new TunefileError('TUNEFILE_PROVIDER', `the together provider needs an API key in the environment variable ${keyVar}`, {
      hint: `export ${keyVar}=... (keys are read from the environment, never from the pipeline file)`,
    });
  }
  rememberSecret(apiKey);
  const { Together } = await import('together-ai');
  const { default: OpenAI } = await import('openai');
  const maxRetries = readEnvCount(env, 'TUNEFILE_OPENAI_MAX_RETRIES') ?? 4;
  const timeout = readEnvCount(env, 'TUNEFILE_OPENAI_TIMEOUT_MS') ?? 120_000;
  const baseURL = identity.base_url!;
  return togetherProvider(identity, new Together({ apiKey, baseURL, maxRetries, timeout }), new OpenAI({ apiKey, baseURL, maxRetries, timeout, fetch: togetherFetch() }));
}
