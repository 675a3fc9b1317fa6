// writeJson writes exactly JSON.stringify(value, null, 2) + newline, also when it streams long arrays.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeJson } from './jsonl.ts';

const dir = mkdtempSync(join(tmpdir(), 'tunefile-write-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
});
