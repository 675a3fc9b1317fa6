// Azure deployment settings (which field or variable is missing) and deployment names (Azure's rules, deterministic).
import { describe, expect, it } from 'vitest';
import { connectOpenAI } from '../openai/connect.ts';
import { getDeploymentName, getRemovalCommands } from './deploy.ts';
import { isAzureSpec, resolveAzureDeployment, type CreateSettings } from './settings.ts';

const ACCOUNT = { azure_subscription: 'sub-1', azure_resource_group: 'rg', azure_account: 'acct' };
const TOKEN = { AZURE_MANAGEMENT_TOKEN: 'eyJ-management-token-0123' };

/** The TunefileError a call throws, as {message, hint}. */
function errorOf(fn: () => unknown): { message: string; hint?: string } {
  try {
    fn();
  } catch (error) {
    return error as { message: string; hint?: string };
  }
  throw new Error('did not throw');
}

describe('getDeploymentName', () => {
  it('keeps to Azure\'s rules (letters, digits, -, _, ., at most 64) and is the same for the same model', () => {
    const ids = ['ft:babbage-002:local::wepYeQJUsZggPiY7Tx90uYHT', 'gpt-4.1-mini-2025-04-14.ft-b044a9d3cf9c4228b5d393567f693b83', `ft:${'x'.repeat(200)}`, 'a b/c'];
    for (const id of ids) {
      const name = getDeploymentName(id);
      expect(name).toMatch(/^tf-[A-Za-z0-9_.-]+$/);
      expect(name.length).toBeLessThanOrEqual(64);
      expect(getDeploymentName(id)).toBe(name);
    }
    expect(getDeploymentName('gpt-4.1-mini-2025-04-14.ft-b044a9d3cf9c4228b5d393567f693b83')).toMatch(/^tf-gpt-4\.1-mini-2025-04-14\.ft-b044a9d3cf9c4228b5d39-[0-9a-f]{12}$/);
  });

  it('gives two ids that differ only in refused characters, or past the cut, different names', () => {
    expect(getDeploymentName('ft:a:b')).not.toBe(getDeploymentName('ft-a-b'));
    expect(getDeploymentName(`${'m'.repeat(80)}1`)).not.toBe(getDeploymentName(`${'m'.repeat(80)}2`));
  });
});

describe('resolveAzureDeployment', () => {
  it('takes a named deployment without anything else (no management call needs a token)', () => {
    expect(resolveAzureDeployment({ type: 'openai', azure_deployment: 'prod', ...ACCOUNT }, {})).toEqual({ kind: 'named', name: 'prod' });
  });

  it('names exactly the account fields that are missing', () => {
    const none = errorOf(() => resolveAzureDeployment({ type: 'openai', azure_api_version: '2024-10-21' }, TOKEN));
    expect(none.message).toContain('it lacks azure_deployment, or azure_subscription, azure_resource_group and azure_account');
    const two = errorOf(() => resolveAzureDeployment({ type: 'openai', azure_resource_group: 'rg' }, TOKEN));
    expect(two.message).toContain('the provider lacks azure_subscription and azure_account (it sets azure_resource_group)');
  });

  it('names the token variable and how to get a token, without a token in the message', () => {
    const e = errorOf(() => resolveAzureDeployment({ type: 'openai', ...ACCOUNT }, { AZURE_MANAGEMENT_TOKEN: '' }));
    expect(e.message).toContain('AZURE_MANAGEMENT_TOKEN');
    expect(e.hint).toContain('az account get-access-token --resource https://management.azure.com');
  });

  it('applies the defaults (standard, capacity 1, deleted afterwards) and the management URL override', () => {
    const s = resolveAzureDeployment({ type: 'openai', ...ACCOUNT }, { ...TOKEN, AZURE_MANAGEMENT_URL: 'http://127.0.0.1:9/' }) as CreateSettings;
    expect(s).toMatchObject({ kind: 'create', sku: 'standard', capacity: 1, keep: false, managementUrl: 'http://127.0.0.1:9' });
    expect(resolveAzureDeployment({ type: 'openai', ...ACCOUNT }, TOKEN)).toMatchObject({ managementUrl: 'https://management.azure.com' });
    const url = 'https://management.azure.com/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/acct/deployments/tf-x?api-version=2024-10-01';
    expect(getRemovalCommands(s, url, 'tf-x')).toContain('az cognitiveservices account deployment delete -g rg -n acct --deployment-name tf-x --subscription sub-1');
  });
});

describe('isAzureSpec', () => {
  it('is Azure with azure_api_version, any deployment field, or an Azure endpoint host', () => {
    expect(isAzureSpec({ type: 'openai' }, 'https://api.openai.com/v1')).toBe(false);
    expect(isAzureSpec({ type: 'openai', azure_account: 'a' }, 'http://127.0.0.1:1/v1')).toBe(true);
    expect(isAzureSpec({ type: 'openai' }, 'https://res.openai.azure.com/openai/v1')).toBe(true);
    expect(isAzureSpec({ type: 'openai' }, 'https://res.services.ai.azure.com/api/projects/p/openai/v1')).toBe(true);
  });

  it('gives only Azure providers a deployment step', async () => {
    const env = { OPENAI_API_KEY: 'sk-0123456789abcdef' };
    expect((await connectOpenAI({ type: 'openai' }, env, { type: 'openai', base_url: 'https://api.openai.com/v1' })).deployForInference).toBeUndefined();
    const azure = await connectOpenAI({ type: 'openai', azure_deployment: 'prod' }, env, { type: 'openai', base_url: 'https://res.openai.azure.com/openai/v1' });
    const deployment = await azure.deployForInference!('ft-model', { signal: new AbortController().signal, poll: { interval_ms: 1, max_interval_ms: 1 }, progress: () => {}, notice: () => {} });
    expect(deployment.model).toBe('prod');
  });
});
