// Issue 5: `metrics --diff HEAD~1` shows the change after a committed rerun with different epochs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli.ts';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' });

describe('tunefile metrics --diff after a committed rerun', () => {
  it('compares the lock file of the previous commit with the rerun that trained for fewer epochs', async () => {
    const parent = makeProject();
    expect((await runCli(['init', 'exp'], { cwd: parent })).code).toBe(0);
    const dir = join(parent, 'exp');
    git(dir, 'init', '-q');
    const first = await runCli(['run'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'four epochs');

    const file = join(dir, 'pipeline.yaml');
    const yaml = readFileSync(file, 'utf8');
    expect(yaml).toContain('n_epochs: 4');
    writeFileSync(file, yaml.replace('n_epochs: 4', 'n_epochs: 1'));
    const second = await runCli(['run', '--json'], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    const status = Object.fromEntries(JSON.parse(second.stdout).stages.map((s: { id: string; status: string }) => [s.id, s.status]));
    expect(status).toMatchObject({ upload: 'cached', train: 'ran', evaluate: 'ran' });
    git(dir, 'commit', '-qam', 'one epoch');

    const diff = await runCli(['metrics', '--diff', 'HEAD~1', '--json'], { cwd: dir });
    expect(diff.code, diff.stderr).toBe(0);
    const doc = JSON.parse(diff.stdout);
    const accuracy = doc.diff.evaluate.accuracy;
    const before = JSON.parse(git(dir, 'show', 'HEAD~1:pipeline.lock')).stages.evaluate.metrics.accuracy;
    const after = JSON.parse(readFileSync(join(dir, 'pipeline.lock'), 'utf8')).stages.evaluate.metrics.accuracy;
    expect(accuracy).toEqual({ old: before, new: after, change: expect.closeTo(after - before, 9) });
    const lockDiff = git(dir, 'diff', 'HEAD~1', '--', 'pipeline.lock');
    expect(lockDiff).toMatch(/"n_epochs": 1/);
    const table = await runCli(['metrics', '--diff', 'HEAD~1'], { cwd: dir });
    expect(table.stdout).toMatch(/evaluate\s+accuracy\s+\S+\s+\S+\s+[+-]?\d/);
    // One epoch on 1,000 rows is a different model: at least one headline metric moves.
    const changes = Object.values(doc.diff.evaluate as Record<string, { change: number | null }>).map((m) => m.change ?? 0);
    expect(changes.some((c) => Math.abs(c) > 0)).toBe(true);
  }, 120_000);
});
