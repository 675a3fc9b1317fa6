// e2e: Azure OpenAI's deployment step. `tunefile run` (a real child process) trains through the openai provider and
// evaluates through a deployment it creates with the Azure management API, against a stand-in of that API and of the
// account's v1 data plane (test/helpers/azure-stand-in.ts) in front of `tunefile serve`, all over loopback.
//
// What this proves: evaluate sends the documented PUT body, polls until Succeeded, sends every inference request with
// the deployment's name as `model` (the stand-in answers a fine-tuned model's own id with 404 DeploymentNotFound, as
// Azure does), deletes the deployment afterwards or says how to, reuses a deployment a previous run left, calls a
// named deployment without any management request, and fails with the missing setting's name. What it cannot prove:
// that Azure's real management API answers as Microsoft documents it (the stand-in follows the REST reference).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDeploymentName } from '../../src/providers/azure/deploy.ts';
import { startAzureStandIn, AZURE_API_VERSION, type AzureStandIn } from '../helpers/azure-stand-in.ts';
import { runCli, runJson, startCli, waitFor, type CliResult } from '../helpers/cli.ts';
import { SERVE_KEY, startServe, type Serve } from '../helpers/serve.ts';
import { makeSampleProject, readLock } from './pipeline-support.ts';

const ACCOUNT = { subscription: '5f2c1b7e-0000-4a1b-9c3d-1234567890ab', resourceGroup: 'rg-tunefile', account: 'tunefile-aoai' };
const TOKEN = 'eyJ0eXAiOiJKV1QiLCJhbGciOi.azure-management-test-token.9f8e7d6c5b4a';

