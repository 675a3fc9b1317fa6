// Issue 14, credentials in a base URL (http://user:pw@host/v1): they never reach keys, the lock file, reasons or
// `status`, a pipeline without them keeps its keys, and connecting with them fails with one clear line.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startServe, type Serve } from '../helpers/serve.ts';
import { SMS_PIPELINE, listFiles, makeSmsProject } from './sms.ts';
import { tempDir } from '../helpers/temp.ts';

const KEY = 'sk-baseurl-tests-0123456789';
const PASSWORD = 'hunter2-s3cret';

/** `tunefile serve` with this file's key, on a fresh data folder. */
function serve(env: Record<string, string> = {}): Promise<Serve> {
  return startServe(tempDir('tunefile-baseurl-serve-'), { apiKey: KEY, env });
}

describe('credentials in the provider base URL (issue 14)', () => {
  let served: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    served = await serve();
  });
  afterAll(async () => served.stop());

  it('keeps keys and reasons free of user:password@, and refuses to connect with it in one clear line', async () => {
    const dir = makeSmsProject({ rows: 300, edits: [['provider: local', `provider: { type: openai, base_url: "${served.url}" }`]] });
    const env = { OPENAI_API_KEY: KEY };
    const first = await runCli(['run', SMS_PIPELINE, '--stage', 'upload', '--json'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    const uploadKey = JSON.parse(first.stdout).stages.find((s: { id: string }) => s.id === 'upload').key;

    // The same server, now with credentials in the URL: the identity, hence every key, is unchanged.
    const file = join(dir, SMS_PIPELINE);
    const withCredentials = served.url.replace('http://', `http://bob:${PASSWORD}@`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(served.url, withCredentials));
    const status = await runCli(['status', SMS_PIPELINE], { cwd: dir, env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^upload\s+up-to-date$/m);
    const statusJson = await runCli(['status', SMS_PIPELINE, '--json'], { cwd: dir, env });
    const dry = await runCli(['run', SMS_PIPELINE, '--dry-run', '--json'], { cwd: dir, env });
    expect(JSON.parse(dry.stdout).stages.find((s: { id: string }) => s.id === 'upload')).toMatchObject({ state: 'up-to-date', key: uploadKey });

    // train must connect: one error line naming the setting, without the password.
    const train = await runCli(['run', SMS_PIPELINE, '--stage', 'train'], { cwd: dir, env });
    expect(train.code).toBe(1);
    expect(train.stderr).toContain(`provider.base_url ${served.url} holds a user:password@ part, which tunefile does not send`);
    expect(train.stderr).not.toMatch(/^ {4}at /m);
    for (const out of [status, statusJson, dry, train]) expect(out.stdout + out.stderr).not.toContain(PASSWORD);
    for (const f of listFiles(dir).filter((f) => f !== SMS_PIPELINE)) expect(readFileSync(join(dir, f)).includes(Buffer.from(PASSWORD)), f).toBe(false);
  });
});
