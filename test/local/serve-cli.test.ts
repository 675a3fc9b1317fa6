// `tunefile serve` as a user runs it: help, flag errors, the printed variables, Ctrl-C.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { startLocalServer } from '../../src/local/index.ts';
import { makeDataDir } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('exit', (code) => ok({ code, stdout, stderr }));
  });
}

describe('tunefile serve', () => {
  const dataDir = makeDataDir();

  it('prints help and rejects unknown flags with exit 2', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--step-delay-ms N');
    expect(help.stdout).toContain('--rate-limit RPM,TPM');
    const bad = await runCli(['serve', '--prot', '1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--prot'; did you mean '--port'?");
    const badLimit = await runCli(['serve', '--rate-limit', '600,lots', '--data', dataDir]);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain("--rate-limit: TPM must be a whole number of at least 1 (got 'lots' in '600,lots')");
    expect(badLimit.stderr).toContain('--rate-limit 600,100000');
  });

  it('prints the variables to use, generates a key when none is given, and stops on SIGINT with 130', async () => {
    const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const vars = await new Promise<RegExpExecArray>((ok) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /OPENAI_BASE_URL=(http:\/\/127\.0\.0\.1:\d+\/v1) OPENAI_API_KEY=(sk-local-[0-9a-f]{48})/.exec(out);
        if (m) ok(m);
      });
    });
    const client = new OpenAI({ baseURL: vars[1], apiKey: vars[2], maxRetries: 0 });
    expect((await client.models.list()).data).toEqual([]); // a fresh folder: no fine-tuned model yet
    expect(existsSync(join(dataDir, 'server.pid'))).toBe(true);
    // A second server on the same folder is refused while the first one lives.
    await expect(startLocalServer({ dataDir })).rejects.toMatchObject({ code: 'TUNEFILE_LOCKED', message: expect.stringContaining('in use by another server') });
    const exited = new Promise<number | null>((ok) => child.once('exit', ok));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(existsSync(join(dataDir, 'server.pid'))).toBe(false);
    const again = await startLocalServer({ dataDir });
    await again.close();
  });
});
