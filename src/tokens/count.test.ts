import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { referenceEncoding } from '../../test/helpers/tiktoken-reference.ts';
import { BpeEncoder, getBpeEncoder } from './bpe.ts';
import { LONG_PIECE_CHARS, TextCounter } from './text-counter.ts';
import { CountTable } from './count-table.ts';
import { digest, digestText } from './text-digest.ts';
import { Xoshiro128 } from '../shared/prng.ts';

const data = join(import.meta.dirname, '../../test/data');

/** Real texts (SMS messages and Banking77 queries) plus edge cases: unicode, emoji, lone surrogates, BOM, CRLF, contractions. */
function sampleTexts(): string[] {
  const sms = readFileSync(join(data, 'sms-spam/SMSSpamCollection.tsv'), 'utf8').split('\n').map((l) => l.split('\t')[1] ?? '');
  const banking = readFileSync(join(data, 'banking77/train.csv'), 'utf8').split('\n').slice(1, 2001);
  return [
    ...sms, ...banking,
    'héllo wörld 你好世界 🎉🎉 naïve café 😀', 'lone \uD800 high and \uDC00 low', '\uFEFFbom first', '   \n\n\r\n  spaces  \t',
    "it's I'LL we've THEY'RE", '12345678 3.14159 1,000,000', '<|endoftext|> is ordinary text here', ' ham\n', '', ' ',
  ];
}

describe('BpeEncoder', () => {
  it('encodes and decodes exactly as js-tiktoken on real and unusual texts, for both encodings', async () => {
    const texts = sampleTexts();
    for (const name of ['cl100k_base', 'o200k_base'] as const) {
      const ours = await getBpeEncoder(name);
      const reference = referenceEncoding(name);
      let tokens = 0;
      for (const text of texts) {
        const ids = ours.encodeOrdinary(text);
        expect(ids, `${name}: ${JSON.stringify(text)}`).toEqual(reference.encode(text, [], []));
        expect(ours.decode(ids)).toBe(reference.decode(ids));
        tokens += ids.length;
      }
      expect(tokens).toBeGreaterThan(100_000);
      for (let id = 0; id < 1000; id++) expect(ours.decode([id * 97])).toBe(reference.decode([id * 97]));
      // What another thread builds from the shared table encodes the same.
      const copy = new BpeEncoder(ours.data());
      expect(texts.slice(0, 500).map((t) => copy.encodeOrdinary(t))).toEqual(texts.slice(0, 500).map((t) => reference.encode(t, [], [])));
    }
  });
});

