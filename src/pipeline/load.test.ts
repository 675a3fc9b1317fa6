import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TunefileError } from '../errors.ts';
import { PipelineInvalidError } from './diagnostics.ts';
import { loadPipeline } from './load.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/pipelines');

/** A temp project (with .git) holding `files`. */
function project(files: Record<string, string>): string {
  const root = tempDir('tunefile-load-');
  mkdirSync(join(root, '.git'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function loadError(cwd: string, options: { file?: string; sets?: string[]; env?: Record<string, string> } = {}) {
  const error = await loadPipeline({ cwd, env: options.env ?? {}, file: options.file, sets: options.sets }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof TunefileError)) throw new Error(`expected a TunefileError, got ${String(error)}`);
  return error;
}

const cmd = (extra = '') => `    uses: command\n${extra}    with: { run: [node, -e, "1"] }\n`;

describe('loadPipeline: a valid pipeline', () => {
  it('resolves files, needs, wiring, outputs, params and lines', async () => {
    const root = project({});
    mkdirSync(join(root, 'pipelines'));
    copyFileSync(join(FIXTURES, 'valid.yaml'), join(root, 'pipelines/spam.yaml'));
    const p = await loadPipeline({ cwd: root, file: 'pipelines/spam.yaml', env: {} });
    expect(p.file).toBe(join(root, 'pipelines/spam.yaml'));
    expect(p.relFile).toBe('pipelines/spam.yaml');
    expect(p.projectRoot).toBe(root);
    expect(p.lockFile).toBe(join(root, 'pipelines/spam.lock'));
    expect(p.name).toBe('fixture-valid');
    expect(p.model).toBe('babbage-002');
    expect(p.provider).toBe('local');
    expect(p.allowOutside).toBe(false);
    expect(p.stages.map((s) => [s.id, s.type, s.needs, s.line])).toEqual([
      ['make', 'command', [], 8],
      ['copy', 'command', ['make'], 13],
      ['report', 'command', ['make', 'copy'], 17],
    ]);
    expect(p.stages[1]!.inputs).toEqual({ data: { stage: 'make', artifact: 'data' } });
    expect(p.stages[2]!.inputs).toEqual({ original: { stage: 'make', artifact: 'data' }, copy: { stage: 'copy', artifact: 'copy' } });
    expect(p.stages.map((s) => s.outputs)).toEqual([['data'], ['copy'], ['report']]);
    expect(p.stages[0]!.params).toMatchObject({ env: { SEED: 'seed=42' }, deps: [], consumes: [], outputs: [] });
    expect(p.warnings).toEqual([]);
  });

  it('finds pipeline.yaml in the cwd, and the project root from a config file', async () => {
    const root = tempDir('tunefile-load-');
    writeFileSync(join(root, 'tunefile.config.json'), '{"jobs": 3}');
    mkdirSync(join(root, 'sub'));
    writeFileSync(join(root, 'sub/pipeline.yaml'), `stages:\n  a:\n${cmd()}`);
    const p = await loadPipeline({ cwd: join(root, 'sub'), env: {} });
    expect(p.projectRoot).toBe(root);
    expect(p.relFile).toBe('sub/pipeline.yaml');
    expect(p.config.jobs).toBe(3);
    expect(p.name).toBe('pipeline');
  });

  it('keeps the type of a whole-value reference and validates after interpolation', async () => {
    const root = project({
      'p.yaml': 'params: { n: 3, list: [a, b] }\nstages:\n  a:\n    uses: command\n    with:\n      run: "${params.list}"\n      env: { N: "n=${params.n}", HOME: "${env.HOME}" }\n',
    });
    const p = await loadPipeline({ cwd: root, file: 'p.yaml', env: { HOME: '/home/x' } });
    expect(p.stages[0]!.params.run).toEqual(['a', 'b']);
    expect(p.stages[0]!.params.env).toEqual({ N: 'n=3', HOME: '/home/x' });
  });

  it('applies --set before interpolation and validation', async () => {
    const root = project({ 'p.yaml': `params: { who: a }\nstages:\n  a:\n    uses: command\n    with:\n      run: [echo, "\${params.who}"]\n` });
    const p = await loadPipeline({ cwd: root, file: 'p.yaml', env: {}, sets: ['params.who=b', 'a.with.env={X: "1"}', 'model=davinci-002'] });
    expect(p.stages[0]!.params.run).toEqual(['echo', 'b']);
    expect(p.stages[0]!.params.env).toEqual({ X: '1' });
    expect(p.model).toBe('davinci-002');
  });

  it('adds the producer named in inputs: to needs when it is not upstream, and warns about unused inputs', async () => {
    const root = project({
      'p.yaml': `stages:
  a:
    uses: command
    needs: []
    with: { run: [node, "{out.x}"] }
  b:
    uses: command
    needs: []
    inputs: { x: a.x }
    with: { run: [node, "{out.y}"] }
`,
    });
    const p = await loadPipeline({ cwd: root, file: 'p.yaml', env: {} });
    expect(p.stages[1]!.needs).toEqual(['a']);
    expect(p.stages[1]!.inputs).toEqual({ x: { stage: 'a', artifact: 'x' } });
    expect(p.warnings).toEqual([expect.stringContaining("p.yaml:9:15 stages.b.inputs.x: stage type 'command' does not use an input named 'x'")]);
  });

  it("fills with.model from the pipeline's model for stage types that take one, so it enters the key", async () => {
    const root = project({
      'pipeline.yaml': `version: 1\nmodel: gpt-4o-mini\nstages:\n  a:\n    uses: command\n    with: { run: [node, -e, "1"], outputs: [train, valid] }\n  tc:\n    uses: tokencheck\n    inputs: { train: a.train, valid: a.valid }\n  tc2:\n    uses: tokencheck\n    needs: [a]\n    inputs: { train: a.train, valid: a.valid }\n    with: { model: babbage-002 }\n`,
    });
    const p = await loadPipeline({ cwd: root, env: {} }).catch((e: TunefileError) => {
      throw new Error(`${e.message}\n${e.details.join('\n')}`);
    });
    expect(p.stages.find((s) => s.id === 'tc')!.params.model).toBe('gpt-4o-mini');
    expect(p.stages.find((s) => s.id === 'tc2')!.params.model).toBe('babbage-002');
    expect(p.stages.find((s) => s.id === 'a')!.params.model).toBeUndefined();
  });

  it("layers the pipeline's provider over the config's provider of the same type", async () => {
    const root = project({
      '.tunefilerc.json': '{"provider": {"type": "openai", "organization": "org-1", "base_url": "https://a.example/v1"}}',
      'pipeline.yaml': `version: 1\nprovider: { type: openai, base_url: "https://b.example/v1" }\nstages:\n  a:\n${cmd()}`,
      'local.yaml': `version: 1\nprovider: local\nstages:\n  a:\n${cmd()}`,
    });
    expect((await loadPipeline({ cwd: root, env: {} })).provider).toEqual({ type: 'openai', organization: 'org-1', base_url: 'https://b.example/v1' });
    expect((await loadPipeline({ cwd: root, env: {}, file: 'local.yaml' })).provider).toBe('local');
  });

  it('accepts empty stages and an empty with (null) as {}', async () => {
    const root = project({ 'p.yaml': 'stages:\n  command:\n    with:\n      run: [x]\n  other:\n    uses: command\n    with:\n      run: [y]\n' });
    const p = await loadPipeline({ cwd: root, file: 'p.yaml', env: {} });
    expect(p.stages.map((s) => s.type)).toEqual(['command', 'command']);
  });
});

describe('loadPipeline: errors', () => {
  it('reports three independent schema errors with line:col and code frames', async () => {
    const root = project({});
    copyFileSync(join(FIXTURES, 'three-errors.yaml'), join(root, 'p.yaml'));
    const error = await loadError(root, { file: 'p.yaml' });
    expect(error).toBeInstanceOf(PipelineInvalidError);
    expect(error.code).toBe('TUNEFILE_INVALID_PIPELINE');
    expect(error.message).toBe('p.yaml: 3 errors');
    expect(error.details.map((d) => d.split('\n')[0])).toEqual([
      "p.yaml:7:7 stages.make.with.outptus: unknown key 'outptus'; did you mean 'outputs'?",
      'p.yaml:11:12 stages.use.with.run: must be a list (got "node")',
      'p.yaml:12:17 stages.use.with.env.A: must be a string (got 1)',
    ]);
    expect(error.details[0]).toContain('    > 7 |       outptus: [data]\n        |       ^');
  });

  it('reports YAML syntax errors (tabs, duplicate keys) with positions', async () => {
    const root = project({ 'dup.yaml': 'stages:\n  a:\n    uses: command\n    uses: command\n', 'tab.yaml': 'stages:\n\ta: {}\n' });
    const dup = await loadError(root, { file: 'dup.yaml' });
    expect(dup.details[0]).toMatch(/^dup\.yaml:4:5: duplicate key 'uses'/);
    const tab = await loadError(root, { file: 'tab.yaml' });
    expect(tab.details[0]).toMatch(/^tab\.yaml:2:1: tabs are not allowed/);
  });

  it('reports a cycle as a --> b --> a with code TUNEFILE_CYCLE', async () => {
    const root = project({});
    copyFileSync(join(FIXTURES, 'cycle.yaml'), join(root, 'p.yaml'));
    const error = await loadError(root, { file: 'p.yaml' });
    expect(error.code).toBe('TUNEFILE_CYCLE');
    expect(error.details[0]!.split('\n')[0]).toMatch(/^p\.yaml:3:3 stages\.a: stages form a cycle: (a --> b --> a|b --> a --> b)$/);
  });

  it('suggests a stage for a needs typo, and rejects needing itself', async () => {
    const root = project({ 'p.yaml': `stages:\n  prepare:\n${cmd()}  train:\n${cmd('    needs: [prepair, train]\n')}` });
    const error = await loadError(root, { file: 'p.yaml' });
    expect(error.details.map((d) => d.split('\n')[0])).toEqual([
      "p.yaml:7:13 stages.train.needs[0]: stage 'train' needs 'prepair', which is not a stage in this file; did you mean 'prepare'?",
      "p.yaml:7:22 stages.train.needs[1]: stage 'train' needs itself",
    ]);
  });

  it('reports unknown stage types: a bad uses (schema) and an id that is not a type', async () => {
    const root = project({ 'p.yaml': 'stages:\n  comand:\n    with: { run: [x] }\n  b:\n    uses: comand\n' });
    const error = await loadError(root, { file: 'p.yaml' });
    const [first, second] = error.details.map((d) => d.split('\n')[0]);
    expect(first).toMatch(/^p\.yaml:2:3 stages\.comand: stage 'comand' has no 'uses:' and 'comand' is not a stage type; did you mean 'command'\?/);
    expect(second).toMatch(/^p\.yaml:5:11 stages\.b\.uses: must be .*"command".* \(got "comand"\); did you mean 'command'\?$/);
  });

  it('reports a missing input artifact naming the stage and artifact', async () => {
    const root = project({ 'p.yaml': 'stages:\n  a:\n    uses: command\n    with: { run: [x, "{out.one}"] }\n  b:\n    uses: command\n    with: { run: [x, "{in.two}"] }\n' });
    const error = await loadError(root, { file: 'p.yaml' });
    expect(error.details[0]!.split('\n')[0]).toBe("p.yaml:5:3 stages.b: stage 'b' needs artifact 'two' but no upstream stage produces it (upstream: a)");
  });

  it('reports an ambiguous input (two producers at the same distance)', async () => {
    const root = project({
      'p.yaml': `stages:
  a: { uses: command, needs: [], with: { run: [x, "{out.data}"] } }
  b: { uses: command, needs: [], with: { run: [x, "{out.data}"] } }
  c: { uses: command, needs: [a, b], with: { run: [x, "{in.data}"] } }
`,
    });
    const error = await loadError(root, { file: 'p.yaml' });
    expect(error.details[0]!.split('\n')[0]).toBe(
      "p.yaml:4:3 stages.c: stage 'c' input 'data' is ambiguous: 'a' and 'b' both produce it at the same distance; choose one with 'inputs: { data: a.data }' (or b.data)",
    );
  });

  it('reports inputs: overrides naming an unknown stage or artifact', async () => {
    const root = project({
      'p.yaml': `stages:
  make: { uses: command, with: { run: [x, "{out.data}"] } }
  use:
    uses: command
    inputs: { data: mkae.data, other: make.dta }
    with: { run: [x, "{in.data}", "{in.other}"] }
`,
    });
    const error = await loadError(root, { file: 'p.yaml' });
    expect(error.details.map((d) => d.split('\n')[0])).toEqual([
      "p.yaml:5:21 stages.use.inputs.data: input 'data' comes from 'mkae', which is not a stage in this file; did you mean 'make'?",
      "p.yaml:5:39 stages.use.inputs.other: stage 'make' does not produce 'dta'; did you mean 'data'? (it produces data)",
    ]);
  });

  it('reports interpolation problems at the referencing value', async () => {
    const root = project({ 'p.yaml': 'params: { seed: 1 }\nstages:\n  a:\n    uses: command\n    with:\n      run: [x, "${params.sed}", "${env.NOPE}", "${foo}"]\n' });
    const error = await loadError(root, { file: 'p.yaml' });
    expect(error.details.map((d) => d.split('\n')[0])).toEqual([
      "p.yaml:6:16 stages.a.with.run[1]: unknown parameter 'sed' in ${params.sed}: params has seed; did you mean 'seed'?",
      "p.yaml:6:33 stages.a.with.run[2]: environment variable 'NOPE' is not set (referenced as ${env.NOPE})",
      'p.yaml:6:48 stages.a.with.run[3]: cannot resolve ${foo}: use ${params.NAME} or ${env.NAME} (write $${...} for a literal ${...})',
    ]);
  });

  it('says where a wrongly typed value came from', async () => {
    const root = project({ 'p.yaml': 'params: { seed: 42 }\nstages:\n  a:\n    uses: command\n    with:\n      run: [x]\n      env: { SEED: "${params.seed}" }\n' });
    const error = await loadError(root, { file: 'p.yaml' });
    expect(error.details[0]!.split('\n')[0]).toBe('p.yaml:7:20 stages.a.with.env.SEED: must be a string (got 42) (from ${params.seed})');
  });

  it('names the --set argument for an invalid value from --set', async () => {
    const root = project({ 'p.yaml': `stages:\n  a:\n${cmd()}` });
    const error = await loadError(root, { file: 'p.yaml', sets: ['a.with.run=7', 'a.with.colour=red'] });
    expect(error.details).toEqual([
      '--set a.with.run=7: stages.a.with.run: must be a list (got 7)',
      "--set a.with.colour=red: stages.a.with.colour: unknown key 'colour' (allowed: run, outputs, consumes, deps, env)",
    ]);
  });

  it('makes a bad --set path or a missing = a usage error', async () => {
    const root = project({ 'p.yaml': `stages:\n  train:\n${cmd()}` });
    const typo = await loadError(root, { file: 'p.yaml', sets: ['trian.with.x=1'] });
    expect(typo.code).toBe('TUNEFILE_USAGE');
    expect(typo.message).toBe("--set trian.with.x=1: 'trian' is not a stage or a top-level key; did you mean 'train'?");
    const noEq = await loadError(root, { file: 'p.yaml', sets: ['train.with.x'] });
    expect(noEq.code).toBe('TUNEFILE_USAGE');
  });

  it('makes a missing pipeline file a usage error', async () => {
    const root = project({});
    const error = await loadError(root, { file: 'nope.yaml' });
    expect(error.code).toBe('TUNEFILE_USAGE');
    expect(error.message).toBe('pipeline file not found: nope.yaml');
    const none = await loadError(root);
    expect(none.message).toMatch(/^no pipeline file: there is no pipeline\.yaml/);
  });
});
