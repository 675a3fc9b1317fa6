// Issue 14: `${env.X}` in a command stage's `env:` (or `run:`) put the secret's value into pipeline.lock and state.db.
// A value taken from the environment now enters keys and lock files as a salted hash (salt in .tunefile/env-salt):
// the sentinel must appear in no byte of the project (state.db and its -wal included) and in no output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, runJson } from '../helpers/cli.ts';
import { listFiles } from './sms.ts';

const SENTINEL = 'tok-SENTINEL-5d1e9c7a3b8f4e2a';

/** The program uses the secret (its sha256 goes to the output) without printing or writing it. */
const PROGRAM = `import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
const [out, flag] = process.argv.slice(2);
const digest = (s) => createHash('sha256').update(s ?? '').digest('hex');
writeFileSync(out, [digest(process.env.API_TOKEN), digest(process.env.AUTH_HEADER), digest(flag)].join('\\n') + '\\n');
console.log('used a token of length', (process.env.API_TOKEN ?? '').length);
`;

const PIPELINE = `version: 1
name: secrets
stages:
  call:
    uses: command
    with:
      run: [node, use-token.mjs, "{out.result}", "--token=\${env.MY_TOKEN}"]
      deps: [use-token.mjs]
      env:
        API_TOKEN: "\${env.MY_TOKEN}"
        AUTH_HEADER: "Bearer \${env.MY_TOKEN}"
        PLAIN: "not a secret"
`;

/** Project files (relative paths) whose raw bytes contain `needle`. */
function filesContaining(root: string, needle: string): string[] {
  return listFiles(root).filter((f) => readFileSync(join(root, f)).includes(Buffer.from(needle)));
}

describe('command stage: values from the environment never reach keys, locks or state.db', () => {
  it('keeps the sentinel out of every file and output; the key still follows the value', async () => {
    const dir = makeProject({ 'use-token.mjs': PROGRAM, 'pipeline.yaml': PIPELINE });
    const env = { MY_TOKEN: SENTINEL };
    const first = await runJson(['--debug'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.status).toEqual({ call: 'ran' });
    const expected = (await import('node:crypto')).createHash('sha256').update(SENTINEL).digest('hex');
    expect(readFileSync(first.report.stages[0].outputs.result.path, 'utf8').split('\n')[0]).toBe(expected); // the program got it

    const lock = JSON.parse(readFileSync(join(dir, 'pipeline.lock'), 'utf8'));
    const params = lock.stages.call.params;
    expect(params.env.API_TOKEN).toMatch(/^hmac-sha256:[0-9a-f]{24} \(\$\{env\.MY_TOKEN\}\)$/);
    expect(params.env.AUTH_HEADER).toMatch(/^hmac-sha256:[0-9a-f]{24} \(Bearer \$\{env\.MY_TOKEN\}\)$/);
    expect(params.run[3]).toMatch(/^hmac-sha256:[0-9a-f]{24} \(--token=\$\{env\.MY_TOKEN\}\)$/);
    expect(params.env.PLAIN).toBe('not a secret');

    const again = await runJson([], { cwd: dir, env });
    expect(again.status).toEqual({ call: 'cached' });
    const status = await runCli(['status'], { cwd: dir, env });
    const statusJson = await runCli(['status', '--json', '--debug'], { cwd: dir, env });
    const dry = await runCli(['run', '--dry-run', '--json'], { cwd: dir, env });

    // A new value is a new key: the stage reruns, and the reason names the variable, not the value.
    const changed = await runJson([], { cwd: dir, env: { MY_TOKEN: `${SENTINEL}-rotated` } });
    expect(changed.status).toEqual({ call: 'ran' });
    expect(changed.report.stages[0].reasons.join(' ')).toContain('with.env.API_TOKEN');

    for (const out of [first, again, status, statusJson, dry, changed]) {
      expect(out.stdout).not.toContain(SENTINEL);
      expect(out.stderr).not.toContain(SENTINEL);
    }
    expect(listFiles(join(dir, '.tunefile')).some((f) => f.endsWith('state.db'))).toBe(true);
    expect(filesContaining(dir, SENTINEL)).toEqual([]);
  });

  it('uses one salt per project: two projects get different digests for the same value', async () => {
    const a = makeProject({ 'use-token.mjs': PROGRAM, 'pipeline.yaml': PIPELINE });
    const b = makeProject({ 'use-token.mjs': PROGRAM, 'pipeline.yaml': PIPELINE });
    for (const dir of [a, b]) expect((await runJson([], { cwd: dir, env: { MY_TOKEN: SENTINEL } })).code).toBe(0);
    const digest = (dir: string) => JSON.parse(readFileSync(join(dir, 'pipeline.lock'), 'utf8')).stages.call.params.env.API_TOKEN as string;
    expect(digest(a)).not.toBe(digest(b));
    expect(readFileSync(join(a, '.tunefile', 'env-salt')).length).toBe(32);
  });
});
