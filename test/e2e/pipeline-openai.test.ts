// e2e: `provider: openai` through the SDK's real path, against `tunefile serve` in another process (OPENAI_BASE_URL).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.ts';
import { SERVE_KEY as API_KEY, startServe, type Serve } from '../helpers/serve.ts';
import { makeSampleProject, readLock } from './pipeline-support.ts';


describe('provider: openai against tunefile serve', () => {
  let server: Serve;
  let baseUrl: string;
  let project: string;

  beforeAll(async () => {
    project = makeSampleProject((yaml) => yaml.replace('provider: local', 'provider: openai'));
    server = await startServe(join(project, 'served'));
    baseUrl = server.url;
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('refuses to run without a key, naming the variable', async () => {
    const result = await runCli(['run'], { cwd: project, env: { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: '' } });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('OPENAI_API_KEY');
    expect(result.stderr).toMatch(/upload: .*needs an API key/);
  });

  it('runs the whole pipeline, keeps the key out of every output, and caches a rerun', async () => {
    const env = { OPENAI_BASE_URL: baseUrl, OPENAI_API_KEY: API_KEY };
    const first = await runJson([], { cwd: project, env });
    expect(first.code, first.stderr).toBe(0);
    // The data stages ran in the keyless attempt above; the remote stages run now.
    expect([first.status.upload, first.status.train, first.status.evaluate]).toEqual(['ran', 'ran', 'ran']);
    const metrics = JSON.parse(readFileSync(join(project, 'reports', 'sms-spam', 'metrics.json'), 'utf8'));
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.95);

    const lockText = readFileSync(join(project, 'pipeline.lock'), 'utf8');
    for (const text of [lockText, first.stdout, first.stderr]) expect(text).not.toContain(API_KEY);
    const client = new OpenAI({ apiKey: API_KEY, baseURL: baseUrl, maxRetries: 0 });
    const jobs = (await client.fineTuning.jobs.list()).data;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.metadata?.tunefile_key).toBe(readLock(project).stages.train!.key);

    const second = await runJson([], { cwd: project, env });
    expect(second.code, second.stderr).toBe(0);
    expect(Object.values(second.status).every((s) => s === 'cached')).toBe(true);
    expect((await client.fineTuning.jobs.list()).data).toHaveLength(1);
  }, 120_000);
});
