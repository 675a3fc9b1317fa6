// Issue 14: `tunefile serve` failures that are the user's or the machine's (a port in use, a host that is not this
// machine's, a --data folder that cannot be made) end with one line naming the flag, a hint, and exit 2: never
// "this is a bug in tunefile", never a stack trace, and the data folder is not left locked.
import { mkdirSync, existsSync, chmodSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

const base = tempDir('tunefile-serve-errors-');

/** Runs `tunefile serve ARGS` and checks the shape every such failure must have. */
async function serveFails(args: string[], words: string[]): Promise<string> {
  const result = await runCli(['serve', '--api-key', 'sk-test-serve-errors', ...args], { cwd: base });
  const context = `serve ${args.join(' ')}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
  expect(result.code, context).toBe(2);
  const lines = result.stderr.trim().split('\n');
  expect(lines[0], context).toMatch(/^error: /);
  expect(lines.some((l) => l.startsWith('hint: ')), context).toBe(true);
  for (const word of words) expect(result.stderr, context).toContain(word);
  expect(result.stderr, context).not.toMatch(/this is a bug|^\s+at /im);
  expect(result.stdout, context).not.toContain('listening on');
  return result.stderr;
}

describe('tunefile serve: startup errors name the flag and exit 2', () => {
  let taken: Server;
  let takenPort = 0;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((ok) => taken.listen(0, '127.0.0.1', ok));
    takenPort = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((ok) => taken.close(() => ok())));

  it('a port another program listens on: --port, "already in use", and the data folder is not left locked', async () => {
    const data = join(base, 'port-data');
    await serveFails(['--port', String(takenPort), '--data', data], [`--port ${takenPort}`, 'already in use', '--port 0']);
    expect(existsSync(join(data, 'server.pid'))).toBe(false);
  });

  it('a --host that is not an address of this machine (TEST-NET-1, 192.0.2.1)', async () => {
    await serveFails(['--port', '0', '--host', '192.0.2.1', '--data', join(base, 'host-data')], ['--host 192.0.2.1', 'no network interface']);
  });

  it('an empty --host', async () => {
    await serveFails(['--port', '0', '--host=', '--data', join(base, 'empty-host')], ['--host must not be empty']);
  });

  it('a --data path under a regular file, and a --data that is a file', async () => {
    const file = join(base, 'a-file');
    writeFileSync(file, 'not a folder\n');
    await serveFails(['--port', '0', '--data', join(file, 'local')], [`--data ${join(file, 'local')}`, 'a part of the path is a file, not a folder']);
    await serveFails(['--port', '0', '--data', file], [`--data ${file}`, 'it is a file, not a folder']);
  });

  it('a --data folder this user may not write to', async () => {
    // root ignores file modes; there, sysfs refuses new folders to everyone.
    let data: string;
    if (process.getuid?.() === 0) {
      data = '/sys/tunefile-serve-errors-test';
      if (!existsSync('/sys/kernel')) return; // no sysfs here: nothing to test as root
    } else {
      const locked = join(base, 'read-only');
      mkdirSync(locked);
      chmodSync(locked, 0o500);
      data = join(locked, 'local');
    }
    await serveFails(['--port', '0', '--data', data], [`--data ${data}`, 'cannot use this folder']);
  });
});
