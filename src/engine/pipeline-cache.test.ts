import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipeline } from '../pipeline/load.ts';
import type { LoadPipelineOptions } from '../pipeline/load.ts';
import { loadPipelineCached } from './pipeline-cache.ts';
import { tempDir } from '../../test/helpers/temp.ts';

// Two command stages, the second with an input its type does not use: the load has a warning to carry.
const PIPELINE = `version: 1
name: cached
model: babbage-002
params: { seed: 42 }
stages:
  a:
    uses: command
    with: { run: [node, -e, "1", "{out.x}"], env: { SEED: "seed=\${params.seed}" } }
  b:
    uses: command
    inputs: { x: a.x }
    with: { run: [node, -e, "2"] }
`;

/** A temp project (with .git and, unless told otherwise, .tunefile/) holding `files`. */
function project(files: Record<string, string>, options: { store?: boolean } = {}): string {
  const root = tempDir('tunefile-pipeline-cache-');
  mkdirSync(join(root, '.git'));
  if (options.store !== false) mkdirSync(join(root, '.tunefile'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const entriesOf = (root: string): string[] => {
  const dir = join(root, '.tunefile', 'cache', 'pipelines');
  return existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')).map((n) => join(dir, n)) : [];
};

/** Rewrites the one entry's pipeline name, keeping its key: a load that returns this name read the entry. */
function tamper(root: string): void {
  const [path] = entriesOf(root);
  const entry = JSON.parse(readFileSync(path!, 'utf8'));
  entry.pipeline.name = 'from-the-cache';
  writeFileSync(path!, JSON.stringify(entry));
}

/** Loads through the cache and checks the result equals the full loader's. */
async function loadBoth(options: LoadPipelineOptions) {
  const cached = await loadPipelineCached(options);
  expect(cached).toEqual(await loadPipeline(options));
  return cached;
}

describe('loadPipelineCached', () => {
  it('stores the loaded pipeline and reads it back while nothing changed', async () => {
    const root = project({ 'pipeline.yaml': PIPELINE });
    const options = { cwd: root, env: {} };
    const first = await loadBoth(options);
    expect(first.warnings).toEqual([expect.stringContaining("stage type 'command' does not use an input named 'x'")]);
    expect(entriesOf(root)).toHaveLength(1);
    expect(await loadPipelineCached(options)).toEqual(first);
    tamper(root);
    expect((await loadPipelineCached(options)).name).toBe('from-the-cache');
    // The full loader never looks at the cache.
    expect((await loadPipeline(options)).name).toBe('cached');
  });

  it('loads afresh when the file, the --set arguments, the config or the cwd change', async () => {
    const root = project({ 'pipeline.yaml': PIPELINE, 'sub/keep': '' });
    const changes: [string, () => LoadPipelineOptions][] = [
      ['an edit of the file', () => (writeFileSync(join(root, 'pipeline.yaml'), PIPELINE.replace('seed: 42', 'seed: 43')), { cwd: root, env: {} })],
      ['a --set argument', () => ({ cwd: root, env: {}, sets: ['params.seed=7'] })],
      ['another --set value', () => ({ cwd: root, env: {}, sets: ['params.seed=8'] })],
      ['a new config file', () => (writeFileSync(join(root, '.tunefilerc.yaml'), 'jobs: 3\n'), { cwd: root, env: {}, sets: ['params.seed=8'] })],
      ['an edited config file', () => (writeFileSync(join(root, '.tunefilerc.yaml'), 'jobs: 4\n'), { cwd: root, env: {}, sets: ['params.seed=8'] })],
      ['another cwd', () => ({ cwd: join(root, 'sub'), file: '../pipeline.yaml', env: {}, sets: ['params.seed=8'] })],
    ];
    await loadBoth({ cwd: root, env: {} });
    for (const [what, change] of changes) {
      tamper(root);
      const options = change();
      const loaded = await loadBoth(options);
      expect(loaded.name, what).toBe('cached');
      expect(entriesOf(root), what).toHaveLength(1);
    }
    const last = await loadPipelineCached({ cwd: join(root, 'sub'), file: '../pipeline.yaml', env: {}, sets: ['params.seed=8'] });
    expect(last.config.jobs).toBe(4);
    expect(last.stages[0]!.params.env).toEqual({ SEED: 'seed=8' });
    expect(last.warnings[0]!.startsWith(`${join(root, 'pipeline.yaml')}:`)).toBe(true);
  });

  it('never stores a pipeline that reads the environment, so its values stay out of .tunefile/', async () => {
    const root = project({ 'pipeline.yaml': PIPELINE.replace('${params.seed}', '${env.SECRET_SEED}') });
    const first = await loadBoth({ cwd: root, env: { SECRET_SEED: 'hunter2' } });
    expect(first.stages[0]!.params.env).toEqual({ SEED: 'seed=hunter2' });
    expect(entriesOf(root)).toEqual([]);
    const second = await loadBoth({ cwd: root, env: { SECRET_SEED: 'other' } });
    expect(second.stages[0]!.params.env).toEqual({ SEED: 'seed=other' });
    // A reference that came in through --set counts too.
    const root2 = project({ 'pipeline.yaml': PIPELINE });
    await loadBoth({ cwd: root2, env: { X: 'from-env' }, sets: ['stages.a.with.env.SEED=${env.X}'] });
    expect(entriesOf(root2)).toEqual([]);
  });

  it('stores nothing without .tunefile/, with a config that is code, or for values JSON cannot carry', async () => {
    const noStore = project({ 'pipeline.yaml': PIPELINE }, { store: false });
    await loadBoth({ cwd: noStore, env: {} });
    expect(existsSync(join(noStore, '.tunefile'))).toBe(false);

    const jsConfig = project({ 'pipeline.yaml': PIPELINE, 'tunefile.config.mjs': 'export default { jobs: 2 };\n' });
    await loadBoth({ cwd: jsConfig, env: {} });
    expect(entriesOf(jsConfig)).toEqual([]);

    const infinite = project({ 'pipeline.yaml': PIPELINE.replace('params: { seed: 42 }', 'params: { seed: 42, ceiling: .inf }') });
    const loaded = await loadBoth({ cwd: infinite, env: {} });
    expect(loaded.params.ceiling).toBe(Infinity);
    expect(entriesOf(infinite)).toEqual([]);
  });

  it('replaces a damaged entry, and never stores a load that failed', async () => {
    const root = project({ 'pipeline.yaml': PIPELINE });
    await loadBoth({ cwd: root, env: {} });
    const [path] = entriesOf(root);
    writeFileSync(path!, '{"format": 1, "key": "trunc');
    expect((await loadBoth({ cwd: root, env: {} })).name).toBe('cached');
    expect(JSON.parse(readFileSync(path!, 'utf8')).pipeline.name).toBe('cached');

    writeFileSync(join(root, 'pipeline.yaml'), PIPELINE.replace('model: babbage-002', 'model: 3'));
    await expect(loadPipelineCached({ cwd: root, env: {} })).rejects.toMatchObject({ code: 'TUNEFILE_INVALID_PIPELINE' });
    expect(JSON.parse(readFileSync(path!, 'utf8')).pipeline.model).toBe('babbage-002');
    await expect(loadPipelineCached({ cwd: root, env: {} })).rejects.toMatchObject({ code: 'TUNEFILE_INVALID_PIPELINE' });
  });
});
