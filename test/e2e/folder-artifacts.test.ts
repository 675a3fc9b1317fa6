// Issue 19, folder outputs (tree artifacts) through the real CLI: a command stage writes a folder of nested files to
// {out.model}, a second one reads {in.model} as a folder. The tree is cached by its manifest hash (the lock file names
// it so), restored without the stage running, its built folder is rebuilt when deleted, a missing or tampered file
// blob is noticed (status; run --verify), and gc keeps the files' blobs while removing folders no lock references.
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { REPO, makeProject, runCli, runJson } from '../helpers/cli.ts';

/** Writes a model folder: nested files, an executable script, an empty folder (dropped from the tree). */
const TRAIN = `import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
const [out, lr] = process.argv.slice(2);
mkdirSync(out + '/weights/shards', { recursive: true });
mkdirSync(out + '/logs');
writeFileSync(out + '/config.json', JSON.stringify({ lr }) + '\\n');
writeFileSync(out + '/weights/shards/part-0.bin', 'w'.repeat(3000));
writeFileSync(out + '/weights/shards/part-1.bin', 'v'.repeat(2000));
writeFileSync(out + '/serve.sh', '#!/bin/sh\\necho serving\\n');
chmodSync(out + '/serve.sh', 0o755);
`;

/** Reads the model as a folder: lists its files with sizes, then scribbles in its private copy. */
const USE = `import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
const [model, out] = process.argv.slice(2);
const files = readdirSync(model, { recursive: true }).filter((p) => statSync(model + '/' + p).isFile()).sort();
const lines = files.map((p) => p + ' ' + statSync(model + '/' + p).size + ((statSync(model + '/' + p).mode & 0o111) ? ' x' : ''));
writeFileSync(out, lines.join('\\n') + '\\nconfig ' + readFileSync(model + '/config.json', 'utf8'));
writeFileSync(model + '/scribble.txt', 'a private copy may be written to');
`;

const PIPELINE = `version: 1
name: folders
stages:
  train:
    uses: command
    with:
      run: [node, train.mjs, "{out.model}", "\${params.lr}"]
      deps: [train.mjs]
  use:
    uses: command
    with:
      run: [node, use.mjs, "{in.model}", "{out.listing}"]
      deps: [use.mjs]
params:
  lr: "0.1"
`;

const LISTING = 'config.json 13\nserve.sh 23 x\nweights/shards/part-0.bin 3000\nweights/shards/part-1.bin 2000\nconfig {"lr":"0.1"}\n';

interface TreeOutput {
  hash: string;
  bytes: number;
  files: number;
  tree: true;
  path: string;
}

const schemaOf = (name: string) => JSON.parse(readFileSync(join(REPO, 'schemas', name), 'utf8'));
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
ajv.addSchema(schemaOf('cli-error.schema.json'));
const validRunReport = ajv.compile(schemaOf('run-report.schema.json'));

const project = () => makeProject({ 'train.mjs': TRAIN, 'use.mjs': USE, 'pipeline.yaml': PIPELINE });
const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'pipeline.lock'), 'utf8'));
const blobPath = (dir: string, hash: string) => join(dir, '.tunefile', 'cache', 'blobs', hash.slice(0, 2), hash);
/** The file blobs a tree lists, by path, from its manifest blob. */
const entriesOf = (dir: string, hash: string): Record<string, string> =>
  Object.fromEntries((JSON.parse(readFileSync(blobPath(dir, hash), 'utf8')).entries as { path: string; hash: string }[]).map((e) => [e.path, e.hash]));

