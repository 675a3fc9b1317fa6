// Azure OpenAI's deployment settings, from the provider spec and the environment: a named deployment, or the
// management coordinates and token with which evaluate creates one. Pure: no request is made here.
import { TunefileError } from '../../errors.ts';
import type { HostedProviderSpec, ProviderSpec } from '../../shared/config-types.ts';
import { rememberSecret } from '../redact.ts';

/** The environment variable holding the Azure Resource Manager bearer token. */
export const MANAGEMENT_TOKEN_ENV = 'AZURE_MANAGEMENT_TOKEN';
/** The environment variable that points the management calls elsewhere (a sovereign cloud, or a test's stand-in). */
export const MANAGEMENT_URL_ENV = 'AZURE_MANAGEMENT_URL';
export const DEFAULT_MANAGEMENT_URL = 'https://management.azure.com';
/** How a user gets a token for MANAGEMENT_TOKEN_ENV (Azure CLI). */
export const GET_TOKEN_COMMAND = 'az account get-access-token --resource https://management.azure.com --query accessToken -o tsv';

/** The Azure OpenAI (Cognitive Services) account deployments are made in. */
export interface AzureAccount {
  subscription: string;
  resourceGroup: string;
  account: string;
}

/** Evaluate creates (or finds) the deployment itself through the management API. */
export interface CreateSettings {
  kind: 'create';
  account: AzureAccount;
  /** `sku.name` of the deployment: standard, GlobalStandard, ... */
  sku: string;
  /** `sku.capacity`: for Standard, units of 1,000 tokens per minute. */
  capacity: number;
  keep: boolean;
  /** Management API base URL without a trailing slash. */
  managementUrl: string;
  token: string;
}

/** How evaluate reaches the fine-tuned model on Azure. */
export type AzureDeploymentSettings = { kind: 'named'; name: string } | CreateSettings;

/** Hosts of Azure OpenAI endpoints (classic, AI Services, Foundry). */
const AZURE_HOST = /\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/i;

/** The spec fields that locate the account, in the order messages name them. */
const ACCOUNT_FIELDS = ['azure_subscription', 'azure_resource_group', 'azure_account'] as const;

/** True for Azure OpenAI: `azure_api_version`, any deployment field, or an Azure endpoint host in the base URL. */
export function isAzureSpec(spec: HostedProviderSpec, baseUrl: string | undefined): boolean {
  if (spec.azure_api_version || spec.azure_deployment || ACCOUNT_FIELDS.some((f) => spec[f])) return true;
  try {
    return baseUrl !== undefined && AZURE_HOST.test(new URL(baseUrl).hostname);
  } catch {
    return false; // not a URL: the client reports that when it connects
  }
}

/**
 * How evaluate reaches the fine-tuned model: `azure_deployment` (no management call) wins; else the account fields
 * and the token. Read only when evaluate must ask the model, so a fully cached evaluate needs none of it.
 * @throws TunefileError naming exactly which of the fields, or the token variable, is missing.
 */
export function resolveAzureDeployment(spec: HostedProviderSpec, env: Record<string, string | undefined>): AzureDeploymentSettings {
  if (spec.azure_deployment) return { kind: 'named', name: spec.azure_deployment };
  const missing = ACCOUNT_FIELDS.filter((f) => !spec[f]);
  if (missing.length === ACCOUNT_FIELDS.length) {
    throw new TunefileError('TUNEFILE_PROVIDER', 'Azure OpenAI serves a fine-tuned model only through a deployment, and the provider names none: it lacks azure_deployment, or azure_subscription, azure_resource_group and azure_account for evaluate to create one', {
      hint: 'set provider.azure_deployment to an existing deployment of the fine-tuned model, or the three account fields (docs/providers.md, "Azure OpenAI")',
    });
  }
  if (missing.length > 0) {
    const present = ACCOUNT_FIELDS.filter((f) => spec[f]);
    throw new TunefileError('TUNEFILE_PROVIDER', `cannot create an Azure deployment of the fine-tuned model: the provider lacks ${missing.join(' and ')} (it sets ${present.join(' and ')})`, {
      hint: 'set azure_subscription (subscription id), azure_resource_group and azure_account (the Azure OpenAI resource name), or azure_deployment to use an existing deployment',
    });
  }
  const token = env[MANAGEMENT_TOKEN_ENV];
  if (!token) {
    throw new TunefileError('TUNEFILE_PROVIDER', `creating an Azure deployment of the fine-tuned model takes the management API, which needs a bearer token in the environment variable ${MANAGEMENT_TOKEN_ENV}`, {
      hint: `export ${MANAGEMENT_TOKEN_ENV}=$(${GET_TOKEN_COMMAND}) (tokens are read from the environment only, and last about an hour)`,
    });
  }
  rememberSecret(token);
  const managementUrl = (env[MANAGEMENT_URL_ENV] || DEFAULT_MANAGEMENT_URL).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(managementUrl)) {
    throw new TunefileError('TUNEFILE_PROVIDER', `${MANAGEMENT_URL_ENV} must be an http(s) URL (got ${managementUrl})`);
  }
  return {
    kind: 'create',
    account: { subscription: spec.azure_subscription!, resourceGroup: spec.azure_resource_group!, account: spec.azure_account! },
    sku: spec.azure_deployment_sku ?? 'standard',
    capacity: spec.azure_deployment_capacity ?? 1,
    keep: spec.azure_keep_deployment ?? false,
    managementUrl,
    token,
  };
}
