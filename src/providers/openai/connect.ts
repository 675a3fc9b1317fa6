// The `openai` provider: OpenAI, Azure OpenAI or any server with the same fine-tuning API, via the official SDK.
// On Azure it also deploys the fine-tuned model for evaluate (src/providers/azure/).
import { TunefileError } from '../../errors.ts';
import type { HostedProviderSpec } from '../../shared/config-types.ts';
import { readEnvCount } from '../../shared/env-number.ts';
import { rememberSecret, stripUrlCredentials } from '../redact.ts';
import { OPENAI_FINE_TUNABLE } from '../models.ts';
import { AZURE_UNSET, defaultBaseUrl, type Provider, type ProviderIdentity } from '../types.ts';
import { isAzureSpec, resolveAzureDeployment } from '../azure/settings.ts';
import { openAiProvider } from './api.ts';

/** Builds the SDK client. The key comes from the environment only and is never logged or stored. */
export async function connectOpenAI(
  spec: HostedProviderSpec,
  env: Record<string, string | undefined>,
  identity: ProviderIdentity,
): Promise<Provider> {
  if (identity.base_url === AZURE_UNSET) {
    throw new TunefileError('TUNEFILE_PROVIDER', 'the Azure OpenAI provider needs an endpoint', {
      hint: 'set provider.base_url (https://<resource>.openai.azure.com) or export AZURE_OPENAI_ENDPOINT',
    });
  }
  const keyVar = spec.api_key_env ?? (spec.azure_api_version ? 'AZURE_OPENAI_API_KEY' : 'OPENAI_API_KEY');
  const configured = spec.base_url ?? (spec.azure_api_version ? env.AZURE_OPENAI_ENDPOINT : env.OPENAI_BASE_URL);
  if (configured && stripUrlCredentials(configured) !== configured) {
    // Node's fetch refuses URLs with credentials, so they never worked; say so instead of a bare "Connection error.".
    const where = spec.base_url ? 'provider.base_url' : spec.azure_api_version ? 'AZURE_OPENAI_ENDPOINT' : 'OPENAI_BASE_URL';
    throw new TunefileError('TUNEFILE_PROVIDER', `${where} ${identity.base_url} holds a user:password@ part, which tunefile does not send`, {
      hint: `remove it from ${where}; the API key goes in the environment variable ${keyVar} and is sent as a bearer token`,
    });
  }
  const apiKey = env[keyVar];
  if (!apiKey) {
    throw new TunefileError('TUNEFILE_PROVIDER', `the openai provider needs an API key in the environment variable ${keyVar}`, {
      hint: `export ${keyVar}=... (keys are read from the environment, never from the pipeline file)`,
    });
  }
  rememberSecret(apiKey);
  const { default: OpenAI, AzureOpenAI } = await import('openai');
  const common = {
    apiKey,
    maxRetries: readEnvCount(env, 'TUNEFILE_OPENAI_MAX_RETRIES') ?? 4,
    timeout: readEnvCount(env, 'TUNEFILE_OPENAI_TIMEOUT_MS') ?? 120_000,
    organization: spec.organization ?? env.OPENAI_ORG_ID ?? null,
    project: spec.project ?? env.OPENAI_PROJECT_ID ?? null,
  };
  const client = spec.azure_api_version
    ? new AzureOpenAI({ ...common, endpoint: identity.base_url, apiVersion: spec.azure_api_version, ...(spec.azure_deployment ? { deployment: spec.azure_deployment } : {}) })
    : new OpenAI({ ...common, baseURL: identity.base_url });
  if (spec.flavor === 'nebius') return (await import('./nebius.ts')).nebiusProvider(identity, client, async () => {});
  // OpenAI's own table for api.openai.com; a compatible server or Azure publishes its own list, which tunefile does not know.
  const provider = openAiProvider(identity, client, async () => {}, identity.base_url === defaultBaseUrl('openai') ? { models: OPENAI_FINE_TUNABLE } : {});
  if (!isAzureSpec(spec, identity.base_url)) return provider;
  // Azure serves a fine-tuned model only through a deployment; its settings are read when evaluate asks for one.
  return {
    ...provider,
    async deployForInference(model, options) {
      const { deployForInference } = await import('../azure/deploy.ts');
      return deployForInference(resolveAzureDeployment(spec, env), model, options);
    },
  };
}

