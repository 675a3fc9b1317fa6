import { closeSync, existsSync, mkdirSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TunefileError } from '../errors.ts';
import { StateDb } from './state.ts';
import { damageMarkerOf } from './state-damage.ts';
import { tempDir } from '../../test/helpers/temp.ts';

/** A state.db with enough run records to span many pages. */
function filledDb(dir: string): string {
  const path = join(dir, 'state.db');
  const db = new StateDb(path);
  for (let i = 0; i < 3000; i++) {
    db.putRun({ key: `k${i}`, type: 't', version: 1, params: {}, inputs: {}, outputs: {}, pad: 'y'.repeat(200) }, 1);
  }
  db.close();
  return path;
}

describe('a damaged state.db', () => {
  it('found damaged in use: one clear error naming the file, a marker, and the next repairing open moves it aside', () => {
    const dir = tempDir('tunefile-state-');
    const path = filledDb(dir);
    // Page 2 (a b-tree page of the runs table) overwritten: the header and schema still read, queries do not.
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.alloc(4096, 0x41), 0, 4096, 4096);
    closeSync(fd);
    const db = new StateDb(path);
    let caught: unknown;
    try {
      for (let i = 0; i < 3000; i++) db.getRun(`k${i}`);
    } catch (error) {
      caught = error;
    }
    db.close();
    expect(caught).toBeInstanceOf(TunefileError);
    expect((caught as TunefileError).code).toBe('TUNEFILE_STORE');
    expect((caught as TunefileError).message).toBe(`${path} is damaged (database disk image is malformed)`);
    expect((caught as TunefileError).hint).toContain("the next 'tunefile run' moves it aside");
    expect(existsSync(damageMarkerOf(path))).toBe(true);

    // Without repair (status, gc) the marker alone is the error; with it (run) the file goes aside.
    expect(() => new StateDb(path)).toThrow(/is damaged \(database disk image is malformed\)/);
    const warnings: string[] = [];
    const fresh = new StateDb(path, { repair: (m) => warnings.push(m), now: () => Date.parse('2026-12-02T10:00:00Z') });
    expect(fresh.getRun('k1')).toBeUndefined();
    fresh.close();
    expect(warnings).toEqual([`${path} was damaged (database disk image is malformed); moved it to state.db.corrupt-2026-12-02T10-00-00-000Z and started a fresh one: cached stages run again (their outputs are still in the cache), and remote jobs are found again by their key`]);
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(['state.db', 'state.db.corrupt-2026-12-02T10-00-00-000Z']));
    expect(existsSync(damageMarkerOf(path))).toBe(false);
  });

  it('a folder where state.db should be is a clear error, not a damaged file to move', () => {
    const dir = tempDir('tunefile-state-');
    const path = join(dir, 'state.db');
    mkdirSync(path);
    expect(() => new StateDb(path, { repair: () => undefined })).toThrow(/^cannot open .*state\.db: unable to open database file$/);
    expect(existsSync(path)).toBe(true);
  });
});
