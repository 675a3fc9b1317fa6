// e2e: `provider: openai` through the SDK's real path, against `tunefile serve` in another process (OPENAI_BASE_URL).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, runJson } from '../helpers/cli.ts';
import { makeSampleProject, readLock } from './pipeline-support.ts';

const API_KEY = 'sk-e2e-0123456789abcdef-not-a-real-key';

describe('provider: openai against tunefile serve', () => {
  let server: ChildProcess;
  let baseUrl: string;
  let project: string;

  beforeAll(async () => {
    project = makeSampleProject((yaml) => yaml.replace('provider: local', 'provider: openai'));
    server = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'serve', '--port', '0', '--data', join(project, 'served'), '--api-key', API_KEY], { stdio: ['ignore', 'pipe', 'pipe'] });
    baseUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      server.once('exit', (code) => reject(new Error(`tunefile serve exited ${code}`)));
    });
  }, 30_000);

  afterAll(() => {
    server?.kill('SIGINT');
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
