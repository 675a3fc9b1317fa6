// e2e (issue 14): what a first-time user of `tunefile prepare` hits. A class too small to split is a finding before
// any question, with a way out; --json prints one JSON document on every path; existing outputs are never replaced
// without a yes (asked on a terminal, refused without one).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, makeProject } from '../helpers/cli.ts';
import { prepareOnTerminal as onTerminal } from '../helpers/prepare-terminal.ts';

/** 60 ham/spam messages, then one 'urgent' message (row 61). */
function messages(rare = true): string {
  const rows = Array.from({ length: 60 }, (_, i) => ({ prompt: i % 2 ? `see you at lunch, table ${i}` : `WIN a free prize, call 0800 ${i}`, completion: i % 2 ? 'ham' : 'spam' }));
  if (rare) rows.push({ prompt: 'your account is locked, act now', completion: 'urgent' });
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

/** The CLI as a child process, stdin a pipe (not a terminal), CI unset unless given. */
function prepare(args: string[], cwd: string, env: Record<string, string> = {}) {
  const childEnv: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...env };
  if (env.CI === undefined) delete childEnv.CI;
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CLI, 'prepare', ...args], { cwd, env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('tunefile prepare for a first-time user', () => {
  it('names a class with one example before the first question, and offers to drop it', async () => {
    const dir = makeProject({ 'msgs.jsonl': messages() });
    const r = await onTerminal(['msgs.jsonl'], dir, (q) => (q.startsWith('Drop') ? 'y' : ''));
    expect(r.code, r.err).toBe(0);
    const finding = r.out.indexOf("[error] 1 class(es) have fewer than 2 examples, too few to be in both the training and the validation set: 'urgent' (row 61)");
    expect(finding).toBeGreaterThan(0);
    expect(finding).toBeLessThan(r.out.indexOf('[Y/n]: '));
    expect(r.questions).toContain('Drop the 1 row(s) of the 1 class(es) with fewer than 2 examples? [y/N]:');
    expect(r.out).toContain("Dropped 1 row(s) of 1 class(es) with fewer than 2 examples: 'urgent' (row 61)");
    const labels = (name: string) => readFileSync(join(dir, name), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { completion: string }).completion);
    expect(new Set([...labels('msgs_prepared_train.jsonl'), ...labels('msgs_prepared_valid.jsonl')])).toEqual(new Set([' ham\n', ' spam\n']));

    // Without a terminal the drop is not a safe fix: a clear stop naming the class and the way out; --yes takes it.
    const ci = await prepare(['msgs.jsonl', '--out', 'ci'], dir);
    expect(ci.code).toBe(1);
    expect(ci.stdout).toContain('not applying drop-rare (rerun with --yes to accept them)');
    expect(ci.stderr).toMatch(/^error: .*msgs\.jsonl: 1 class\(es\) have fewer than 2 examples .*'urgent' \(row 61\)$/m);
    expect(ci.stderr).toMatch(/^hint: accept dropping their rows \(answer y, or pass --yes\)/m);
    const yes = await prepare(['msgs.jsonl', '--out', 'ci', '--yes'], dir);
    expect(yes.code, yes.stderr).toBe(0);
    expect(yes.stdout).toContain("Dropped 1 row(s) of 1 class(es) with fewer than 2 examples: 'urgent' (row 61)");
  });

  it('--json prints one JSON document on every path, errors included', async () => {
    const dir = makeProject({ 'msgs.jsonl': messages() });
    const cases: [string[], number, string][] = [
      [['missing.jsonl', '--json'], 1, 'TUNEFILE_DATA'],
      [['msgs.jsonl', '--json', '--format', 'xml'], 2, 'TUNEFILE_USAGE'],
      [['msgs.jsonl', '--json', '--no-such-flag'], 2, 'TUNEFILE_USAGE'],
      [['msgs.jsonl', '--json'], 1, 'TUNEFILE_DATA'], // the rare class, declined without a terminal
    ];
    for (const [args, exit, code] of cases) {
      const r = await prepare(args, dir, { CI: 'true' });
      expect(r.code, args.join(' ')).toBe(exit);
      const doc = JSON.parse(r.stdout);
      expect(doc, args.join(' ')).toMatchObject({ ok: false, error: { code } });
      expect(doc.error.message).toBeTruthy();
      expect(r.stderr).toMatch(/^error: /m);
    }
    const ok = await prepare(['msgs.jsonl', '--json', '--yes'], dir);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, dropped: { rows: 1, classes: [{ label: 'urgent', rows: ['row 61'] }] } });
  });

  it('never replaces existing outputs silently: refuses without a terminal unless --yes, asks on one', async () => {
    const dir = makeProject({ 'sms.jsonl': messages(false) });
    expect((await prepare(['sms.jsonl'], dir)).code).toBe(0);
    const mine = join(dir, 'sms_prepared_train.jsonl');
    writeFileSync(mine, 'my own edits\n');

    const refused = await prepare(['sms.jsonl'], dir, { CI: 'true' });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`error: prepare: ${mine}, ${join(dir, 'sms_prepared_valid.jsonl')} already exist; nothing was written`);
    expect(refused.stderr).toContain('hint: pass --yes to overwrite them');
    expect(readFileSync(mine, 'utf8')).toBe('my own edits\n');

    const declined = await onTerminal(['sms.jsonl'], dir, (q) => (q.startsWith('Overwrite') ? 'n' : ''));
    expect(declined.questions.at(-1)).toBe('Overwrite sms_prepared_train.jsonl and sms_prepared_valid.jsonl? [y/N]:');
    expect(declined.code).toBe(2);
    expect(readFileSync(mine, 'utf8')).toBe('my own edits\n');

    const accepted = await onTerminal(['sms.jsonl'], dir, (q) => (q.startsWith('Overwrite') ? 'y' : ''));
    expect(accepted.code, accepted.err).toBe(0);
    expect(readFileSync(mine, 'utf8')).not.toBe('my own edits\n');
    writeFileSync(mine, 'my own edits\n');
    expect((await prepare(['sms.jsonl', '--yes'], dir)).code).toBe(0);
    expect(readFileSync(mine, 'utf8')).not.toBe('my own edits\n');
  });
});
