// End to end: `tunefile validate` as a real child process on real pipeline files.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp.ts';

const REPO = join(import.meta.dirname, '../..');
const MAIN = join(REPO, 'src/cli/main.ts');
const FIXTURES = join(REPO, 'test/fixtures/pipelines');

/** A temp project (with .git) holding the named fixtures, copied under their own names. */
function project(...fixtures: string[]): string {
  const root = tempDir('tunefile-validate-');
  mkdirSync(join(root, '.git'));
  for (const name of fixtures) copyFileSync(join(FIXTURES, name), join(root, name));
  return root;
}

function validate(cwd: string, ...args: string[]) {
  return execa(process.execPath, [MAIN, 'validate', ...args], { cwd, reject: false, env: { NO_COLOR: '1' } });
}

describe('tunefile validate', () => {
  it('exits 0 with "ok" for a valid pipeline, found as pipeline.yaml', async () => {
    const root = project('valid.yaml');
    copyFileSync(join(root, 'valid.yaml'), join(root, 'pipeline.yaml'));
    const result = await validate(root);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('ok: pipeline.yaml (3 stages)');
    expect(result.exitCode).toBe(0);
  });

  it('reports all three independent schema errors with their line:col and exits 2', async () => {
    const root = project('three-errors.yaml');
    const result = await validate(root, 'three-errors.yaml');
    expect(result.exitCode).toBe(2);
    const headers = result.stderr.split('\n').filter((line) => /^ {2}\S/.test(line));
    expect(headers).toEqual([
      "  three-errors.yaml:7:7 stages.make.with.outptus: unknown key 'outptus'; did you mean 'outputs'?",
      '  three-errors.yaml:11:12 stages.use.with.run: must be a list (got "node")',
      '  three-errors.yaml:12:17 stages.use.with.env.A: must be a string (got 1)',
    ]);
    expect(result.stderr).toMatch(/^error: three-errors\.yaml: 3 errors\n/);
    expect(result.stderr).toContain('    > 11 |       run: node\n         |            ^');
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('reports a cycle as a --> b --> a and exits 2', async () => {
    const root = project('cycle.yaml');
    const result = await validate(root, 'cycle.yaml');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/cycle\.yaml:3:3 stages\.a: stages form a cycle: (a --> b --> a|b --> a --> b)\n/);
  });

  it('suggests the stage meant by a needs typo', async () => {
    const root = project('needs-typo.yaml');
    const result = await validate(root, 'needs-typo.yaml');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain("needs-typo.yaml:8:13 stages.train.needs[0]: stage 'train' needs 'prepair', which is not a stage in this file; did you mean 'prepare'?");
  });

  it('validates --set values like the file and rejects a bad --set path as a usage error', async () => {
    const root = project('valid.yaml');
    const bad = await validate(root, 'valid.yaml', '--set', 'make.with.run=oops');
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--set make.with.run=oops: stages.make.with.run: must be a list (got "oops")');
    const typo = await validate(root, 'valid.yaml', '--set', 'mkae.with.run=[x]');
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("error: --set mkae.with.run=[x]: 'mkae' is not a stage or a top-level key; did you mean 'make'?");
    const good = await validate(root, 'valid.yaml', '--set', 'params.seed=7');
    expect(good.exitCode).toBe(0);
  });

  it('prints one JSON document with --json, for valid and invalid files', async () => {
    const root = project('valid.yaml', 'three-errors.yaml');
    const ok = await validate(root, 'valid.yaml', '--json');
    expect(ok.exitCode).toBe(0);
    const doc = JSON.parse(ok.stdout);
    expect(doc).toMatchObject({ ok: true, pipeline: 'valid.yaml', errors: [], warnings: [] });
    expect(doc.stages.map((s: { id: string }) => s.id)).toEqual(['make', 'copy', 'report']);
    const bad = await validate(root, 'three-errors.yaml', '--json');
    expect(bad.exitCode).toBe(2);
    const errors = JSON.parse(bad.stdout).errors as { line: number; col: number; path: string }[];
    expect(errors.map((e) => [e.line, e.col, e.path])).toEqual([
      [7, 7, 'stages.make.with.outptus'], [11, 12, 'stages.use.with.run'], [12, 17, 'stages.use.with.env.A'],
    ]);
  });

  it('exits 2 for a missing file, an unknown flag, and an invalid config', async () => {
    const root = project('valid.yaml');
    const missing = await validate(root, 'nope.yaml');
    expect([missing.exitCode, missing.stderr]).toEqual([2, 'error: pipeline file not found: nope.yaml']);
    expect((await validate(root, '--frobnicate')).exitCode).toBe(2);
    writeFileSync(join(root, 'tunefile.config.json'), '{"jobs": -1}');
    const config = await validate(root, 'valid.yaml');
    expect(config.exitCode).toBe(2);
    expect(config.stderr).toContain('tunefile.config.json:1:10 jobs: must be >= 1 (got -1)');
  });

  it('prints help', async () => {
    const result = await validate(REPO, '--help');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Usage: tunefile validate \[PIPELINE\] \[--set KEY=VALUE\]\.\.\. \[--json\]/);
  });
});
