// Tree artifacts on real folders: the hash follows content only, links and pipes are refused, the built folder is
// rebuilt when deleted or damaged, and verify finds a tampered file blob.
import { chmodSync, existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp.ts';
import { BlobStore } from './blobs.ts';
import { sha256 } from './hash.ts';
import { formatManifest, parseManifest } from './tree-manifest.ts';
import { TreeStore } from './trees.ts';

const ORIGIN = { address: 'pipeline.yaml:train', output: 'model' };

/** A fresh TreeStore under a temp folder, and a place to write output folders. */
function makeStore() {
  const dir = tempDir('tunefile-trees-');
  const blobs = new BlobStore(join(dir, 'cache', 'blobs'));
  return { dir, trees: new TreeStore(blobs, join(dir, 'cache', 'trees')), blobs };
}

/** Writes `files` (path -> content) under a new folder, in the given order; returns the folder. */
function writeFolder(parent: string, name: string, files: [string, string][]): string {
  const root = join(parent, name);
  mkdirSync(root, { recursive: true });
  for (const [path, content] of files) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const FILES: [string, string][] = [
  ['config.json', '{"r":8}\n'],
  ['weights/adapter.bin', 'w'.repeat(5000)],
  ['weights/deep/tokenizer.json', '{"vocab":[]}'],
];

describe('TreeStore.ingest', () => {
  it('names a folder by its content: same files in another creation order (and other mtimes) give the same hash; a changed byte does not', async () => {
    const { dir, trees, blobs } = makeStore();
    const a = await trees.ingest(writeFolder(dir, 'a', FILES), ORIGIN);
    const reversed = writeFolder(dir, 'b', [...FILES].reverse());
    mkdirSync(join(reversed, 'empty', 'nested'), { recursive: true }); // empty folders are dropped
    const b = await trees.ingest(reversed, ORIGIN);
    expect(b.hash).toBe(a.hash);
    expect(a).toMatchObject({ files: 3, bytes: FILES.reduce((n, [, c]) => n + c.length, 0), fresh: true });
    expect(b.fresh).toBe(false); // every blob was already there
    const changed = await trees.ingest(writeFolder(dir, 'c', FILES.map(([p, c]) => [p, p === 'config.json' ? '{"r":9}\n' : c])), ORIGIN);
    expect(changed.hash).not.toBe(a.hash);
    // The manifest is canonical: sorted by path, POSIX paths, and it is the blob the hash names.
    const entries = parseManifest(readFileSync(blobs.pathOf(a.hash), 'utf8'));
    expect(entries.map((e) => e.path)).toEqual(['config.json', 'weights/adapter.bin', 'weights/deep/tokenizer.json']);
    expect(entries[0]).toEqual({ path: 'config.json', hash: sha256('{"r":8}\n'), bytes: 8, executable: false });
    expect(sha256(formatManifest([...entries].reverse()))).toBe(a.hash);
  });

  it('records the executable bit, which enters the hash', async () => {
    const { dir, trees } = makeStore();
    const plain = await trees.ingest(writeFolder(dir, 'a', [['run.sh', 'echo hi\n']]), ORIGIN);
    const folder = writeFolder(dir, 'b', [['run.sh', 'echo hi\n']]);
    chmodSync(join(folder, 'run.sh'), 0o755);
    const exec = await trees.ingest(folder, ORIGIN);
    expect(exec.hash).not.toBe(plain.hash);
    expect(trees.entries(exec.hash)[0]!.executable).toBe(true);
    const built = trees.materialize(exec.hash);
    expect(statSync(join(built, 'run.sh')).mode & 0o777).toBe(0o555);
  });

  it('refuses a symbolic link or a FIFO inside the folder, naming the stage and the path, before moving anything in', async () => {
    const { dir, trees, blobs } = makeStore();
    const linked = writeFolder(dir, 'a', FILES);
    symlinkSync('../config.json', join(linked, 'weights', 'link.json'));
    await expect(trees.ingest(linked, ORIGIN)).rejects.toThrow("pipeline.yaml:train: output 'model' cannot be cached: model/weights/link.json: it is a symbolic link");
    expect(existsSync(blobs.root)).toBe(false);
    const piped = writeFolder(dir, 'b', FILES);
    execFileSync('mkfifo', [join(piped, 'pipe')]);
    await expect(trees.ingest(piped, ORIGIN)).rejects.toThrow('model/pipe: it is a named pipe (FIFO)');
  });

  it('copies a hard-linked file in, so the other link is never made read-only', async () => {
    const { dir, trees } = makeStore();
    const outside = join(dir, 'user-file.txt');
    writeFileSync(outside, 'mine');
    const folder = writeFolder(dir, 'a', []);
    linkSync(outside, join(folder, 'linked.txt'));
    await trees.ingest(folder, ORIGIN);
    expect(statSync(outside).mode & 0o200).toBe(0o200);
    expect(readFileSync(outside, 'utf8')).toBe('mine');
  });
});

describe('TreeStore checks and folders', () => {
  it('materializes a real folder of hard links, and rebuilds it after deletion or damage', async () => {
    const { dir, trees, blobs } = makeStore();
    const { hash } = await trees.ingest(writeFolder(dir, 'a', FILES), ORIGIN);
    const built = trees.materialize(hash);
    expect(built).toBe(join(dir, 'cache', 'trees', hash));
    expect(readFileSync(join(built, 'weights/deep/tokenizer.json'), 'utf8')).toBe('{"vocab":[]}');
    const entry = trees.entries(hash).find((e) => e.path === 'config.json')!;
    expect(statSync(join(built, 'config.json')).ino).toBe(statSync(blobs.pathOf(entry.hash)).ino);
    expect(statSync(join(built, 'config.json')).mode & 0o222).toBe(0);

    rmSync(join(dir, 'cache', 'trees'), { recursive: true });
    expect(readFileSync(join(trees.materialize(hash), 'config.json'), 'utf8')).toBe('{"r":8}\n');
    rmSync(join(built, 'weights', 'adapter.bin'));
    writeFileSync(join(built, 'extra.txt'), 'not in the tree');
    trees.materialize(hash);
    expect(existsSync(join(built, 'extra.txt'))).toBe(false);
    expect(statSync(join(built, 'weights', 'adapter.bin')).size).toBe(5000);
  });

  it('check finds a missing or resized file blob; verify finds a tampered one, and skips known hashes', async () => {
    const { dir, trees, blobs } = makeStore();
    const tree = await trees.ingest(writeFolder(dir, 'a', FILES), ORIGIN);
    expect(trees.check(tree.hash, tree.bytes)).toBeUndefined();
    expect(trees.check(tree.hash, tree.bytes + 1)).toEqual({ status: 'corrupt', hash: tree.hash });
    expect((await trees.verify(tree.hash, tree.bytes, new Set())).verified).toContain(tree.hash);

    const adapter = trees.entries(tree.hash).find((e) => e.path === 'weights/adapter.bin')!;
    chmodSync(blobs.pathOf(adapter.hash), 0o644);
    writeFileSync(blobs.pathOf(adapter.hash), 'x'.repeat(5000)); // same size: only a rehash can tell
    expect(trees.check(tree.hash, tree.bytes)).toBeUndefined();
    expect((await trees.verify(tree.hash, tree.bytes, new Set())).problem).toEqual({ status: 'corrupt', hash: adapter.hash, path: 'weights/adapter.bin' });
    expect((await trees.verify(tree.hash, tree.bytes, new Set([tree.hash]))).problem).toBeUndefined();

    blobs.remove(adapter.hash);
    expect(trees.check(tree.hash, tree.bytes)).toEqual({ status: 'missing', hash: adapter.hash, path: 'weights/adapter.bin' });
    blobs.remove(tree.hash);
    expect(trees.check(tree.hash, tree.bytes)).toEqual({ status: 'missing', hash: tree.hash });
    expect(() => trees.materialize(tree.hash)).toThrow(`the manifest of folder artifact ${tree.hash.slice(0, 12)} is missing from the cache`);
  });

  it('a folder built before its file blob was made again is rebuilt (it would hold the old bytes)', async () => {
    const { dir, trees, blobs } = makeStore();
    const { hash } = await trees.ingest(writeFolder(dir, 'a', FILES), ORIGIN);
    const built = trees.materialize(hash);
    const entry = trees.entries(hash)[0]!;
    blobs.remove(entry.hash);
    await trees.ingest(writeFolder(dir, 'b', FILES), ORIGIN); // the producer reran: a new blob file, a new inode
    trees.materialize(hash);
    expect(statSync(join(built, entry.path)).ino).toBe(statSync(blobs.pathOf(entry.hash)).ino);
  });

  it('copyTo makes private copies, not links of the blobs', async () => {
    const { dir, trees, blobs } = makeStore();
    const { hash } = await trees.ingest(writeFolder(dir, 'a', FILES), ORIGIN);
    const copy = join(dir, 'scratch', 'in', 'model');
    trees.copyTo(hash, copy);
    const entry = trees.entries(hash)[0]!;
    expect(statSync(join(copy, entry.path)).ino).not.toBe(statSync(blobs.pathOf(entry.hash)).ino);
    expect(readFileSync(join(copy, 'weights', 'adapter.bin'), 'utf8')).toBe('w'.repeat(5000));
  });

  it('parseManifest refuses paths that would escape the folder', () => {
    const entry = { hash: sha256('x'), bytes: 1, executable: false };
    for (const path of ['../x', 'a/../../x', '/etc/passwd', 'a//b', 'a\\b']) {
      expect(() => parseManifest(formatManifest([{ ...entry, path }])), path).toThrow(/manifest path/);
    }
  });
});
