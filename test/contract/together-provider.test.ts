// tunefile's `together` provider against Together's published document: pipelines/sms-spam-together.yaml runs against
// `tunefile serve` (its Together API) through a forwarding proxy, and every request the provider sent (JSON bodies
// against the operation's request schema, the multipart upload field by field) and every answer it got must conform.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { Contract, type AllowList } from '../helpers/openapi.ts';
import { SERVE_KEY, startServe, type Serve } from '../helpers/serve.ts';
import { tempDir } from '../helpers/temp.ts';
import { cloneExample } from '../e2e/pipeline-support.ts';

const ALLOW = JSON.parse(readFileSync(join(import.meta.dirname, 'allow-list.json'), 'utf8')) as { together: AllowList };

describe("the together provider against Together's OpenAPI document", () => {
  let server: Serve;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startServe(tempDir('tunefile-contract-together-'));
    proxy = await startFaultProxy(server.url.replace(/\/v1$/, '/together/v1'));
  }, 30_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('sends only conforming requests through a whole run with a cost ceiling, and gets conforming answers', async () => {
    const dir = cloneExample('sms-spam-together');
    const run = await runCli(['run', 'pipelines/sms-spam-together.yaml', '--set', 'train.with.max_cost_usd=100'], { cwd: dir, env: { TOGETHER_BASE_URL: proxy.url, TOGETHER_API_KEY: SERVE_KEY } });
    expect(run.code, run.stderr).toBe(0);
    const contract = new Contract('together', ALLOW.together);
    const ops = new Set(proxy.exchanges.map((x) => `${x.method} ${contract.operation(x.method, x.path)?.template}`));
    // Uploaded, priced, trained (with its events and metrics) and evaluated: each operation it needs was exercised.
    for (const op of ['POST /files/upload', 'POST /fine-tunes/estimate-price', 'POST /fine-tunes', 'GET /fine-tunes', 'GET /fine-tunes/{id}', 'GET /fine-tunes/{id}/events', 'GET /fine-tunes/{id}/metrics', 'POST /chat/completions']) {
      expect(ops).toContain(op);
    }
    const create = proxy.exchanges.find((x) => x.method === 'POST' && x.path === '/fine-tunes')!;
    // The pipeline's settings, in Together's names; the key in the suffix.
    expect(create.requestBody).toMatchObject({ model: 'Qwen/Qwen3-8B', n_epochs: 4, learning_rate: 0.00001, random_seed: 42, training_type: { type: 'Lora', lora_r: 8, lora_alpha: 16 }, suffix: expect.stringMatching(/^tf-[0-9a-f]{16}$/) });
    const upload = proxy.exchanges.find((x) => x.method === 'POST' && x.path === '/files/upload')!;
    expect(upload.requestBody).toMatchObject({ purpose: 'fine-tune', file_name: expect.stringMatching(/\.jsonl$/) });
    expect(proxy.exchanges.flatMap((x) => contract.problems(x))).toEqual([]);
  }, 120_000);
});