describe('provider: openai on Azure, evaluate through a deployment', () => {
  let server: Serve;
  let azure: AzureStandIn;
  let project: string;
  let template: string;
  const outputs: string[] = [];

  /** Rewrites the pipeline's provider: the openai provider on the stand-in's data plane, plus `fields`. */
  const setProvider = (fields: Record<string, string | boolean>) => {
    const lines = ['provider:', '  type: openai', `  base_url: ${azure.inferenceUrl}`, ...Object.entries(fields).map(([k, v]) => `  ${k}: ${typeof v === 'string' ? JSON.stringify(v) : v}`)];
    writeFileSync(join(project, 'pipeline.yaml'), template.replace('provider: local', lines.join('\n')));
  };
  const accountFields = { azure_subscription: ACCOUNT.subscription, azure_resource_group: ACCOUNT.resourceGroup, azure_account: ACCOUNT.account };
  const env = (token: string | undefined = TOKEN) => ({ OPENAI_API_KEY: SERVE_KEY, AZURE_MANAGEMENT_URL: azure.managementUrl, AZURE_MANAGEMENT_TOKEN: token ?? '' });
  const run = async (args: string[], token?: string): Promise<CliResult> => {
    const result = await runCli(['run', ...args], { cwd: project, env: env(token) });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const runReport = async (args: string[]) => {
    const result = await runJson(args, { cwd: project, env: env() });
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  const fineTuned = () => readLock(project).stages.train!.fine_tuned_model as string;
  const methods = () => azure.management.map((r) => r.method);
  const deploymentUrl = (name: string) =>
    `${azure.managementUrl}/subscriptions/${ACCOUNT.subscription}/resourceGroups/${ACCOUNT.resourceGroup}/providers/Microsoft.CognitiveServices/accounts/${ACCOUNT.account}/deployments/${name}?api-version=${AZURE_API_VERSION}`;
  const removal = (name: string) => `az cognitiveservices account deployment delete -g ${ACCOUNT.resourceGroup} -n ${ACCOUNT.account} --deployment-name ${name}`;
  const reset = () => {
    azure.management.length = 0;
    azure.inferenceModels.length = 0;
  };

  beforeAll(async () => {
    project = makeSampleProject();
    template = readFileSync(join(project, 'pipeline.yaml'), 'utf8');
    server = await startServe(join(project, 'served'));
    azure = await startAzureStandIn({ account: ACCOUNT, token: TOKEN, upstream: server.url, upstreamKey: SERVE_KEY });
  }, 30_000);

  afterAll(async () => {
    await azure?.close();
    await server?.stop();
  });

  it('trains, then stops at evaluate naming the missing azure_account, before any management request', async () => {
    setProvider({ azure_subscription: ACCOUNT.subscription, azure_resource_group: ACCOUNT.resourceGroup });
    const result = await run([]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/error: evaluate: .*lacks azure_account \(it sets azure_subscription and azure_resource_group\)/);
    expect(readLock(project).stages.train!.fine_tuned_model).toBeTruthy();
    expect(azure.management).toEqual([]);
    expect(azure.inferenceModels).toEqual([]);
  }, 240_000);

  it('names the token variable, and how to get a token, when it is not set', async () => {
    setProvider(accountFields);
    const result = await run([], '');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/error: evaluate: creating an Azure deployment .*needs a bearer token in the environment variable AZURE_MANAGEMENT_TOKEN/);
    expect(result.stderr).toContain('az account get-access-token --resource https://management.azure.com');
    expect(azure.management).toEqual([]);
  }, 120_000);

  it('creates the deployment with the documented body, polls it to Succeeded, evaluates through it, and deletes it', async () => {
    reset();
    const { code, stderr, status, report } = await runReport([]);
    expect(code, stderr).toBe(0);
    expect(status.evaluate).toBe('ran');
    const name = getDeploymentName(fineTuned());
    // GET (404: none yet), PUT (201 Creating), GET (Creating), GET (Succeeded), then DELETE once evaluate is done.
    expect(methods()).toEqual(['GET', 'PUT', 'GET', 'GET', 'DELETE']);
    expect(azure.management.every((r) => r.deployment === name && r.authorized && r.apiVersion === AZURE_API_VERSION)).toBe(true);
    expect(azure.management[1]!.body).toEqual({ sku: { name: 'standard', capacity: 1 }, properties: { model: { format: 'OpenAI', name: fineTuned(), version: '1' } } });
    expect(azure.inferenceModels.length).toBeGreaterThan(0);
    expect(new Set(azure.inferenceModels)).toEqual(new Set([name]));
    expect(azure.deployments.size).toBe(0);
    const metrics = JSON.parse(readFileSync(join(project, 'reports', 'sms-spam', 'metrics.json'), 'utf8'));
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(report.stages.find((s: { id: string }) => s.id === 'evaluate').notices).toEqual([]);
    expect(stderr).not.toContain('notice:');
  }, 120_000);

  it('keeps the deployment with azure_keep_deployment, and says at the end how to remove it', async () => {
    reset();
    const result = await run(['--force', 'evaluate', '--set', 'provider.azure_keep_deployment=true']);
    expect(result.code, result.stderr).toBe(0);
    const name = getDeploymentName(fineTuned());
    expect(methods()).toEqual(['GET', 'PUT', 'GET', 'GET']);
    expect(azure.deployments.get(name)?.properties.provisioningState).toBe('Succeeded');
    const notice = /^notice: evaluate: (.*)$/m.exec(result.stderr)?.[1];
    expect(notice, result.stderr).toContain(`Azure deployment ${name} (model ${fineTuned()}) is kept`);
    expect(notice).toContain('bills by the hour');
    expect(notice).toContain(removal(name));
    expect(notice).toContain(deploymentUrl(name));
    expect(result.stdout).toMatch(/^ok: pipeline.yaml: /m);
  }, 120_000);

  it('reuses the deployment a previous run left (no second PUT), then deletes it', async () => {
    reset();
    const { code, stderr } = await runReport(['--force', 'evaluate']);
    expect(code, stderr).toBe(0);
    expect(methods()).toEqual(['GET', 'DELETE']);
    expect(new Set(azure.inferenceModels)).toEqual(new Set([getDeploymentName(fineTuned())]));
    expect(azure.deployments.size).toBe(0);
  }, 120_000);

  it('calls a named deployment (azure_deployment) without any management request', async () => {
    reset();
    azure.addDeployment('sms-spam-prod', fineTuned());
    setProvider({ ...accountFields, azure_deployment: 'sms-spam-prod' });
    const { code, stderr, report } = await runReport(['--force', 'evaluate']);
    expect(code, stderr).toBe(0);
    expect(azure.management).toEqual([]);
    expect(new Set(azure.inferenceModels)).toEqual(new Set(['sms-spam-prod']));
    expect(azure.deployments.has('sms-spam-prod')).toBe(true);
    expect(report.stages.find((s: { id: string }) => s.id === 'evaluate').notices).toEqual([]);
    azure.deployments.clear();
  }, 120_000);

  it('fails with the provisioning state when the deployment ends Failed, and removes it', async () => {
    reset();
    setProvider(accountFields);
    azure.behaviour.outcome = 'Failed';
    try {
      const result = await run(['--force', 'evaluate']);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`error: evaluate: Azure deployment ${getDeploymentName(fineTuned())} of model ${fineTuned()} ended in provisioningState Failed`);
      expect(methods()).toEqual(['GET', 'PUT', 'GET', 'GET', 'DELETE']);
      expect(azure.inferenceModels).toEqual([]);
      expect(azure.deployments.size).toBe(0);
    } finally {
      azure.behaviour.outcome = 'Succeeded';
    }
  }, 120_000);

  it('says at the end of the run how to remove a deployment it could not delete', async () => {
    reset();
    azure.behaviour.deleteStatus = 500;
    try {
      const { code, stderr, report } = await runReport(['--force', 'evaluate']);
      expect(code, stderr).toBe(0);
      const name = getDeploymentName(fineTuned());
      const notices = report.stages.find((s: { id: string }) => s.id === 'evaluate').notices as string[];
      expect(notices).toHaveLength(1);
      expect(notices[0]).toContain(`could not delete Azure deployment ${name}`);
      expect(notices[0]).toContain('answered 500');
      expect(notices[0]).toContain(removal(name));
      expect(stderr).toContain(`notice: evaluate: ${notices[0]}`);
      expect(azure.deployments.has(name)).toBe(true);
    } finally {
      delete azure.behaviour.deleteStatus;
      azure.deployments.clear();
    }
  }, 120_000);

  it('deletes the deployment it was waiting for when the run is interrupted (Ctrl-C)', async () => {
    reset();
    azure.behaviour.creatingGets = Number.MAX_SAFE_INTEGER; // provisions until the run is stopped
    try {
      const started = startCli(['run', '--force', 'evaluate'], { cwd: project, env: env() });
      // Interrupt once evaluate has created the deployment and polled it at least once (an event, not a delay).
      await waitFor(() => methods().includes('PUT') && methods().lastIndexOf('GET') > methods().indexOf('PUT'), 60_000, 'a poll after the PUT');
      started.child.kill('SIGINT');
      const result = await started.done;
      outputs.push(result.stdout, result.stderr);
      expect(result.code, result.stderr).toBe(130);
      expect(methods().at(-1)).toBe('DELETE');
      expect(azure.deployments.size).toBe(0);
      expect(azure.inferenceModels).toEqual([]);
    } finally {
      azure.behaviour.creatingGets = 1;
    }
  }, 120_000);

  it('never writes the management token to output, the lock file, the cache or the reports', () => {
    expect(azure.management.length).toBeGreaterThan(0);
    for (const text of outputs) expect(text).not.toContain(TOKEN);
    const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));
    const written = files(project).filter((f) => !f.startsWith(join(project, 'served')));
    expect(written.some((f) => f.includes('state.db'))).toBe(true);
    for (const file of written) expect(readFileSync(file).includes(TOKEN), file).toBe(false);
  });
});
