import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DigestTable } from './digest-table.ts';
import { parseDelimited } from './csv.ts';
import { splitJsonArray } from './json-array.ts';
import { readLineBatches } from './text-lines.ts';
import { Xoshiro128 } from '../shared/prng.ts';
import { dedupeFile, dedupeStreams, dedupeTwoPass } from './dedupe.ts';
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

describe('label codes', async () => {
  const { assignLabelCodes, decodeLabel, makeLabelsArtifact } = await import('./labels.ts');
  const { getEncoding } = await import('../tokens/encoding.ts');
  const enc = await getEncoding('cl100k_base');

  it('assigns distinct single-token codes, keeping labels that already are one token', async () => {
    const codes = assignLabelCodes(['card_arrival', 'card_linking', 'ham', 'lost_or_stolen_card', 'lost_or_stolen_phone'], enc, true);
    expect(codes).toEqual({ card_arrival: 'arrival', card_linking: 'linking', ham: 'ham', lost_or_stolen_card: 'lost', lost_or_stolen_phone: 'phone' });
    const reference = (await import('../../test/helpers/tiktoken-reference.ts')).referenceEncoding('cl100k_base');
    for (const code of Object.values(codes)) expect(reference.encode(' ' + code)).toHaveLength(1);
  });

  it('maps a completion or its first token back to the original label', () => {
    const artifact = makeLabelsArtifact({ card_arrival: 'arrival', card_linking: 'linking' }, { model: 'babbage-002', encoding: 'cl100k_base', space: true, enc });
    expect(decodeLabel(artifact, ' arrival\n')).toBe('card_arrival');
    expect(decodeLabel(artifact, ' linking')).toBe('card_linking');
    expect(decodeLabel(artifact, ' card')).toBeUndefined();
  });
});

describe('one-pass dedupe', () => {
  it('matches the two-pass algorithm for every option it streams (real SMS texts, repeats and flipped labels)', async () => {
    const sms = readFileSync(join(import.meta.dirname, '..', '..', 'test', 'data', 'sms-spam', 'SMSSpamCollection.tsv'), 'utf8')
      .trim().split('\n').slice(1, 1500).map((l) => l.split('\t'));
    const rng = new Xoshiro128(3);
    const rows: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const [label, text] = sms[Math.floor(rng.nextFloat() * sms.length)]!;
      const spaced = rng.nextFloat() < 0.2 ? ` ${text}  ` : text!;
      const flipped = rng.nextFloat() < 0.05 ? (label === 'ham' ? 'spam' : 'ham') : label;
      rows.push(JSON.stringify({ prompt: spaced, completion: flipped, _row: i + 1, ...(i % 2 ? { _file: 'b.jsonl' } : {}) }));
    }
    const dir = tempDir('dedupe-');
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, rows.join('\n') + '\n');
    let compared = 0;
    for (const on of ['prompt', 'prompt+completion'] as const) {
      for (const normalize of ['none', 'whitespace', 'casefold'] as const) {
        const options = { on, keep: 'first' as const, normalize, conflicts: 'keep-first' as const };
        expect(dedupeStreams(options)).toBe(true);
        const one = await dedupeFile(input, join(dir, 'one.jsonl'), options);
        const two = await dedupeTwoPass(input, join(dir, 'two.jsonl'), options);
        expect(one.conflicts.length).toBeGreaterThan(0);
        expect(one).toEqual(two);
        expect(readFileSync(join(dir, 'one.jsonl'), 'utf8')).toBe(readFileSync(join(dir, 'two.jsonl'), 'utf8'));
        compared++;
      }
    }
    expect(compared).toBe(6);
  });
});
