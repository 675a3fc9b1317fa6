// Issue 15: what the stat cache trusts. (1) A file system's timestamp granularity. A file rewritten (same size) within the tick in
// which it was hashed keeps its whole stat identity, ctime included; it must not be served from the stat cache.
// Such a file system is simulated: statSync reports every file's mtime and ctime as one frozen tick.
// (2) A state.db written before the stat cache recorded ctime: its rows are never trusted.
import { createHash } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../test/helpers/temp.ts';
import { DatabaseSync } from 'node:sqlite';
import { StateDb } from './state.ts';
import { hashWithStatCache } from './stat-cache.ts';

const clock = vi.hoisted(() => ({ frozenNs: undefined as bigint | undefined }));

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const statSync = ((path: string, options?: { bigint?: boolean }) => {
    const st = fs.statSync(path, options as never) as unknown as Record<string, unknown>;
    if (clock.frozenNs !== undefined && options?.bigint) Object.assign(st, { mtimeNs: clock.frozenNs, ctimeNs: clock.frozenNs });
    return st;
  }) as unknown as typeof fs.statSync;
  return { ...fs, default: { ...fs, statSync }, statSync };
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

afterEach(() => {
  clock.frozenNs = undefined;
});

describe('stat cache: racily clean files', () => {
  it('a file rewritten within the tick it was hashed in is hashed again, not served from the stat cache', async () => {
    const dir = tempDir('tunefile-racy-');
    const db = new StateDb(join(dir, 'state.db'));
    const file = join(dir, 'data.txt');
    clock.frozenNs = BigInt(Date.now()) * 1_000_000n; // the current tick, for every stat below
    writeFileSync(file, 'one');
    expect((await hashWithStatCache(db, file, Date.now)).hash).toBe(sha256('one'));
    writeFileSync(file, 'two'); // same inode, same size, same (frozen) mtime and ctime
    expect((await hashWithStatCache(db, file, Date.now)).hash).toBe(sha256('two'));
    db.close();
  });

  it('a file last changed well before it was hashed is remembered: the next hash reads nothing', async () => {
    const dir = tempDir('tunefile-racy-');
    const db = new StateDb(join(dir, 'state.db'));
    const file = join(dir, 'data.txt');
    clock.frozenNs = (BigInt(Date.now()) - 10_000n) * 1_000_000n; // ten seconds ago
    writeFileSync(file, 'one');
    const put = vi.spyOn(db, 'putStat');
    expect((await hashWithStatCache(db, file, Date.now)).hash).toBe(sha256('one'));
    expect(put).toHaveBeenCalledTimes(1);
    // Same stat identity: the remembered hash is returned, so the file is not read (its new bytes are not seen).
    writeFileSync(file, 'two');
    expect((await hashWithStatCache(db, file, Date.now)).hash).toBe(sha256('one'));
    expect(put).toHaveBeenCalledTimes(1);
    db.close();
  });
});

describe('stat cache: a state.db from before ctime', () => {
  it('gains the column, and its old rows (which cannot tell a restored mtime) are hashed again', async () => {
    const dir = tempDir('tunefile-racy-');
    const file = join(dir, 'data.txt');
    writeFileSync(file, 'two');
    clock.frozenNs = (BigInt(Date.now()) - 10_000n) * 1_000_000n; // not racy: the row alone decides
    const st = statSync(file, { bigint: true }); // as hashWithStatCache sees it
    // The old table, holding a row whose (dev, ino, size, mtime) matches the file but whose hash is of other bytes.
    const old = new DatabaseSync(join(dir, 'state.db'));
    old.exec('CREATE TABLE stat_cache (path TEXT PRIMARY KEY, dev TEXT NOT NULL, ino TEXT NOT NULL, size TEXT NOT NULL, mtime_ns TEXT NOT NULL, hash TEXT NOT NULL)');
    old.prepare('INSERT INTO stat_cache VALUES (?, ?, ?, ?, ?, ?)').run(file, String(st.dev), String(st.ino), String(st.size), String(st.mtimeNs), sha256('one'));
    old.close();
    const db = new StateDb(join(dir, 'state.db'));
    expect((await hashWithStatCache(db, file, Date.now)).hash).toBe(sha256('two'));
    db.close();
  });
});
