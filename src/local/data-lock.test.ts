// The local data folder's lock against files planted where server.pid belongs: a dead holder's (in the old
// "pid time token" format too), a live holder's, and a folder.
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp.ts';
import { lockDataDir } from './data-lock.ts';

/** A pid no process has: past the kernel's pid_max default range. */
const DEAD_PID = 4_194_999;

describe('lockDataDir', () => {
  it("takes over a dead holder's lock, in the old format too, and releases only its own", () => {
    for (const planted of [`${DEAD_PID} 1700000000000 abcdef`, `${DEAD_PID} abcdef`]) {
      const dir = tempDir('tunefile-lock-');
      writeFileSync(join(dir, 'server.pid'), planted);
      const release = lockDataDir(dir);
      expect(readFileSync(join(dir, 'server.pid'), 'utf8')).toMatch(new RegExp(`^${process.pid} [0-9a-f]{12}$`));
      release();
      expect(() => readFileSync(join(dir, 'server.pid'))).toThrow(/ENOENT/);
    }
  });

  it("refuses a live holder's lock, saying since when from the file's time", () => {
    const dir = tempDir('tunefile-lock-');
    const path = join(dir, 'server.pid');
    writeFileSync(path, `${process.ppid} 0123456789ab`);
    utimesSync(path, new Date('2026-01-02T03:04:05Z'), new Date('2026-01-02T03:04:05Z'));
    expect(() => lockDataDir(dir)).toThrow(`in use by another server (pid ${process.ppid}, since 2026-01-02T03:04:05.000Z)`);
    expect(readFileSync(path, 'utf8')).toBe(`${process.ppid} 0123456789ab`);
  });

  it('a folder where server.pid belongs is a clear error, not a hang', () => {
    const dir = tempDir('tunefile-lock-');
    mkdirSync(join(dir, 'server.pid'));
    expect(() => lockDataDir(dir)).toThrow(`${join(dir, 'server.pid')} is a folder, not a lock file`);
  });
});
