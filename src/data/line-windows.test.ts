// readLineBatches on files larger than one decode window: every line once, in order, with its line number.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLineBatches, splitAtNewlines } from './text-lines.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const dir = tempDir('tunefile-line-windows-');

describe('readLineBatches across 64 KiB decode windows', () => {
  it('yields every line with correct numbers, and names the line of invalid UTF-8 deep in a chunk', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => (i % 997 === 0 ? 'é'.repeat(40_000) : `line ${i} ${'x'.repeat(i % 90)}`));
    const path = join(dir, 'big.txt');
    writeFileSync(path, lines.join('\r\n') + '\r\n');
    const seen: string[] = [];
    for await (const batch of readLineBatches(path, { chunkBytes: 300_000 })) {
      expect(batch.first).toBe(seen.length + 1);
      seen.push(...batch.lines);
    }
    expect(seen).toEqual(lines);

    const bad = Buffer.concat([Buffer.from(lines.slice(0, 25_000).join('\n') + '\n'), Buffer.from([0x61, 0xff, 0x0a])]);
    writeFileSync(join(dir, 'bad.txt'), bad);
    const read = async () => {
      for await (const _ of readLineBatches(join(dir, 'bad.txt'), { displayPath: 'bad.txt' })) void _;
    };
    await expect(read()).rejects.toThrow(/^bad.txt:25001: invalid UTF-8/);
  });

  it('splits bytes at newlines into pieces of at most the limit (longer lines whole)', () => {
    const text = Buffer.from(['aaaa', 'bb', '', 'cccccccccc', 'd'].join('\n'));
    expect([...splitAtNewlines(text, 5)].map((b) => Buffer.from(b).toString())).toEqual(['aaaa', 'bb\n', 'cccccccccc', 'd']);
    expect([...splitAtNewlines(Buffer.alloc(0), 5)].map((b) => b.length)).toEqual([0]);
  });
});
