// The byte path of a streaming pass (pushEncoded) against the record path (push): same files, same reports.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DedupeStream } from './dedupe.ts';
import type { DedupeOptions } from './dedupe.ts';
import { EncodedRows, EncodedRowsBuilder, MAX_COMPLETION_IDS, decodeField, findFields } from './encoded-rows.ts';
import { JsonlWriter } from './jsonl.ts';
import { Xoshiro128 } from '../shared/prng.ts';
import type { DataRecord, RowConsumer } from './records.ts';
import { SplitStream } from './split.ts';
import { SuffixStream } from './suffix.ts';
import type { SuffixOptions } from './suffix.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const tmp = () => tempDir('tf-encoded-');

describe('findFields', () => {
  const fieldsOf = (record: unknown) => {
    const bytes = Buffer.from(JSON.stringify(record));
    const fields = new Int32Array(4);
    findFields(bytes, 0, bytes.length, fields, 0);
    return fields[0]! < 0 ? undefined : [decodeField(bytes, fields[0]!, fields[1]!), decodeField(bytes, fields[2]!, fields[3]!)];
  };

  it('finds the prompt and completion through escaped quotes, backslashes, control characters and non-ASCII text', () => {
    for (const [prompt, completion] of [
      ['plain', 'yes'], ['ends with a backslash \\', 'x'], ['quote \\" and "quotes"', '"'], ['\\\\\\"', '\\'],
      ['', 'é'], ['tab\tnew\nline\u0000\u001f', ' 😀'], ['lone \ud800 surrogate', '\udc00'], ['"}', '","completion":"'],
    ]) {
      expect(fieldsOf({ prompt, completion, _row: 3 })).toEqual([prompt, completion]);
    }
  });

  it('gives no fields for other shapes', () => {
    expect(fieldsOf({ completion: 'b', prompt: 'a' })).toBeUndefined();
    expect(fieldsOf({ prompt: 'a', _row: 1, completion: 'b' })).toBeUndefined();
    expect(fieldsOf({ messages: [{ role: 'user', content: 'hi' }] })).toBeUndefined();
    expect(fieldsOf({ prompt: 1, completion: 'b' })).toBeUndefined();
  });
});

/** Texts that exercise every fallback of the byte path. */
function randomRecords(n: number, seed: number): DataRecord[] {
  const rng = new Xoshiro128(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng.nextFloat() * xs.length)]!;
  const words = ['card', 'pin', 'é', '😀', '"quoted"', 'back\\slash', 'tab\t', 'n', '\\n', 'u00e9', '\n', '###', ' '];
  const labels = ['spam', 'ham', ' ham', 'ham\n', 'a\nb', 'x\n\ny', '\u2003em', 'é', '"q"', 'end\n', '\\'];
  const prompts: string[] = [];
  const out: DataRecord[] = [];
  for (let i = 0; i < n; i++) {
    let prompt = Array.from({ length: 1 + Math.floor(rng.nextFloat() * 6) }, () => pick(words)).join(' ');
    const r = rng.nextFloat();
    if (r < 0.05) prompt += '\n\n###\n\n'; // already suffixed
    else if (r < 0.08) prompt = `a\n\n###\n\nb ${prompt}`; // holds the separator: an offender
    else if (r < 0.1) prompt += '\ud83d'; // ends in a lone high surrogate
    if (prompts.length > 0 && rng.nextFloat() < 0.2) prompt = pick(prompts); // duplicates and conflicts
    prompts.push(prompt);
    const completion = pick(labels);
    const base = { _row: i + 1, ...(rng.nextFloat() < 0.3 ? { _file: pick(['a.jsonl', 'b.jsonl']) } : {}) };
    if (rng.nextFloat() < 0.05) out.push({ messages: [{ role: 'user', content: prompt }, { role: 'assistant', content: completion }], ...base });
    else out.push({ prompt, completion, ...base });
  }
  return out;
}

/** The records as chunks of bytes, as the load thread sends them (some lines copied from a writer, some encoded). */
async function chunksOf(records: DataRecord[], dir: string): Promise<EncodedRows[]> {
  const writer = new JsonlWriter(join(dir, 'scratch.jsonl'));
  const builder = new EncodedRowsBuilder();
  const chunks: EncodedRows[] = [];
  for (const [i, record] of records.entries()) {
    const line = JSON.stringify(record);
    await writer.writeLine(line);
    builder.add(record, line, i % 3 === 0 ? undefined : writer);
    if (builder.count === 97) {
      chunks.push(builder.take());
      builder.hashPrompts = chunks.length % 2 === 0; // as the load thread does when the main thread keeps up
    }
  }
  await writer.close();
  if (builder.count > 0) chunks.push(builder.take());
  return chunks;
}

interface Chain {
  head: RowConsumer;
  end(): Promise<unknown[]>;
}

