// The provider interface: a configured openai SDK client plus the identity that enters stage keys.
import type OpenAI from 'openai';

/** The identity's base URL for an Azure provider without an endpoint; connecting then fails with a hint. */
export const AZURE_UNSET = 'azure-endpoint-not-set';

/** What identifies a provider in a stage key: never the API key. */
export interface ProviderIdentity {
  type: 'local' | 'openai';
  /** Base URL for openai-type providers; absent for local (its port changes each run). */
  base_url?: string;
}

export interface Provider {
  identity: ProviderIdentity;
  /** The official SDK client, configured (base URL, key, organization, project, retries). */
  client: OpenAI;
  /** Stops what the provider started (the embedded local server). */
  close(): Promise<void>;
}

/** `local` or `openai:<base_url>`: the identity as one string, for journals and caches. */
export function identityString(identity: ProviderIdentity): string {
  return identity.type === 'local' ? 'local' : `openai:${identity.base_url ?? 'https://api.openai.com/v1'}`;
}
