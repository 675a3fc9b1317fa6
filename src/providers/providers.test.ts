// Provider identity (what enters keys) and the openai client setup: key from the environment, Azure, org/project.
import { describe, expect, it } from 'vitest';
import { AzureOpenAI } from 'openai';
import { createProviderHandle, resolveProviderIdentity } from './index.ts';
import { connectOpenAI } from './openai/connect.ts';
import { describeModel } from './models.ts';
import { identityString } from './types.ts';

describe('resolveProviderIdentity', () => {
  it('is just `local` for the local provider, whatever the environment', () => {
    expect(resolveProviderIdentity(undefined, { OPENAI_BASE_URL: 'http://x/v1' })).toEqual({ type: 'local' });
    expect(identityString(resolveProviderIdentity('local', {}))).toBe('local');
  });

  it('takes the base URL from the spec, then OPENAI_BASE_URL, then OpenAI, without a trailing slash and never the key', () => {
    const env = { OPENAI_BASE_URL: 'http://127.0.0.1:8787/v1/', OPENAI_API_KEY: 'sk-secret' };
    expect(resolveProviderIdentity({ type: 'openai', base_url: 'https://proxy.example/v1' }, env)).toEqual({ type: 'openai', base_url: 'https://proxy.example/v1' });
    expect(resolveProviderIdentity('openai', env)).toEqual({ type: 'openai', base_url: 'http://127.0.0.1:8787/v1' });
    expect(identityString(resolveProviderIdentity('openai', {}))).toBe('openai:https://api.openai.com/v1');
    expect(JSON.stringify(resolveProviderIdentity('openai', env))).not.toContain('sk-secret');
  });

  it('leaves a user:password@ out of the identity, and keeps a URL without one byte for byte (keys do not change)', async () => {
    expect(resolveProviderIdentity({ type: 'openai', base_url: 'http://bob:hunter2@gw.example:8080/v1/' }, {})).toEqual({ type: 'openai', base_url: 'http://gw.example:8080/v1' });
    expect(resolveProviderIdentity('openai', { OPENAI_BASE_URL: 'https://tok@gw.example/v1' }).base_url).toBe('https://gw.example/v1');
    for (const url of ['https://GW.Example:443/v1', 'http://127.0.0.1:8787/v1', 'https://res.openai.azure.com/openai?x=a@b']) {
      expect(resolveProviderIdentity({ type: 'openai', base_url: url }, {}).base_url).toBe(url);
    }
    const handle = createProviderHandle({ spec: { type: 'openai', base_url: 'http://bob:hunter2@gw.example/v1' }, env: { OPENAI_API_KEY: 'sk-0123456789ab' }, localDir: '/nonexistent', cwd: '/nonexistent', now: Date.now });
    expect(handle.identityString).toBe('openai:http://gw.example/v1');
    const refused = (await handle.connect().catch((e: unknown) => e)) as { message: string; hint: string };
    expect(refused).toMatchObject({ code: 'TUNEFILE_PROVIDER', message: 'provider.base_url http://gw.example/v1 holds a user:password@ part, which tunefile does not send' });
    expect(JSON.stringify(refused) + refused.message + refused.hint).not.toContain('hunter2');
  });

  it('uses AZURE_OPENAI_ENDPOINT for Azure, and connecting without any endpoint says how to set one', async () => {
    const azure = { type: 'openai' as const, azure_api_version: '2024-10-21' };
    expect(resolveProviderIdentity(azure, { AZURE_OPENAI_ENDPOINT: 'https://res.openai.azure.com/' }).base_url).toBe('https://res.openai.azure.com');
    const handle = createProviderHandle({ spec: azure, env: { AZURE_OPENAI_API_KEY: 'k' }, localDir: '/nonexistent', cwd: '/nonexistent', now: Date.now });
    await expect(handle.connect()).rejects.toMatchObject({ code: 'TUNEFILE_PROVIDER', hint: expect.stringContaining('AZURE_OPENAI_ENDPOINT') });
  });
});

describe('connectOpenAI', () => {
  it('names the missing key variable (api_key_env included) and never reads a key from the spec', async () => {
    const identity = { type: 'openai' as const, base_url: 'http://127.0.0.1:1/v1' };
    await expect(connectOpenAI({ type: 'openai' }, {}, identity)).rejects.toMatchObject({ code: 'TUNEFILE_PROVIDER', message: expect.stringContaining('OPENAI_API_KEY') });
    await expect(connectOpenAI({ type: 'openai', api_key_env: 'MY_KEY' }, { OPENAI_API_KEY: 'x' }, identity)).rejects.toThrow(/MY_KEY/);
  });

  it('configures base URL, organization and project (spec before environment), and the Azure client when asked', async () => {
    const identity = { type: 'openai' as const, base_url: 'http://127.0.0.1:1/v1' };
    const env = { OPENAI_API_KEY: 'sk-1', OPENAI_ORG_ID: 'org-env', OPENAI_PROJECT_ID: 'proj-env' };
    const plain = await connectOpenAI({ type: 'openai', organization: 'org-spec' }, env, identity);
    expect(plain.inference.baseURL).toBe('http://127.0.0.1:1/v1');
    expect(plain.inference.organization).toBe('org-spec');
    expect(plain.inference.project).toBe('proj-env');
    const azure = await connectOpenAI({ type: 'openai', azure_api_version: '2024-10-21', azure_deployment: 'ft-spam' }, { AZURE_OPENAI_API_KEY: 'az' }, { type: 'openai', base_url: 'https://res.openai.azure.com' });
    expect(azure.inference).toBeInstanceOf(AzureOpenAI);
    expect(azure.inference.baseURL).toBe('https://res.openai.azure.com/openai');
  });
});

describe('describeModel', () => {
  it("names the tokenizer and context tunefile counts a provider's model with", () => {
    expect(describeModel('gpt-4o-mini-2024-07-18')).toEqual({ id: 'gpt-4o-mini-2024-07-18', tokenizer: 'o200k_base', context: 65536 });
    expect(describeModel('babbage-002')).toEqual({ id: 'babbage-002', tokenizer: 'cl100k_base', context: 16384 });
    expect(describeModel('meta-llama/Meta-Llama-3.1-8B-Instruct-Reference')).toEqual({ id: 'meta-llama/Meta-Llama-3.1-8B-Instruct-Reference', tokenizer: 'hf:meta-llama/Llama-3.1-8B-Instruct', context: 131072 });
    // A Hub id tunefile has no entry for: its own repository, and the default context.
    expect(describeModel('acme/tiny-7b').tokenizer).toBe('hf:acme/tiny-7b');
  });
});
