// e2e: `tunefile metrics` against a real temporary git repository, through the real CLI process.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** A lock file as `tunefile run` writes it: sorted keys, 2-space indent, metrics on evaluate. */
function lockText(metrics: Record<string, number>, epochs: number): string {
  const lock = {
    pipeline: 'sms-spam',
    stages: {
      evaluate: { inputs: {}, key: 'e'.repeat(64), metrics, outputs: {}, params: { max_tokens: 1 }, type: 'evaluate', version: 1 },
      train: { inputs: {}, key: 't'.repeat(64), outputs: {}, params: { n_epochs: epochs }, type: 'train', version: 1 },
    },
    version: 1,
  };
  return JSON.stringify(lock, null, 2) + '\n';
}

let repo: string;
function git(...args: string[]): void {
  execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd: repo, env: { ...process.env, ...GIT_ENV }, stdio: 'pipe' });
}
function tunefile(args: string[], cwd = repo) {
  return execa(process.execPath, [MAIN, ...args], { cwd, reject: false, env: { NO_COLOR: '1' } });
}

beforeAll(() => {
  repo = tempDir('tunefile-metrics-');
  git('init', '-q', '-b', 'main');
  writeFileSync(join(repo, 'README.md'), 'demo\n');
  git('add', '.');
  git('commit', '-q', '-m', 'start');
  mkdirSync(join(repo, 'pipelines'));
  writeFileSync(join(repo, 'pipelines/spam.yaml'), 'version: 1\nname: sms-spam\nstages: {}\n');
  writeFileSync(join(repo, 'pipelines/spam.lock'), lockText({ accuracy: 0.95, macro_f1: 0.9, n: 1115, auroc: 0.97 }, 2));
  git('add', '.');
  git('commit', '-q', '-m', 'run with 2 epochs');
  writeFileSync(join(repo, 'pipelines/spam.lock'), lockText({ accuracy: 0.9875, macro_f1: 0.95, n: 1115, auprc: 0.9 }, 4));
  git('commit', '-q', '-am', 'run with 4 epochs');
});

describe('tunefile metrics', () => {
  it('prints the lock file metrics as a table', async () => {
    const r = await tunefile(['metrics', 'spam.yaml'], join(repo, 'pipelines'));
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      ['stage     metric     value', 'evaluate  accuracy  0.9875', 'evaluate  auprc     0.9000', 'evaluate  macro_f1  0.9500', 'evaluate  n           1115'].join('\n'),
    );
  });

  it('--diff HEAD~1 shows old, new and change, like dvc metrics diff', async () => {
    const r = await tunefile(['metrics', 'pipelines/spam.yaml', '--diff', 'HEAD~1']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout.split('\n')).toEqual([
      'stage     metric       old     new   change',
      'evaluate  accuracy  0.9500  0.9875  +0.0375',
      'evaluate  auprc          -  0.9000        -',
      'evaluate  auroc     0.9700       -        -',
      'evaluate  macro_f1  0.9000  0.9500  +0.0500',
      'evaluate  n           1115    1115        0',
    ]);
  });

  it('--json prints one document, from a subfolder too', async () => {
    const r = await tunefile(['metrics', '--diff=HEAD~1', '--json', 'spam.yaml'], join(repo, 'pipelines'));
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.lock).toBe('spam.lock');
    expect(doc.rev).toBe('HEAD~1');
    expect(doc.diff.evaluate.accuracy).toEqual({ old: 0.95, new: 0.9875, change: expect.closeTo(0.0375, 12) });
    expect(doc.diff.evaluate.auroc).toEqual({ old: 0.97, new: null, change: null });
    const plain = JSON.parse((await tunefile(['metrics', 'pipelines/spam.yaml', '--json'])).stdout);
    expect(plain).toEqual({ ok: true, lock: 'pipelines/spam.lock', metrics: { evaluate: { accuracy: 0.9875, auprc: 0.9, macro_f1: 0.95, n: 1115 } }, error: null });
  });

  it('fails cleanly: unknown revision (2), lock not in the revision (1), missing lock (1), bad flag (2)', async () => {
    const badRev = await tunefile(['metrics', 'pipelines/spam.yaml', '--diff', 'no-such-branch']);
    expect(badRev.exitCode).toBe(2);
    expect(badRev.stderr).toContain("unknown git revision 'no-such-branch'");
    const before = await tunefile(['metrics', 'pipelines/spam.yaml', '--diff', 'HEAD~2']);
    expect(before.exitCode).toBe(1);
    expect(before.stderr).toContain('pipelines/spam.lock does not exist at revision HEAD~2 (looked for pipelines/spam.lock)');
    const missing = await tunefile(['metrics', 'pipeline.yaml']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('pipeline.lock does not exist');
    const nothing = await tunefile(['metrics']);
    expect(nothing.exitCode).toBe(2);
    expect(nothing.stderr).toContain('no pipeline file');
    const flag = await tunefile(['metrics', '--dif', 'HEAD']);
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toMatch(/unknown option '--dif'; did you mean '--diff'\?/);
  });

  it('--diff outside a git repository is a usage error', async () => {
    const dir = tempDir('tunefile-nogit-');
    writeFileSync(join(dir, 'pipeline.lock'), lockText({ accuracy: 0.5 }, 1));
    const r = await tunefile(['metrics', '--diff', 'HEAD'], dir);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('cannot read pipeline.lock at revision HEAD');
    expect((await tunefile(['metrics'], dir)).stdout).toContain('evaluate  accuracy  0.5000');
  });

  it('has help', async () => {
    const r = await tunefile(['metrics', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('--diff REV');
  });
});
