// Issue 7, secrets: the full SMS pipeline with `provider: openai` against `tunefile serve` and a sentinel key.
// The key must appear in no file of the project, no output (also --debug, error paths) and no run --json; the local
// server refuses a wrong key and binds loopback unless --host says otherwise.
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.ts';
import { SMS_PIPELINE, listFiles, makeSmsProject } from './sms.ts';
import { tempDir } from '../helpers/temp.ts';

const SENTINEL = 'sk-SENTINEL-7f3c9a1e5b2d4c6e8a0f';

/** Starts `tunefile serve` with `args`; resolves with its base URL once it listens. */
async function serve(args: string[]) {
  const dataDir = tempDir('tunefile-serve-');
  const server = startCli(['serve', '--port', '0', '--data', dataDir, ...args], { cwd: dataDir });
  // Resolves on the line itself; a server that exits first fails the test with its output.
  const url = (await server.until(/listening on (\S+)/, 'stdout'))[1]!;
  return { server, url, dataDir, stop: async () => { server.child.kill('SIGTERM'); await server.done; } };
}

/** Files under `root` whose bytes contain `needle`. */
function filesContaining(root: string, needle: string): string[] {
  return listFiles(root).filter((f) => readFileSync(join(root, f)).includes(Buffer.from(needle)));
}

describe('secrets: a sentinel key never leaks', () => {
  let served: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    served = await serve(['--api-key', SENTINEL]);
  });
  afterAll(async () => served.stop());

  it('runs the full pipeline with provider: openai and finds the key nowhere in the project, outputs or run --json', async () => {
    const dir = makeSmsProject({ rows: 1200, edits: [['provider: local', 'provider: openai']] });
    const env = { OPENAI_API_KEY: SENTINEL, OPENAI_BASE_URL: served.url };
    const json = await runCli(['run', SMS_PIPELINE, '--json'], { cwd: dir, env });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.stages.map((s: { status: string }) => s.status)).toEqual(Array(8).fill('ran'));
    const debug = await runCli(['run', SMS_PIPELINE, '--debug', '--force', 'evaluate'], { cwd: dir, env });
    expect(debug.code, debug.stderr).toBe(0);
    const status = await runCli(['status', SMS_PIPELINE, '--json', '--debug'], { cwd: dir, env });
    expect(status.code, status.stderr).toBe(0);

    for (const out of [json, debug, status]) {
      expect(out.stdout).not.toContain(SENTINEL);
      expect(out.stderr).not.toContain(SENTINEL);
    }
    const lock = readFileSync(join(dir, 'pipelines', 'sms-spam.lock'), 'utf8');
    expect(lock).toContain(served.url.replace(/\/v1$/, ''));
    expect(listFiles(join(dir, 'reports')).length).toBeGreaterThan(0);
    expect(listFiles(join(dir, '.tunefile')).length).toBeGreaterThan(0);
    expect(filesContaining(dir, SENTINEL)).toEqual([]);
    // The server stores no key either.
    expect(filesContaining(served.dataDir, SENTINEL)).toEqual([]);
  });

  it('keeps the key out of error paths: a wrong key, with --debug, fails with exit 1 naming the provider error', async () => {
    const dir = makeSmsProject({ rows: 300, edits: [['provider: local', 'provider: openai']] });
    const wrong = `${SENTINEL}-wrong`;
    for (const args of [[SMS_PIPELINE], [SMS_PIPELINE, '--debug'], [SMS_PIPELINE, '--json', '--debug']]) {
      const failed = await runCli(['run', ...args], { cwd: dir, env: { OPENAI_API_KEY: wrong, OPENAI_BASE_URL: served.url } });
      expect(failed.code, failed.stderr).toBe(1);
      expect(`${failed.stdout}${failed.stderr}`).toMatch(/401|api key/i);
      expect(failed.stdout).not.toContain(SENTINEL);
      expect(failed.stderr).not.toContain(SENTINEL);
    }
    const missing = await runCli(['run', SMS_PIPELINE, '--debug'], { cwd: dir, env: { OPENAI_API_KEY: '', OPENAI_BASE_URL: served.url } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('OPENAI_API_KEY');
    expect(filesContaining(dir, SENTINEL)).toEqual([]);
  });

  it('the local server refuses a wrong or missing key with 401 and never echoes it', async () => {
    const wrong = new OpenAI({ apiKey: 'sk-wrong-key-123456789', baseURL: served.url, maxRetries: 0 });
    await expect(wrong.files.list()).rejects.toMatchObject({ status: 401 });
    const res = await fetch(`${served.url}/files`, { headers: { authorization: 'Bearer sk-wrong-key-123456789' } });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('sk-wrong-key-123456789');
    expect((await fetch(`${served.url}/files`)).status).toBe(401);
    const right = new OpenAI({ apiKey: SENTINEL, baseURL: served.url, maxRetries: 0 });
    await expect(right.files.list()).resolves.toBeDefined();
  });
});

describe('secrets: the local server binds loopback unless --host says otherwise', () => {
  const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

  it('listens on 127.0.0.1 by default and cannot be reached on another interface', async () => {
    const served = await serve(['--api-key', SENTINEL]);
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      if (external) {
        const port = new URL(served.url).port;
        await expect(fetch(`http://${external}:${port}/v1/models`)).rejects.toThrow();
      }
    } finally {
      await served.stop();
    }
  });

  it.skipIf(!external)('with --host 0.0.0.0 it is reachable on another interface, still behind the key', async () => {
    const served = await serve(['--api-key', SENTINEL, '--host', '0.0.0.0']);
    try {
      const port = new URL(served.url).port;
      expect((await fetch(`http://${external}:${port}/v1/models`)).status).toBe(401);
      expect((await fetch(`http://${external}:${port}/v1/models`, { headers: { authorization: `Bearer ${SENTINEL}` } })).status).toBe(200);
    } finally {
      await served.stop();
    }
  });
});
