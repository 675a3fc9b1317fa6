import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DigestTable } from './digest-table.ts';
import { parseDelimited } from './csv.ts';
import { splitJsonArray } from './json-array.ts';
import { readLineBatches } from './text-lines.ts';
import { tempDir } from '../../test/helpers/temp.ts';

function file(content: string | Buffer): string {
  const path = join(tempDir('tf-data-'), 'f');
  writeFileSync(path, content);
  return path;
}

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

describe('readLineBatches', () => {
  it('numbers lines across tiny chunks, keeps multi-byte characters whole, strips BOM and CR', async () => {
    const path = file('\uFEFFé1\r\nünïcødé 2\n\nlast');
    const batches = [];
    for await (const b of readLineBatches(path, { chunkBytes: 3 })) batches.push(b);
    const lines = batches.flatMap((b) => b.lines.map((l, i) => [b.first + i, l]));
    expect(lines).toEqual([[1, 'é1'], [2, 'ünïcødé 2'], [3, ''], [4, 'last']]);
  });

  it('names the line of an invalid byte', async () => {
    const path = file(Buffer.concat([Buffer.from('ok\nfine\nbad '), Buffer.from([0xff]), Buffer.from('\n')]));
    await expect(collect(readLineBatches(path, { displayPath: 'x.tsv' }) as never)).rejects.toThrow('x.tsv:3: invalid UTF-8 (byte 0xff at byte 5 of the line)');
  });
});

describe('parseDelimited', () => {
  it('parses quoted delimiters, doubled quotes and quoted newlines with the starting line', async () => {
    const path = file('a,b\n"x, y","say ""hi"""\n"multi\nline",z\n');
    const rows = await collect(parseDelimited(readLineBatches(path), { delimiter: ',', quote: true, displayPath: 'f.csv' }));
    expect(rows).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x, y', 'say "hi"'], line: 2 },
      { fields: ['multi\nline', 'z'], line: 3 },
    ]);
  });

  it('fails on an unterminated quote naming the line where it opened', async () => {
    const path = file('a,b\n"open,1\n2,3\n');
    await expect(collect(parseDelimited(readLineBatches(path), { delimiter: ',', quote: true, displayPath: 'f.csv' })))
      .rejects.toThrow('f.csv:2: unterminated quoted field');
  });
});

describe('splitJsonArray', () => {
  it('splits elements containing brackets in strings and nested arrays, with start lines', async () => {
    const path = file('[\n  {"a": "]}", "b": [1, [2]]},\n  {"c": "\\"q\\""}\n]\n');
    const elements = await collect(splitJsonArray(readLineBatches(path), 'f.json'));
    expect(elements.map((e) => [e.line, JSON.parse(e.text)])).toEqual([[2, { a: ']}', b: [1, [2]] }], [3, { c: '"q"' }]]);
  });

  it('rejects text that is not an array', async () => {
    await expect(collect(splitJsonArray(readLineBatches(file('{"a": 1}')), 'f.json'))).rejects.toThrow("f.json:1: expected a JSON array of records");
  });
});

describe('DigestTable', () => {
  it('gives dense ids in insertion order and keeps them through rehashing', () => {
    const table = new DigestTable(4);
    const ids = Array.from({ length: 5000 }, (_, i) => table.add(`text ${i}`));
    expect(ids).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(table.add('text 1234')).toBe(1234);
    expect(table.find('text 4999')).toBe(4999);
    expect(table.find('absent')).toBe(-1);
    expect(table.addWords(1, 2, 0, 0)).toBe(5000);
    expect(table.addWords(1, 2, 0, 0)).toBe(5000);
  });
});
