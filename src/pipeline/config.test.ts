import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TunefileError } from '../errors.ts';
import { loadConfig } from './config.ts';
import { loadPipeline } from './load.ts';
import { findProjectRoot } from './paths.ts';
import { tempDir } from '../../test/helpers/temp.ts';

function dir(files: Record<string, string> = {}): string {
  const root = tempDir('tunefile-config-');
  for (const [path, text] of Object.entries(files)) writeFileSync(join(root, path), text);
  return root;
}

async function configError(root: string): Promise<TunefileError> {
  const error = await loadConfig(root, { cwd: root }).then(() => undefined, (e: unknown) => e);
  if (!(error instanceof TunefileError)) throw new Error(`expected a TunefileError, got ${String(error)}`);
  expect(error.code).toBe('TUNEFILE_INVALID_CONFIG');
  return error;
}

describe('loadConfig', () => {
  it('applies defaults when there is no config', async () => {
    expect(await loadConfig(dir())).toEqual({
      provider: 'local', jobs: availableParallelism(), prices: {}, poll: { interval_ms: 2000, max_interval_ms: 30000 },
    });
  });
  it('reads tunefile.config.yaml and fills nested defaults', async () => {
    const root = dir({ 'tunefile.config.yaml': 'jobs: 2\nprovider: openai\npoll: { interval_ms: 10 }\nprices:\n  babbage-002: { training: 0.4 }\n' });
    expect(await loadConfig(root)).toEqual({
      filepath: join(root, 'tunefile.config.yaml'), provider: 'openai', jobs: 2,
      prices: { 'babbage-002': { training: 0.4 } }, poll: { interval_ms: 10, max_interval_ms: 30000 },
    });
  });
  it('reads package.json#tunefile, .tunefilerc and a TypeScript config', async () => {
    expect((await loadConfig(dir({ 'package.json': '{"name": "x", "tunefile": {"jobs": 5}}' }))).jobs).toBe(5);
    expect((await loadConfig(dir({ '.tunefilerc': 'jobs: 6' }))).jobs).toBe(6);
    const ts = dir({ 'tunefile.config.ts': 'const config: { jobs: number } = { jobs: 7 };\nexport default config;\n' });
    expect((await loadConfig(ts)).jobs).toBe(7);
  });
  it('reports schema errors with file, line:col and did-you-mean', async () => {
    const root = dir({ 'tunefile.config.json': '{\n  "jobs": 0,\n  "provder": "local"\n}\n' });
    const error = await configError(root);
    expect(error.message).toBe('tunefile.config.json: 2 errors');
    expect(error.details.map((d) => d.split('\n')[0])).toEqual([
      'tunefile.config.json:2:11 jobs: must be >= 1 (got 0)',
      "tunefile.config.json:3:3 provder: unknown key 'provder'; did you mean 'provider'?",
    ]);
  });
  it('reports errors inside package.json#tunefile at their position', async () => {
    const root = dir({ 'package.json': '{\n  "name": "x",\n  "tunefile": { "jobs": "many" }\n}\n' });
    expect((await configError(root)).details[0]!.split('\n')[0]).toBe('package.json:3:25 tunefile.jobs: must be an integer (got "many")');
  });
  it('reports JS config errors by path, and YAML duplicate keys', async () => {
    const js = dir({ 'tunefile.config.mjs': 'export default { jobs: 1.5 };\n' });
    expect((await configError(js)).details).toEqual(['tunefile.config.mjs: jobs: must be an integer (got 1.5)']);
    const dup = dir({ '.tunefilerc.yml': 'jobs: 1\njobs: 2\n' });
    expect((await configError(dup)).details[0]).toMatch(/^\.tunefilerc\.yml:2:1: duplicate key 'jobs'/);
  });
});

describe('project root and the config pipeline', () => {
  it('is the nearest folder with a config file or .git, else the start folder', () => {
    const root = dir({ '.tunefilerc.json': '{}' });
    mkdirSync(join(root, 'a/b'), { recursive: true });
    expect(findProjectRoot(join(root, 'a/b'))).toBe(root);
    mkdirSync(join(root, 'a/.git'));
    expect(findProjectRoot(join(root, 'a/b'))).toBe(join(root, 'a'));
    const lonely = dir({ 'package.json': '{"name": "no-tunefile-key"}' });
    expect(findProjectRoot(lonely)).toBe(lonely);
  });
  it("loads the config's pipeline when no file is given, and the pipeline's provider wins", async () => {
    const root = dir({ 'tunefile.config.json': '{"pipeline": "pipes/main.yaml", "provider": "openai"}' });
    mkdirSync(join(root, 'pipes'));
    mkdirSync(join(root, 'pipes/sub'));
    writeFileSync(join(root, 'pipes/main.yaml'), 'stages:\n  command:\n    with: { run: [x] }\n');
    const p = await loadPipeline({ cwd: join(root, 'pipes/sub'), env: {} });
    expect(p.relFile).toBe('pipes/main.yaml');
    expect(p.provider).toBe('openai');
    writeFileSync(join(root, 'pipes/main.yaml'), 'provider: { type: openai, base_url: "http://127.0.0.1:1/v1" }\nstages:\n  command:\n    with: { run: [x] }\n');
    expect((await loadPipeline({ cwd: root, env: {} })).provider).toEqual({ type: 'openai', base_url: 'http://127.0.0.1:1/v1' });
  });
});
