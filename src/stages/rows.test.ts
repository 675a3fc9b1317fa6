// The byte path of a pass (lazy rows over chunks of bytes, as the load thread sends them) against plain rows (parsed
// records): the same stage algorithms, the same files and reports.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDedupe } from './dedupe/dedupe.ts';
import type { DedupeOptions } from './dedupe/dedupe.ts';
import { EncodedRows, EncodedRowsBuilder, MAX_COMPLETION_IDS } from '../data/encoded-rows.ts';
import { JsonlWriter } from '../data/jsonl.ts';
import { Xoshiro128 } from '../shared/prng.ts';
import type { DataRecord } from '../data/records.ts';
import { EncodedRow, recordRow } from '../data/rows.ts';
import type { RowSink } from '../data/rows.ts';
import { openSplit } from './split/split.ts';
import { openSuffix } from './suffix/suffix.ts';
import type { SuffixOptions } from './suffix/suffix.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const tmp = () => tempDir('tf-rows-');

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
  head: RowSink;
  end(): Promise<unknown[]>;
}

/**
 * dedupe -> suffix -> split as a pass writing into `dir`, through the stages' own algorithms (the input file is what
 * dedupe reads again for conflict groups and its second look).
 */
function chain(dir: string, input: string, dedupe: DedupeOptions, suffix: SuffixOptions): Chain {
  const split = openSplit(join(dir, 'suffixed.jsonl'), join(dir, 'train.jsonl'), join(dir, 'valid.jsonl'), { valid: 0.25, seed: 5, stratify: 'auto' });
  const suffixed = openSuffix(join(dir, 'deduped.jsonl'), join(dir, 'suffixed.jsonl'), suffix, undefined, split);
  const deduped = openDedupe(input, join(dir, 'deduped.jsonl'), dedupe, suffixed);
  return {
    head: deduped,
    end: async () => [await deduped.end(), await suffixed.end().catch((e: Error) => e.message), await split.end().catch((e: Error) => e.message)],
  };
}

/** Pushes every record as a plain row (parsed record, canonical line), as a stage of the main thread would. */
async function pushPlain(head: RowSink, records: DataRecord[]): Promise<void> {
  for (const r of records) await head.push(recordRow(r, JSON.stringify(r)));
}

/** Pushes every record as lazy rows over chunks of bytes, as the load thread's rows arrive. */
async function pushLazy(head: RowSink, records: DataRecord[], dir: string): Promise<EncodedRows[]> {
  const chunks = await chunksOf(records, dir);
  for (const rows of chunks) for (let i = 0; i < rows.count; i++) await head.push(new EncodedRow(rows, i));
  return chunks;
}

const files = (dir: string) => ['deduped.jsonl', 'suffixed.jsonl', 'train.jsonl', 'valid.jsonl'].map((f) => {
  try {
    return readFileSync(join(dir, f), 'utf8');
  } catch {
    return undefined;
  }
});

describe('lazy rows against plain rows', () => {
  const suffixOptions: SuffixOptions[] = [
    { prompt: '\n\n###\n\n', completion: '\n', leading_space: true, model: 'babbage-002' },
    { prompt: ' ->', completion: ' END', leading_space: false, model: 'babbage-002' },
    { prompt: '', completion: '', leading_space: true, model: 'babbage-002' },
    { prompt: 'n', completion: '\\', leading_space: true, model: 'babbage-002' },
  ];
  const dedupeOptions: DedupeOptions[] = [
    { on: 'prompt', keep: 'first', normalize: 'none', conflicts: 'keep-first' },
    { on: 'prompt', keep: 'first', normalize: 'whitespace', conflicts: 'keep-first' },
    { on: 'prompt+completion', keep: 'last', normalize: 'none', conflicts: 'drop' },
  ];

  for (const [k, suffix] of suffixOptions.entries()) {
    for (const dedupe of dedupeOptions) {
      it(`writes the same bytes and reports (separator ${JSON.stringify(suffix.prompt)}, dedupe keep ${dedupe.keep} normalize ${dedupe.normalize})`, async () => {
        const records = randomRecords(3000, 11 + k);
        const input = join(tmp(), 'loaded.jsonl');
        writeFileSync(input, records.map((r) => JSON.stringify(r) + '\n').join(''));
        const byRecord = tmp();
        const a = chain(byRecord, input, dedupe, suffix);
        await pushPlain(a.head, records);
        const byBytes = tmp();
        const b = chain(byBytes, input, dedupe, suffix);
        await pushLazy(b.head, records, byBytes);
        const [reportsA, reportsB] = [await a.end(), await b.end()];
        expect(JSON.parse(JSON.stringify(reportsB))).toEqual(JSON.parse(JSON.stringify(reportsA)));
        expect(files(byBytes)).toEqual(files(byRecord));
        expect(files(byRecord)[0]!.length).toBeGreaterThan(10_000);
      });
    }
  }

  it('keys a prompt the same whether its row comes as bytes or as a record (suffix -> dedupe: spliced and parsed rows mixed)', async () => {
    // Suffix splices most rows as bytes but hands on rows it had to parse (an ending inside the completion) as
    // records; dedupe after it sees both kinds for the same prompt and must still find them equal.
    for (const dedupe of dedupeOptions) {
      const records = randomRecords(3000, 5);
      const input = join(tmp(), 'loaded.jsonl');
      writeFileSync(input, records.map((r) => JSON.stringify(r) + '\n').join(''));
      const run = async (dir: string, lazy: boolean) => {
        const deduped = openDedupe(join(dir, 'suffixed.jsonl'), join(dir, 'deduped.jsonl'), dedupe);
        const suffixed = openSuffix(input, join(dir, 'suffixed.jsonl'), suffixOptions[0]!, undefined, deduped);
        if (lazy) await pushLazy(suffixed, records, dir);
        else await pushPlain(suffixed, records);
        const suffixReport = await suffixed.end().catch((e: Error) => e.message);
        return [suffixReport, JSON.parse(JSON.stringify(await deduped.end())), readFileSync(join(dir, 'deduped.jsonl'), 'utf8')];
      };
      const [plain, lazy] = [await run(tmp(), false), await run(tmp(), true)];
      expect(lazy).toEqual(plain);
      expect((plain[1] as { removed: number }).removed).toBeGreaterThan(100);
    }
  });

  it('gives the same result past the completions a source numbers (free-text completions)', async () => {
    const records: DataRecord[] = Array.from({ length: MAX_COMPLETION_IDS + 500 }, (_, i) => ({
      prompt: `question ${i % 9000}`, completion: `answer ${i} ${'é'.repeat(i % 3)}`, _row: i + 1,
    }));
    const input = join(tmp(), 'loaded.jsonl');
    writeFileSync(input, records.map((r) => JSON.stringify(r) + '\n').join(''));
    const options = { suffix: suffixOptions[0]!, dedupe: dedupeOptions[0]! };
    const byRecord = tmp();
    const a = chain(byRecord, input, options.dedupe, options.suffix);
    await pushPlain(a.head, records);
    const byBytes = tmp();
    const b = chain(byBytes, input, options.dedupe, options.suffix);
    const chunks = await pushLazy(b.head, records, byBytes);
    expect(chunks.at(-1)!.completionIds!.at(-1)).toBe(-1);
    expect(JSON.parse(JSON.stringify(await b.end()))).toEqual(JSON.parse(JSON.stringify(await a.end())));
    expect(files(byBytes)).toEqual(files(byRecord));
  });
});
