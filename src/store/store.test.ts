import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BlobStore } from './blobs.ts';
import { canonicalJson, sha256 } from './hash.ts';
import { acquireRunLock, readHolder } from './run-lock.ts';
import { StateDb } from './state.ts';
import { hashWithStatCache } from './stat-cache.ts';
import { openStore } from './index.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const tmp = () => tempDir('tunefile-store-');

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"y":2,"z":1}]},"b":1}');
  });
});

describe('BlobStore', () => {
  it('moves a file in under its sha256, read-only, and dedupes identical content', async () => {
    const dir = tmp();
    const blobs = new BlobStore(join(dir, 'blobs'));
    writeFileSync(join(dir, 'a'), 'hello\n');
    const info = await blobs.ingest(join(dir, 'a'));
    expect(info).toEqual({ hash: sha256('hello\n'), bytes: 6, fresh: true });
    expect(existsSync(join(dir, 'a'))).toBe(false);
    expect(readFileSync(blobs.pathOf(info.hash), 'utf8')).toBe('hello\n');
    expect(statSync(blobs.pathOf(info.hash)).mode & 0o222).toBe(0);
    writeFileSync(join(dir, 'b'), 'hello\n');
    expect(await blobs.ingest(join(dir, 'b'))).toEqual({ ...info, fresh: false });
    expect(blobs.check(info.hash, 6)).toBe('ok');
    expect(blobs.check(info.hash, 7)).toBe('wrong-size');
    expect(blobs.check(sha256('other'), 1)).toBe('missing');
  });
  it('detects corruption by rehashing', async () => {
    const dir = tmp();
    const blobs = new BlobStore(join(dir, 'blobs'));
    writeFileSync(join(dir, 'a'), 'abc');
    const { hash } = await blobs.ingest(join(dir, 'a'));
    expect(await blobs.verify(hash)).toBe(true);
    spawnSync('chmod', ['u+w', blobs.pathOf(hash)]);
    writeFileSync(blobs.pathOf(hash), 'abd');
    expect(blobs.check(hash, 3)).toBe('ok');
    expect(await blobs.verify(hash)).toBe(false);
  });
  it('refuses names that are not hashes (no path tricks)', () => {
    expect(() => new BlobStore('/x').pathOf('../../etc/passwd')).toThrow(/not a sha256/);
  });
});

describe('stat cache', () => {
  it('hashes once and skips reading while (dev, ino, size, mtime) is unchanged', async () => {
    const dir = tmp();
    const db = new StateDb(join(dir, 'state.db'));
    const file = join(dir, 'data.txt');
    writeFileSync(file, 'one');
    const first = await hashWithStatCache(db, file, Date.now);
    expect(first.hash).toBe(sha256('one'));
    const spy = vi.spyOn(db, 'putStat');
    expect((await hashWithStatCache(db, file, Date.now)).hash).toBe(first.hash);
    expect(spy).not.toHaveBeenCalled();
    writeFileSync(file, 'two');
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect((await hashWithStatCache(db, file, Date.now)).hash).toBe(sha256('two'));
    db.close();
  });
});

describe('StateDb', () => {
  it('keeps run records, journal entries and kv across reopen', () => {
    const dir = tmp();
    const path = join(dir, 'state.db');
    let db = new StateDb(path);
    db.putRun({ type: 't', version: 1, key: 'k1', params: {}, inputs: {}, outputs: { o: { hash: 'h', bytes: 1 } } }, 1);
    db.journal(() => 1).put({ stageKey: 'k1', provider: 'local', jobId: 'ftjob-1', status: 'running' });
    db.kv('files').set('x', { id: 'file-1' });
    db.close();
    db = new StateDb(path);
    expect(db.getRun('k1')?.outputs.o?.hash).toBe('h');
    expect(db.journal(() => 2).get('k1')?.jobId).toBe('ftjob-1');
    expect(db.kv('files').get('x')).toEqual({ id: 'file-1' });
    expect(db.kv('other').get('x')).toBeUndefined();
    db.close();
  });

  it('kv setMany writes every entry in one transaction, replaces existing keys, and writes none when one fails', () => {
    const path = join(tmp(), 'state.db');
    let db = new StateDb(path);
    const kv = db.kv('evaluate:predictions');
    kv.set('a', 1);
    kv.setMany([['a', 2], ['b', { text: ' spam' }]]);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => kv.setMany([['c', 3], ['d', cyclic]])).toThrow(/circular/i);
    db.close();
    db = new StateDb(path);
    expect([db.kv('evaluate:predictions').get('a'), db.kv('evaluate:predictions').get('b')]).toEqual([2, { text: ' spam' }]);
    expect(db.kv('evaluate:predictions').get('c')).toBeUndefined();
    expect(db.kv('other').get('b')).toBeUndefined();
    db.close();
  });
});

describe('chunk logs', () => {
  it('append in order, replace, trim the oldest beyond maxBytes, and persist per namespace', () => {
    const dir = tmp();
    const path = join(dir, 'state.db');
    let db = new StateDb(path);
    const log = db.chunks('t:counts');
    const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
    expect(log.read()).toEqual([]);
    log.append([bytes(10, 1), bytes(20, 2)]);
    log.append([bytes(30, 3)]);
    db.chunks('t:other').append([bytes(5, 9)]);
    expect(log.read().map((c) => [c.length, c[0]])).toEqual([[10, 1], [20, 2], [30, 3]]);
    expect(log.bytes()).toBe(60);
    // 40 + 30 + 20 > 75: the two oldest go; the newest stays even when it alone exceeds the bound.
    log.append([bytes(40, 4)], { maxBytes: 75 });
    expect(log.read().map((c) => c[0])).toEqual([3, 4]);
    log.append([bytes(100, 5)], { maxBytes: 50 });
    expect(log.read().map((c) => c[0])).toEqual([5]);
    log.append([bytes(1, 6)], { replace: true });
    db.close();
    db = new StateDb(path);
    expect(db.chunks('t:counts').read().map((c) => [...c])).toEqual([[6]]);
    expect(db.chunks('t:other').read().map((c) => c.length)).toEqual([5]);
    db.chunks('t:counts').clear();
    expect(db.chunks('t:counts').read()).toEqual([]);
    expect(db.chunks('t:other').bytes()).toBe(5);
    db.close();
  });
});

describe('run lock', () => {
  it('is exclusive, names its holder, and is released', async () => {
    const store = openStore(tmp());
    const release = await acquireRunLock(store.runLockPath, { wait: false, command: 'test' });
    expect(readHolder(store.runLockPath)?.pid).toBe(process.pid);
    // A lock held by a live process (our parent) is not taken over.
    writeFileSync(store.runLockPath, JSON.stringify({ pid: process.ppid, host: (await import('node:os')).hostname(), since: 'then' }));
    await expect(acquireRunLock(store.runLockPath, { wait: false })).rejects.toThrow(`pid ${process.ppid}`);
    release();
    expect(existsSync(store.runLockPath)).toBe(true);
    store.close();
  });
  it('takes over from a dead holder', async () => {
    const store = openStore(tmp());
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(store.runLockPath, JSON.stringify({ pid: Number(dead), host: (await import('node:os')).hostname(), since: 'then' }));
    const release = await acquireRunLock(store.runLockPath, { wait: false });
    expect(readHolder(store.runLockPath)?.pid).toBe(process.pid);
    release();
    expect(existsSync(store.runLockPath)).toBe(false);
    store.close();
  });
});
