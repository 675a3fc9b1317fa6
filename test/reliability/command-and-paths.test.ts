// Issue 7: the command stage passes arguments literally (no shell), report folders stay inside the project unless
// the pipeline opts in, and ids a client sends to the local server are never used as paths unchecked.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, runCli, runJson, startCli } from '../helpers/cli.ts';
import { SMS_PIPELINE, makeSmsProject } from './sms.ts';
import { tempDir } from '../helpers/temp.ts';

describe('command stage: arguments are data, never shell', () => {
  it('passes ; rm -rf, $(...), backticks, pipes and globs to the program literally', async () => {
    const hostile = ['; rm -rf victim', '$(touch pwned-dollar)', '`touch pwned-tick`', 'a && touch pwned-and', '| touch pwned-pipe', '*', '$HOME', "it's \"quoted\"", '--', ''];
    const dir = makeProject({
      'victim/keep.txt': 'still here\n',
      'echo.mjs': "import { writeFileSync } from 'node:fs';\nconst [out, ...rest] = process.argv.slice(2);\nwriteFileSync(out, JSON.stringify(rest));\n",
      'pipeline.yaml': `version: 1\nname: literal\nstages:\n  echo:\n    uses: command\n    with:\n      run: [node, echo.mjs, "{out.argv}", ${hostile.map((a) => JSON.stringify(a)).join(', ')}]\n`,
    });
    const run = await runJson([], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(run.report.stages[0].outputs.argv.path, 'utf8'))).toEqual(hostile);
    expect(readFileSync(join(dir, 'victim', 'keep.txt'), 'utf8')).toBe('still here\n');
    for (const marker of ['pwned-dollar', 'pwned-tick', 'pwned-and', 'pwned-pipe']) expect(existsSync(join(dir, marker)), marker).toBe(false);
  });
});

describe('report folders outside the project', () => {
  it('refuses evaluate report: ../.. (and an absolute path) without allow_outside, writing nothing there, and allows it with allow_outside: true', async () => {
    const outside = tempDir('tunefile-outside-');
    const target = join(outside, 'report');
    const dir = makeSmsProject({ rows: 600, edits: [['report: ../reports/sms-spam', `report: ${JSON.stringify(target)}`]] });
    const refused = await runJson([SMS_PIPELINE], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.status.evaluate).toBe('failed');
    const error = refused.report.stages.find((s: { id: string }) => s.id === 'evaluate').error as string;
    expect(error).toContain('is outside the project');
    expect(error).toContain('allow_outside: true');
    expect(existsSync(target)).toBe(false);
    const plain = await runCli(['run', SMS_PIPELINE], { cwd: dir });
    expect(plain.code).toBe(1);
    expect(plain.stderr).not.toMatch(/^ {4}at /m);

    const relative = await runJson([SMS_PIPELINE, '--set', 'evaluate.with.report=../../../escape-report'], { cwd: dir });
    expect(relative.code).toBe(1);
    expect(relative.report.stages.find((s: { id: string }) => s.id === 'evaluate').error).toContain('is outside the project');
    expect(existsSync(join(dir, '..', 'escape-report'))).toBe(false);

    const allowed = await runJson([SMS_PIPELINE, '--set', 'allow_outside=true'], { cwd: dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.status.evaluate).toBe('ran');
    expect(existsSync(join(target, 'report.html'))).toBe(true);
    expect(existsSync(join(target, 'metrics.json'))).toBe(true);
  });
});

describe('local server: ids from clients are looked up, never used as paths', () => {
  const key = 'sk-paths-test-key';
  let server: ReturnType<typeof startCli>;
  let url = '';
  let client: OpenAI;
  let dataDir = '';

  beforeAll(async () => {
    const dir = makeProject({ 'secret.txt': 'top secret\n' }, 'tunefile-paths-');
    dataDir = join(dir, 'data');
    server = startCli(['serve', '--port', '0', '--data', dataDir, '--api-key', key], { cwd: dir });
    // Resolves on the line itself; a server that exits first fails the test with its output.
    url = (await server.until(/listening on (\S+)/, 'stdout'))[1]!;
    client = new OpenAI({ apiKey: key, baseURL: url, maxRetries: 0 });
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.done;
  });

  // Sent percent-encoded, so the server decodes them into ids with / and dots (a bare . or .. would be folded by the URL parser).
  const traversals = ['../secret.txt', '../../secret.txt', 'data/../../secret.txt', '%2e%2e%2fsecret.txt', '..\\secret.txt', '..%2F..%2Fsecret.txt'];

  it('answers 404 for file and job ids that try to leave the data folder (sent raw: the SDK itself refuses . and ..)', async () => {
    const routes = (id: string): [string, string][] => [
      ['GET', `/files/${id}`], ['GET', `/files/${id}/content`], ['DELETE', `/files/${id}`],
      ['GET', `/fine_tuning/jobs/${id}`], ['GET', `/fine_tuning/jobs/${id}/events`], ['GET', `/fine_tuning/jobs/${id}/checkpoints`], ['POST', `/fine_tuning/jobs/${id}/cancel`],
      ['GET', `/models/${id}`],
    ];
    for (const raw of traversals) {
      for (const [method, path] of routes(encodeURIComponent(raw))) {
        const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${key}` } });
        const body = await res.text();
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(body, `${method} ${path}`).not.toContain('top secret');
      }
    }
    // Through the SDK too, for ids it lets through.
    await expect(client.files.content('..%2Fsecret.txt')).rejects.toMatchObject({ status: 404 });
    await expect(client.fineTuning.jobs.retrieve('ftjob-..%2F..%2Fsecret')).rejects.toMatchObject({ status: 404 });
    expect(existsSync(join(dataDir, '..', 'secret.txt'))).toBe(true);
  });

  it('answers 404 for raw encoded traversals and model names that point outside', async () => {
    for (const path of ['/files/..%2F..%2Fsecret.txt/content', '/files/%2e%2e/content', '/fine_tuning/jobs/..%2F..%2Fsecret.txt/events', '/files/..%5C..%5Csecret.txt/content']) {
      const res = await fetch(url + path, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toContain('top secret');
    }
    for (const model of ['ft:babbage-002:local::..', 'ft:babbage-002:local::../../secret', 'ft:../../x:local::abc', '../../secret.txt']) {
      await expect(client.completions.create({ model, prompt: 'hi', max_tokens: 1 }), model).rejects.toMatchObject({ status: 404 });
    }
  });

  it('checks training_file ids when a job is created', async () => {
    await expect(client.fineTuning.jobs.create({ model: 'babbage-002', training_file: '../../secret.txt' })).rejects.toMatchObject({ status: expect.any(Number) });
    const res = await fetch(`${url}/fine_tuning/jobs`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'babbage-002', training_file: '../../secret.txt' }) });
    expect([400, 404]).toContain(res.status);
    expect(existsSync(join(dataDir, 'jobs')) ? (await import('node:fs')).readdirSync(join(dataDir, 'jobs')) : []).toEqual([]);
  });
});