/** dedupe -> suffix -> split writing into `dir` (the input file is what dedupe reads again for conflict groups). */
function chain(dir: string, input: string, dedupe: DedupeOptions, suffix: SuffixOptions): Chain {
  const split = new SplitStream(join(dir, 'suffixed.jsonl'), join(dir, 'train.jsonl'), join(dir, 'valid.jsonl'), { valid: 0.25, seed: 5, stratify: 'auto' });
  const suffixStream = new SuffixStream(join(dir, 'suffixed.jsonl'), suffix, split);
  const dedupeStream = new DedupeStream(input, join(dir, 'deduped.jsonl'), dedupe, suffixStream);
  return {
    head: dedupeStream,
    end: async () => [await dedupeStream.end(), await suffixStream.end().catch((e: Error) => e.message), await split.end().catch((e: Error) => e.message)],
  };
}

const files = (dir: string) => ['deduped.jsonl', 'suffixed.jsonl', 'train.jsonl', 'valid.jsonl'].map((f) => {
  try {
    return readFileSync(join(dir, f), 'utf8');
  } catch {
    return undefined;
  }
});

describe('pushEncoded', () => {
  const suffixOptions: SuffixOptions[] = [
    { prompt: '\n\n###\n\n', completion: '\n', leading_space: true, model: 'babbage-002' },
    { prompt: ' ->', completion: ' END', leading_space: false, model: 'babbage-002' },
    { prompt: '', completion: '', leading_space: true, model: 'babbage-002' },
    { prompt: 'n', completion: '\\', leading_space: true, model: 'babbage-002' },
  ];
  const dedupeOptions: DedupeOptions[] = [
    { on: 'prompt', keep: 'first', normalize: 'none', conflicts: 'keep-first' },
    { on: 'prompt', keep: 'first', normalize: 'whitespace', conflicts: 'keep-first' },
  ];

  for (const [k, suffix] of suffixOptions.entries()) {
    for (const dedupe of dedupeOptions) {
      it(`writes the same bytes and reports as push() (separator ${JSON.stringify(suffix.prompt)}, normalize ${dedupe.normalize})`, async () => {
        const records = randomRecords(3000, 11 + k);
        const input = join(tmp(), 'loaded.jsonl');
        writeFileSync(input, records.map((r) => JSON.stringify(r) + '\n').join(''));
        const byRecord = tmp();
        const a = chain(byRecord, input, dedupe, suffix);
        for (const r of records) await a.head.push(r, JSON.stringify(r));
        const byBytes = tmp();
        const b = chain(byBytes, input, dedupe, suffix);
        for (const rows of await chunksOf(records, byBytes)) for (let i = 0; i < rows.count; i++) await b.head.pushEncoded!(rows, i);
        const [reportsA, reportsB] = [await a.end(), await b.end()];
        expect(JSON.parse(JSON.stringify(reportsB))).toEqual(JSON.parse(JSON.stringify(reportsA)));
        expect(files(byBytes)).toEqual(files(byRecord));
        expect(files(byRecord)[0]!.length).toBeGreaterThan(10_000);
      });
    }
  }

  it('gives the same result past the completions a source numbers (free-text completions)', async () => {
    const records: DataRecord[] = Array.from({ length: MAX_COMPLETION_IDS + 500 }, (_, i) => ({
      prompt: `question ${i % 9000}`, completion: `answer ${i} ${'é'.repeat(i % 3)}`, _row: i + 1,
    }));
    const input = join(tmp(), 'loaded.jsonl');
    writeFileSync(input, records.map((r) => JSON.stringify(r) + '\n').join(''));
    const options = { suffix: suffixOptions[0]!, dedupe: dedupeOptions[0]! };
    const byRecord = tmp();
    const a = chain(byRecord, input, options.dedupe, options.suffix);
    for (const r of records) await a.head.push(r, JSON.stringify(r));
    const byBytes = tmp();
    const b = chain(byBytes, input, options.dedupe, options.suffix);
    const chunks = await chunksOf(records, byBytes);
    expect(chunks.at(-1)!.completionIds!.at(-1)).toBe(-1);
    for (const rows of chunks) for (let i = 0; i < rows.count; i++) await b.head.pushEncoded!(rows, i);
    expect(JSON.parse(JSON.stringify(await b.end()))).toEqual(JSON.parse(JSON.stringify(await a.end())));
    expect(files(byBytes)).toEqual(files(byRecord));
  });

  it('copies a line longer than the writer buffer by encoding it again', async () => {
    const dir = tmp();
    const writer = new JsonlWriter(join(dir, 'x.jsonl'));
    const builder = new EncodedRowsBuilder();
    const record = { prompt: 'é'.repeat(100_000), completion: 'long', _row: 1 };
    const line = JSON.stringify(record);
    await writer.writeLine(line);
    expect(writer.copyLastLine(Buffer.alloc(8), 0)).toBe(-1); // written straight to the file: not in its buffer
    builder.add(record, line, writer);
    await writer.close();
    const rows = builder.take();
    expect(rows.line(0)).toBe(line);
    expect(rows.record(0)).toEqual(record);
  });
});
