// writeJson writes exactly JSON.stringify(value, null, 2) + newline, also when it streams long arrays; JsonlWriter's double buffering.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonlWriter, writeJson } from './jsonl.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const dir = tempDir('tunefile-write-json-');

async function roundTrip(value: unknown): Promise<string> {
  const path = join(dir, 'doc.json');
  await writeJson(path, value);
  return readFileSync(path, 'utf8');
}

describe('writeJson', () => {
  it('matches JSON.stringify for small and streamed documents', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ row: i + 1, reason: i % 7 ? 'duplicate' : 'conflict', kept: i % 7 ? { row: 1, file: 'a\nb.csv' } : undefined }));
    const cases: unknown[] = [
      { a: 1, b: [], c: {}, d: null, e: 'x"\n', f: undefined, g: [undefined, () => 1, NaN, -0] },
      { options: { on: 'prompt' }, input: 3000, removed_rows: rows, conflicts: [], nested: { deep: { list: rows.slice(0, 300) } } },
      rows,
      [rows, [], {}, new Date(0), { toJSON: () => ({ swapped: rows.length }) }],
      { empty: Array.from({ length: 400 }, () => ({})), fn: () => 1, holes: Array.from({ length: 300 }) },
    ];
    for (const value of cases) expect(await roundTrip(value)).toBe(JSON.stringify(value, null, 2) + '\n');
  });

  it('JsonlWriter writes every line in order across buffer swaps, long lines included, and reports a failed open', async () => {
    const path = join(dir, 'rows.jsonl');
    const writer = new JsonlWriter(path);
    const expected: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const record = { prompt: `row ${i} ${'ü€'.repeat(i % 50)}`, completion: i % 1000 === 0 ? 'x'.repeat(100_000) : ' ok' };
      expected.push(JSON.stringify(record));
      if (i % 2) await writer.write(record);
      else await writer.writeLine(JSON.stringify(record));
    }
    await writer.close();
    expect(writer.count).toBe(20_000);
    expect(readFileSync(path, 'utf8')).toBe(expected.join('\n') + '\n');
    const empty = new JsonlWriter(join(dir, 'empty.jsonl'));
    await empty.close();
    expect(readFileSync(join(dir, 'empty.jsonl'), 'utf8')).toBe('');
    const broken = new JsonlWriter(join(dir, 'no-such-dir', 'x.jsonl'));
    await broken.write({ a: 1 });
    await expect(broken.close()).rejects.toThrow(/ENOENT/);
  });
});

describe('writeJson with a LazyJsonArray', () => {
  it('writes dedupe removed rows kept in columns exactly as JSON.stringify of the array would', async () => {
    const { RemovedRows } = await import('../stages/dedupe/dedupe.ts');
    const { writeJson } = await import('./jsonl.ts');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const rows = new RemovedRows();
    const plain = [];
    for (let i = 0; i < 700; i++) {
      const r = i % 3 === 0 ? { row: i + 2, reason: 'conflict' as const } : { row: i + 2, ...(i % 2 ? { file: `f${i % 4}.jsonl` } : {}), reason: 'duplicate' as const, kept: { row: i, ...(i % 5 ? {} : { file: 'a.csv' }) } };
      rows.push(r);
      plain.push(r);
    }
    const dir = tempDir('lazy-');
    for (const [name, list, doc] of [['small', new RemovedRows(), []], ['long', rows, plain]] as const) {
      await writeJson(join(dir, name), { input: 1, removed_rows: list, conflicts: [] });
      expect(readFileSync(join(dir, name), 'utf8')).toBe(JSON.stringify({ input: 1, removed_rows: doc, conflicts: [] }, null, 2) + '\n');
    }
    expect(JSON.stringify(rows)).toBe(JSON.stringify(plain));
  });
});
