import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
// The tree itself needs a real terminal: test/e2e/terminal.test.ts.
import type { RunEvent } from '../engine/events.ts';
import type { CliIO } from './command.ts';
import { makeTreeProgress } from './progress.ts';

/** A terminal-like io whose stderr is collected. */
function terminal(): { io: CliIO; text: () => string } {
  const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 100, rows: 40 });
  let text = '';
  stderr.on('data', (d: Buffer) => (text += d.toString('utf8')));
  const io = { stdout: new PassThrough(), stderr, stdin: new PassThrough(), cwd: '.', env: {}, signal: new AbortController().signal, debug: false } as unknown as CliIO;
  return { io, text: () => text };
}

const stages = [{ id: 'a', type: 'load' }, { id: 'b', type: 'split' }];
const cached = (id: string): RunEvent => ({
  type: 'stage:end', id, stageType: 'load', status: 'cached', key: 'k', durationMs: 5, reasons: [], outputs: {}, error: null,
});

describe('makeTreeProgress', () => {
  it('prints plain lines, without drawing a tree, for a run that finds everything cached at once', async () => {
    const { io, text } = terminal();
    const listener = makeTreeProgress(io, { delayMs: 10_000 });
    await listener({ type: 'run:start', pipeline: 'p.yaml', stages });
    await listener({ type: 'stage:warning', id: 'a', message: 'a warning from a restore' });
    await listener(cached('a'));
    await listener(cached('b'));
    await listener({ type: 'run:end', ok: true, interrupted: false });
    expect(text()).toBe('a: warning: a warning from a restore\na: cached\nb: cached\n');
  });
});