describe('folder outputs (tree artifacts)', () => {
  it.concurrent('are cached by manifest hash, restored, rebuilt when their folder is deleted, shown, and kept by gc', async () => {
    const dir = project();
    const first = await runJson([], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.status).toEqual({ train: 'ran', use: 'ran' });
    const model = first.report.stages[0].outputs.model as TreeOutput;
    const trees = join(dir, '.tunefile', 'cache', 'trees');
    expect(model).toMatchObject({ tree: true, files: 4, bytes: 13 + 23 + 3000 + 2000, path: join(trees, model.hash) });
    expect(statSync(model.path).isDirectory()).toBe(true);
    expect(validRunReport(first.report), JSON.stringify(validRunReport.errors)).toBe(true);
    expect(readFileSync(join(model.path, 'weights/shards/part-1.bin'), 'utf8')).toBe('v'.repeat(2000));
    expect(readFileSync(first.report.stages[1].outputs.listing.path, 'utf8')).toBe(LISTING);
    // The consumer's scribble went to its private copy, never into the cache.
    expect(existsSync(join(model.path, 'scribble.txt'))).toBe(false);

    // The lock names the tree by its manifest hash: nothing absolute, and the same bytes on a second run.
    const lock = lockOf(dir);
    expect(lock.stages.train.outputs.model).toEqual({ hash: model.hash, bytes: model.bytes, files: 4, tree: true });
    expect(lock.stages.use.inputs).toEqual({ model: model.hash });
    expect(readFileSync(join(dir, 'pipeline.lock'), 'utf8')).not.toContain(dir);
    const again = await runJson([], { cwd: dir });
    expect(again.status).toEqual({ train: 'cached', use: 'cached' });

    // The built folders are only a view of the blobs: deleted, the run is still cached and builds them again.
    rmSync(trees, { recursive: true });
    const restored = await runJson([], { cwd: dir });
    expect(restored.status).toEqual({ train: 'cached', use: 'cached' });
    expect(readdirSync(trees)).toEqual([model.hash]);
    rmSync(trees, { recursive: true });
    const forced = await runJson(['--force', 'use'], { cwd: dir });
    expect(forced.status).toEqual({ train: 'cached', use: 'ran' });
    expect(readFileSync(forced.report.stages[1].outputs.listing.path, 'utf8')).toBe(LISTING);

    const shown = await runCli(['show', 'train', 'model'], { cwd: dir });
    expect(shown.code, shown.stderr).toBe(0);
    const adapter = entriesOf(dir, model.hash)['weights/shards/part-0.bin']!;
    expect(shown.stdout).toContain(`weights/shards/part-0.bin  3,000  ${adapter.slice(0, 12)}\n`);
    expect(shown.stdout.trim().split('\n')).toHaveLength(4);
    expect((await runCli(['show', 'train', 'model', '--path'], { cwd: dir })).stdout).toBe(`${model.path}\n`);

    // Another experiment's tree is garbage once the lock is back on the first: gc removes its folder and its own
    // blobs, and keeps every file blob of the tree the lock references.
    const other = await runJson(['--set', 'params.lr=fast'], { cwd: dir });
    expect(other.status).toEqual({ train: 'ran', use: 'ran' });
    expect((await runJson([], { cwd: dir })).status).toEqual({ train: 'cached', use: 'cached' });
    const dry = await runCli(['gc', '--dry-run'], { cwd: dir });
    expect(dry.stdout).toContain('folder artifacts (.tunefile/cache/trees): would remove 1 built folder(s)');
    expect(readdirSync(trees)).toHaveLength(2);
    const gc = await runCli(['gc'], { cwd: dir });
    expect(gc.code, gc.stderr).toBe(0);
    expect(readdirSync(trees)).toEqual([model.hash]);
    for (const hash of [model.hash, ...Object.values(entriesOf(dir, model.hash))]) expect(existsSync(blobPath(dir, hash)), hash).toBe(true);
    expect(existsSync(blobPath(dir, other.report.stages[0].outputs.model.hash))).toBe(false);
    expect((await runJson([], { cwd: dir })).status).toEqual({ train: 'cached', use: 'cached' });
  });

  it.concurrent('a missing file blob makes the tree a miss (status says which file); a tampered one is found by its reader and by --verify', async () => {
    const dir = project();
    const first = await runJson([], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const model = first.report.stages[0].outputs.model as TreeOutput;
    const part0 = entriesOf(dir, model.hash)['weights/shards/part-0.bin']!;

    rmSync(blobPath(dir, part0));
    const status = await runCli(['status'], { cwd: dir });
    expect(status.stdout + status.stderr).toContain("output 'model' is missing from the cache (file weights/shards/part-0.bin)");
    const rerun = await runJson([], { cwd: dir });
    expect(rerun.status).toEqual({ train: 'ran', use: 'cached' }); // same content, same tree hash: early cutoff
    expect(readFileSync(join(model.path, 'weights/shards/part-0.bin'), 'utf8')).toBe('w'.repeat(3000));

    const part1 = entriesOf(dir, model.hash)['weights/shards/part-1.bin']!;
    const tamper = () => {
      chmodSync(blobPath(dir, part1), 0o644);
      writeFileSync(blobPath(dir, part1), 'X'.repeat(2000)); // same size: only a rehash tells
    };
    // A stage about to read the tree rehashes its files first: the producer makes the bad one again.
    tamper();
    const reading = await runJson(['--force', 'use'], { cwd: dir });
    expect(reading.report.stages[1].warnings).toEqual([
      `input 'model' (blob ${part1.slice(0, 12)}, file weights/shards/part-1.bin, made by 'train') is corrupt in the cache (its bytes no longer match their hash): removed it; 'train' reruns to make it again`,
    ]);
    expect(reading.status).toEqual({ train: 'ran', use: 'ran' });
    expect(readFileSync(reading.report.stages[1].outputs.listing.path, 'utf8')).toBe(LISTING);

    tamper();
    expect((await runJson([], { cwd: dir })).status).toEqual({ train: 'cached', use: 'cached' });
    const verified = await runJson(['--verify'], { cwd: dir });
    expect(verified.report.stages[0].warnings).toEqual([
      `corrupted cache blob ${part1.slice(0, 12)}, file weights/shards/part-1.bin (output 'model', corrupt); removed and treated as a miss`,
    ]);
    expect(verified.status).toEqual({ train: 'ran', use: 'ran' });
    expect(readFileSync(join(model.path, 'weights/shards/part-1.bin'), 'utf8')).toBe('v'.repeat(2000));
  });
});
