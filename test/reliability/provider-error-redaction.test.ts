// Issue 14, secrets in provider errors: a gateway that echoes the API key (and another sk- key) in its error message.
// The fault proxy answers the upload with such a message; no output, --json document, --debug trace or project file
// may carry either key, while the rest of the provider's message is still shown.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startServe, type Serve } from '../helpers/serve.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { SMS_PIPELINE, listFiles, makeSmsProject } from './sms.ts';
import { tempDir } from '../helpers/temp.ts';

// Not sk-shaped, and read through api_key_env from a variable whose name does not look like a key's:
// only the provider remembering the key it read can redact it.
const KEY = 'gw-7f3c9a1e5b2d4c6e8a0f';
const OTHER = 'sk-proj-Unrelated0123456789abcdef';

/** `tunefile serve` with this file's key, on a fresh data folder. */
function serve(env: Record<string, string> = {}): Promise<Serve> {
  return startServe(tempDir('tunefile-redact-serve-'), { apiKey: KEY, env });
}

describe('provider error messages are redacted (issue 14)', () => {
  let served: Awaited<ReturnType<typeof serve>>;
  let proxy: FaultProxy;
  beforeAll(async () => {
    served = await serve();
    proxy = await startFaultProxy(served.url);
  });
  afterAll(async () => {
    await proxy.close();
    await served.stop();
  });

  it('never prints the key or an sk- token a gateway echoes, in plain output, --json, --debug or project files', async () => {
    const dir = makeSmsProject({ rows: 300, edits: [['provider: local', 'provider: { type: openai, api_key_env: GATEWAY_CREDENTIAL }']] });
    const message = `Incorrect API key provided: ${KEY}. Your other key ${OTHER} is revoked too.`;
    proxy.setRules([{ method: 'POST', path: /^\/files$/, fault: { kind: 'status', status: 500, message } }]);
    const env = { GATEWAY_CREDENTIAL: KEY, OPENAI_BASE_URL: proxy.url, TUNEFILE_OPENAI_MAX_RETRIES: '0' };
    const outputs = [];
    for (const flags of [[], ['--json'], ['--debug'], ['--json', '--debug']]) {
      const run = await runCli(['run', SMS_PIPELINE, '--stage', 'upload', ...flags], { cwd: dir, env });
      expect(run.code, run.stderr).toBe(1);
      outputs.push(run);
    }
    expect(proxy.log.some((l) => l.fault === 'status 500')).toBe(true);
    for (const { stdout, stderr } of outputs) {
      const all = stdout + stderr;
      expect(all).toContain('Incorrect API key provided: [redacted]. Your other key [redacted] is revoked too.');
      expect(all).not.toContain(KEY);
      expect(all).not.toContain('Unrelated0123456789abcdef');
    }
    const report = JSON.parse(outputs[1]!.stdout);
    expect(report.stages.find((s: { id: string }) => s.id === 'upload').error).toContain('Incorrect API key provided: [redacted]');
    const status = await runCli(['status', SMS_PIPELINE, '--json'], { cwd: dir, env });
    expect(status.stdout + status.stderr).not.toContain(KEY);
    for (const file of listFiles(dir)) {
      const bytes = readFileSync(join(dir, file));
      expect(bytes.includes(Buffer.from(KEY)), file).toBe(false);
      expect(bytes.includes(Buffer.from(OTHER)), file).toBe(false);
    }
  });
});