describe('TextCounter', () => {
  it('counts and finds the first token as tiktoken, with and without a count table', async () => {
    const enc = await getBpeEncoder('o200k_base');
    const reference = referenceEncoding('o200k_base');
    const plain = new TextCounter(enc);
    const table = new CountTable(10_000);
    const remembering = new TextCounter(enc, { table });
    const texts = sampleTexts().slice(0, 3000);
    for (const text of texts) {
      const ids = reference.encode(text, [], []);
      for (const counter of [plain, remembering, remembering]) {
        expect(counter.count(text)).toBe(ids.length);
        expect(counter.first).toBe(ids[0] ?? -1);
      }
    }
    const distinct = new Set(texts.filter((t) => t !== '')).size;
    expect(remembering.misses).toBe(distinct);
    expect(remembering.hits).toBe(0);
    expect(table.added().length / 6).toBe(distinct);
  });

  it('answers from loaded counts without counting, and adds only new texts', async () => {
    const enc = await getBpeEncoder('cl100k_base');
    const texts = sampleTexts().slice(0, 500).filter((t) => t !== '');
    const firstRun = new CountTable(1000);
    const counter = new TextCounter(enc, { table: firstRun });
    const counts = texts.map((t) => counter.count(t));
    const table = new CountTable(2000);
    expect(table.load(firstRun.added())).toBe(new Set(texts).size);
    expect(table.loaded).toBe(new Set(texts).size);
    const second = new TextCounter(enc, { table });
    expect(texts.map((t) => second.count(t))).toEqual(counts);
    expect(second.misses).toBe(0);
    expect(second.hits).toBe(texts.length);
    expect(table.added().length).toBe(0);
    second.count('a text nobody counted before');
    second.count('a text nobody counted before');
    expect([second.misses, table.added().length]).toEqual([1, 6]);
    // An entry is what is answered: a different count under the same digest would be returned as is.
    digestText(texts[0]!);
    const forged = new CountTable(4);
    forged.add(12345, 7);
    expect(new TextCounter(enc, { table: forged }).count(texts[0]!)).toBe(12345);
  });

  it('matches tiktoken on random strings of tricky pieces (contractions, mixed whitespace, marks, surrogates)', async () => {
    const alphabet = [' ', '  ', '\n', '\r\n', '\t', "'", "'s", "'LL", 'a', 'B', 'é', '1', '23', '.', '?!', '你', '🎉', '\u0301', '\u00a0', '\uD800', 'x', 'Q', '/', '-', '\u2028'];
    const rng = new Xoshiro128(11);
    for (const name of ['cl100k_base', 'o200k_base'] as const) {
      const counter = new TextCounter(await getBpeEncoder(name));
      const reference = referenceEncoding(name);
      for (let i = 0; i < 5000; i++) {
        let text = '';
        for (let j = 1 + Math.floor(rng.nextFloat() * 12); j > 0; j--) text += alphabet[Math.floor(rng.nextFloat() * alphabet.length)];
        const ids = reference.encode(text, [], []);
        expect([counter.count(text), counter.first], JSON.stringify(text)).toEqual([ids.length, ids[0] ?? -1]);
      }
    }
  });

  it('keeps counting without remembering once the table is full', async () => {
    const enc = await getBpeEncoder('cl100k_base');
    const reference = referenceEncoding('cl100k_base');
    const table = new CountTable(16);
    const counter = new TextCounter(enc, { table });
    const texts = [...new Set(sampleTexts().slice(0, 100))].filter((t) => t !== '');
    for (const t of texts) expect(counter.count(t)).toBe(reference.encode(t, [], []).length);
    expect(table.added().length / 6).toBe(16);
    expect(counter.misses).toBe(texts.length);
  });

  it('counts one unbroken 51,200-letter word in linear time, never under the exact count', async () => {
    const enc = await getBpeEncoder('cl100k_base');
    const reference = referenceEncoding('cl100k_base');
    const exactPer = reference.encode('x'.repeat(LONG_PIECE_CHARS), [], []).length;
    // The whole-piece encode took tens of minutes here (the test timeout catches a regression).
    const counter = new TextCounter(enc);
    expect(counter.count('x'.repeat(400 * LONG_PIECE_CHARS))).toBe(400 * exactPer);
    const mixed = `${'ab'.repeat(200)} and then some words`;
    expect(counter.count(mixed)).toBeGreaterThanOrEqual(reference.encode(mixed, [], []).length);
  });
});

describe('digestText', () => {
  it('gives distinct digests to distinct texts and changes with every code unit', () => {
    const texts = [...new Set(sampleTexts())];
    const seen = new Set<string>();
    for (const t of texts) {
      digestText(t);
      seen.add(digest.join(','));
    }
    expect(seen.size).toBe(texts.length);
    const base = 'The quick brown fox jumps over the lazy dog, 你好 🎉';
    digestText(base);
    const original = digest.join(',');
    digestText(base);
    expect(digest.join(',')).toBe(original);
    const variants = new Set<string>([original]);
    for (let i = 0; i <= base.length; i++) {
      for (const edit of [base.slice(0, i) + 'x' + base.slice(i), base.slice(0, i) + base.slice(i + 1)]) {
        digestText(edit);
        variants.add(digest.join(','));
      }
    }
    expect(variants.size).toBe(new Set([base, ...Array.from({ length: base.length + 1 }, (_, i) => [base.slice(0, i) + 'x' + base.slice(i), base.slice(0, i) + base.slice(i + 1)]).flat()]).size);
  });
});
