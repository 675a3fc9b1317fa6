// The run lock tells its holder from a later process with the same pid, and waits for holders on other hosts.
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, bootId, holderState, processStartTime, readHolder } from './run-lock.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const linux = existsSync('/proc/self/stat');
const lockPath = () => join(tempDir('tunefile-lock-'), 'run.lock');
const me = () => ({ pid: process.pid, host: hostname(), since: 'now', start: processStartTime(process.pid), boot: bootId() });

describe('run lock holders', () => {
  it.skipIf(!linux)('records pid, host, start time and boot id, and knows itself alive', async () => {
    const path = lockPath();
    const release = await acquireRunLock(path, { wait: false });
    const holder = readHolder(path)!;
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), start: processStartTime(process.pid), boot: bootId() });
    expect(holder.start).toMatch(/^\d+$/);
    expect(holderState(holder, me())).toBe('alive');
    release();
    expect(existsSync(path)).toBe(false);
  });

  it.skipIf(!linux)('takes over from a live pid that started at another time (pid 1 of a restarted container), or before a reboot', async () => {
    const path = lockPath();
    const stale = { pid: 1, host: hostname(), since: '2026-01-01T00:00:00.000Z', start: '1', boot: bootId() };
    expect(holderState(stale, me())).toBe('dead');
    expect(holderState({ ...stale, pid: process.pid, start: processStartTime(process.pid), boot: 'another-boot' }, me())).toBe('dead');
    writeFileSync(path, JSON.stringify(stale));
    const release = await acquireRunLock(path, { wait: false });
    expect(readHolder(path)?.pid).toBe(process.pid);
    release();
  });

  it('keeps waiting for a live holder without a start time, and for a holder on another host, naming it', async () => {
    const path = lockPath();
    writeFileSync(path, JSON.stringify({ pid: process.ppid, host: hostname(), since: 'then' }));
    await expect(acquireRunLock(path, { wait: false })).rejects.toThrow(`pid ${process.ppid} on ${hostname()}`);
    writeFileSync(path, JSON.stringify({ pid: 999999, host: 'other-host.example', since: 'then', start: '5' }));
    const error = await acquireRunLock(path, { wait: false }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TUNEFILE_LOCKED', message: expect.stringContaining('pid 999999 on other-host.example') });
    expect((error as { hint: string }).hint).toContain(`it runs on another host (other-host.example), where tunefile cannot check that it is alive; if that run is gone, delete ${path}`);
    const notes: string[] = [];
    const controller = new AbortController();
    const waiting = acquireRunLock(path, { wait: true, pollMs: 10, signal: controller.signal, onWait: (_h, note) => { notes.push(note ?? ''); controller.abort(new Error('stop')); } });
    await expect(waiting).rejects.toThrow('stop');
    expect(notes[0]).toContain('another host (other-host.example)');
  });
});
