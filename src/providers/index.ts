// Provider handles from the pipeline's `provider` and the environment. The SDK and server load lazily.
import type { ProviderSpec } from '../shared/config-types.ts';
import type { ProviderHandle } from './handle.ts';
import { stripUrlCredentials } from './redact.ts';
import { AZURE_UNSET, identityString, type Provider, type ProviderIdentity } from './types.ts';

export type { ProviderHandle } from './handle.ts';
export { identityString } from './types.ts';

const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** The spec as an object. */
export function normalizeProviderSpec(spec: ProviderSpec | undefined): Exclude<ProviderSpec, string> {
  if (spec === undefined || spec === 'local') return { type: 'local' };
  if (spec === 'openai') return { type: 'openai' };
  return spec;
}

/**
 * The identity that enters remote stage keys: type and base URL, never the key. A `user:password@` in the base URL
 * is left out: it would reach keys, lock files, reasons and `status`. A URL without one is kept byte for byte, so
 * the keys of pipelines without credentials do not change.
 */
export function resolveProviderIdentity(spec: ProviderSpec | undefined, env: Record<string, string | undefined>): ProviderIdentity {
  const s = normalizeProviderSpec(spec);
  if (s.type === 'local') return { type: 'local' };
  const base = stripUrlCredentials(configuredBaseUrl(s, env));
  return { type: 'openai', base_url: base };
}

/** The base URL as configured (spec, then OPENAI_BASE_URL or AZURE_OPENAI_ENDPOINT, then OpenAI's), without trailing slashes. */
function configuredBaseUrl(s: Exclude<ProviderSpec, string>, env: Record<string, string | undefined>): string {
  const fallback = s.azure_api_version ? env.AZURE_OPENAI_ENDPOINT : env.OPENAI_BASE_URL;
  return (s.base_url ?? (fallback || undefined) ?? (s.azure_api_version ? AZURE_UNSET : OPENAI_DEFAULT_BASE_URL)).replace(/\/+$/, '');
}

export interface ProviderHandleOptions {
  spec: ProviderSpec | undefined;
  env: Record<string, string | undefined>;
  /** Relative paths in the environment (the local server's TUNEFILE_LOCAL_HOLD) resolve against it. */
  cwd: string;
  /** The wall clock in ms, for the local server's timestamps. */
  now: () => number;
  /** The local provider's data folder (.tunefile/local). */
  localDir: string;
}

/** A handle whose connect() starts the local server or builds an OpenAI client on first use. */
export function createProviderHandle(options: ProviderHandleOptions): ProviderHandle {
  const identity = resolveProviderIdentity(options.spec, options.env);
  let pending: Promise<Provider> | undefined;
  return {
    identity,
    identityString: identityString(identity),
    connect: () => (pending ??= connectProvider(options, identity)),
    close: async () => {
      if (pending) await (await pending.catch(() => undefined))?.close();
    },
  };
}

async function connectProvider(options: ProviderHandleOptions, identity: ProviderIdentity): Promise<Provider> {
  const { connectLocal } = await import('./local.ts');
  const { connectOpenAI } = await import('./openai.ts');
  return identity.type === 'local' ? connectLocal(options.localDir, options) : connectOpenAI(normalizeProviderSpec(options.spec), options.env, identity);
}
