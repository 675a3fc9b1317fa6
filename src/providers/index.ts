// Provider handles from the pipeline's `provider` and the environment. The SDK and server load lazily.
import type { HostedProviderSpec, ProviderSpec } from '../shared/config-types.ts';
import { dirname, join } from 'node:path';
import type { ProviderHandle } from './handle.ts';
import { trainerIdentity } from './trainer/identity.ts';
import type { TrainerProviderSpec } from './trainer/types.ts';
import { stripUrlCredentials } from './redact.ts';
import { AZURE_UNSET, defaultBaseUrl, identityString, type Provider, type ProviderIdentity } from './types.ts';

export type { ProviderHandle } from './handle.ts';
export { identityString } from './types.ts';

/** The spec as an object. */
export function normalizeProviderSpec(spec: ProviderSpec | undefined): Exclude<ProviderSpec, string> {
  if (spec === undefined || spec === 'local') return { type: 'local' };
  if (spec === 'openai' || spec === 'together') return { type: spec };
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
  if (s.type === 'trainer') return { type: 'trainer', base_url: trainerIdentity(s) };
  const base = stripUrlCredentials(configuredBaseUrl(s, env));
  return { type: s.type, base_url: base };
}

/**
 * The base URL as configured, without trailing slashes: the spec's, then the environment's (OPENAI_BASE_URL,
 * AZURE_OPENAI_ENDPOINT for Azure, TOGETHER_BASE_URL for together, as the SDKs read them), then the service's own.
 */
export function configuredBaseUrl(s: HostedProviderSpec, env: Record<string, string | undefined>): string {
  if (s.type === 'together') return (s.base_url ?? (env.TOGETHER_BASE_URL || undefined) ?? defaultBaseUrl('together')).replace(/\/+$/, '');
  const fallback = s.azure_api_version ? env.AZURE_OPENAI_ENDPOINT : env.OPENAI_BASE_URL;
  return (s.base_url ?? (fallback || undefined) ?? (s.azure_api_version ? AZURE_UNSET : defaultBaseUrl('openai'))).replace(/\/+$/, '');
}

export interface ProviderHandleOptions {
  spec: ProviderSpec | undefined;
  env: Record<string, string | undefined>;
  /** Relative paths in the environment (the local server's TUNEFILE_LOCAL_HOLD) resolve against it. */
  cwd: string;
  /** The wall clock in ms, for the local server's timestamps. */
  now: () => number;
  /** The local provider's data folder (.tunefile/local); the trainer provider's is its sibling, .tunefile/trainer. */
  localDir: string;
  /** The pipeline file's folder: a trainer runs there, and relative model folders resolve against it. Default: cwd. */
  pipelineDir?: string;
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
  const spec = normalizeProviderSpec(options.spec);
  switch (identity.type) {
    case 'local':
      return (await import('./local/connect.ts')).connectLocal(options.localDir, options);
    case 'trainer':
      return (await import('./trainer/connect.ts')).connectTrainer(spec as TrainerProviderSpec, {
        dir: join(dirname(options.localDir), 'trainer'), pipelineDir: options.pipelineDir ?? options.cwd, env: options.env, now: options.now, identity,
      });
    case 'together':
      return (await import('./together/connect.ts')).connectTogether(spec as HostedProviderSpec, options.env, identity);
    case 'openai':
      return (await import('./openai/connect.ts')).connectOpenAI(spec as HostedProviderSpec, options.env, identity);
  }
}
