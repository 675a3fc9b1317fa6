// tunefile's `openai` provider against OpenAI's published document: the sample pipeline runs with `provider: openai`
// against `tunefile serve` through a forwarding proxy, and every request the provider sent (JSON bodies against the
// operation's request schema, multipart uploads field by field) and every answer it got must conform.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { Contract, type AllowList } from '../helpers/openapi.ts';
import { SERVE_KEY, startServe, type Serve } from '../helpers/serve.ts';
import { tempDir } from '../helpers/temp.ts';
import { makeSampleProject } from '../e2e/pipeline-support.ts';

const ALLOW = JSON.parse(readFileSync(join(import.meta.dirname, 'allow-list.json'), 'utf8')) as { openai: AllowList };

describe("the openai provider against OpenAI's OpenAPI document", () => {
  let server: Serve;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startServe(tempDir('tunefile-contract-serve-'));
    proxy = await startFaultProxy(server.url);
  }, 30_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('sends only conforming requests through a whole run, and gets conforming answers', async () => {
    const dir = makeSampleProject((yaml) => yaml.replace('provider: local', 'provider: openai'));
    const run = await runCli(['run'], { cwd: dir, env: { OPENAI_BASE_URL: proxy.url, OPENAI_API_KEY: SERVE_KEY } });
    expect(run.code, run.stderr).toBe(0);
    const contract = new Contract('openai', ALLOW.openai);
    const ops = new Set(proxy.exchanges.map((x) => `${x.method} ${contract.operation(x.method, x.path)?.template}`));
    // The run uploaded, trained and evaluated: the operations it needs were all exercised.
    for (const op of ['POST /files', 'POST /fine_tuning/jobs', 'GET /fine_tuning/jobs/{fine_tuning_job_id}', 'POST /completions']) expect(ops).toContain(op);
    expect(proxy.exchanges.filter((x) => x.requestBody !== undefined).length).toBeGreaterThan(1);
    // The uploads' multipart bodies are validated too, field by field.
    const uploads = proxy.exchanges.filter((x) => x.method === 'POST' && x.path === '/files');
    expect(uploads.length).toBeGreaterThan(0);
    for (const x of uploads) expect(x.requestBody).toMatchObject({ purpose: 'fine-tune', file: expect.stringMatching(/\.jsonl$/) });
    expect(proxy.exchanges.flatMap((x) => contract.problems(x))).toEqual([]);
  });
});
