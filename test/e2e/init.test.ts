// e2e: `tunefile init DIR && cd DIR && tunefile run` works offline and ends with a report; init never overwrites.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, makeProject, runCli } from '../helpers/cli.ts';

describe('tunefile init', () => {
  it('scaffolds a project whose pipeline runs offline to a report', async () => {
    const parent = makeProject({ '.gitignore': 'node_modules/' });
    const init = await runCli(['init', 'demo'], { cwd: parent });
    expect(init.code, init.stderr).toBe(0);
    // Not installed where npx or PATH finds it (a CLI run from a clone): the next: line names this CLI, never a bare
    // `tunefile` or an `npx tunefile` that would fetch the registry's unrelated package (test/e2e/packed-install.test.ts).
    expect(init.stdout).toContain(`next: cd demo && node ${CLI} run\n`);
    expect(init.stdout).toMatch(/^\(tunefile is not installed in that project; to run it there as 'npx tunefile run': npm install -D \S+\)$/m);
    const demo = join(parent, 'demo');
    const pipeline = readFileSync(join(demo, 'pipeline.yaml'), 'utf8');
    expect(pipeline.split('\n')[0]).toBe('# yaml-language-server: $schema=./node_modules/tunefile/schemas/pipeline.schema.json');
    const data = readFileSync(join(demo, 'data', 'sms-spam-sample.tsv'), 'utf8').trimEnd().split('\n');
    expect(data[0]).toBe('Label\tSMS');
    expect(data.length - 1).toBe(1000);
    expect(data.filter((l) => l.startsWith('spam\t')).length).toBeGreaterThan(100);
    expect(readFileSync(join(demo, 'data', 'README.md'), 'utf8')).toMatch(/CC BY 4\.0/);
    expect(readFileSync(join(demo, '.gitignore'), 'utf8')).toContain('.tunefile/');

    const run = await runCli(['run'], { cwd: demo });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ok: pipeline\.yaml: 8 ran/m);
    expect(existsSync(join(demo, '.tunefile'))).toBe(true);
    expect(readFileSync(join(demo, 'reports', 'sms-spam', 'report.html'), 'utf8')).toContain('<svg');
    expect(readFileSync(join(demo, 'reports', 'sms-spam', 'report.html'), 'utf8')).toContain('<h1>sms-spam: evaluation</h1>');
    expect(JSON.parse(readFileSync(join(demo, 'reports', 'sms-spam', 'metrics.json'), 'utf8')).accuracy).toBeGreaterThan(0.9);
    expect(existsSync(join(demo, 'pipeline.lock'))).toBe(true);
  }, 120_000);

  it('refuses to overwrite, writing nothing', async () => {
    const dir = makeProject({ 'pipeline.yaml': 'mine\n', '.gitignore': 'dist' });
    const refused = await runCli(['init'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pipeline.yaml already exists');
    expect(readFileSync(join(dir, 'pipeline.yaml'), 'utf8')).toBe('mine\n');
    expect(existsSync(join(dir, 'data'))).toBe(false);
    expect(existsSync(join(dir, 'tunefile.config.json'))).toBe(false);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toBe('dist');
  });

  it('appends the .tunefile/ line to an existing .gitignore, and leaves one that has it alone', async () => {
    const dir = makeProject({ 'a/.gitignore': 'dist', 'b/.gitignore': 'node_modules\n.tunefile\n' });
    expect((await runCli(['init', 'a'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, 'a', '.gitignore'), 'utf8')).toBe('dist\n# tunefile\n.tunefile/\n');
    expect((await runCli(['init', 'b'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, 'b', '.gitignore'), 'utf8')).toBe('node_modules\n.tunefile\n');
  });
});
