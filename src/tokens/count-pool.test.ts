// Token counting in worker threads gives exactly the in-thread counts, in input order; one thread needs no pool.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TokenCountPool } from './count-pool.ts';
import { countTokens } from './count-tokens.ts';
import type { BatchScan, CountOptions } from './count-tokens.ts';
import type { EncodingName } from './encoding.ts';
import { CountTable } from './count-table.ts';
import { decodeLines, readLineChunks } from '../data/line-chunks.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const dir = tempDir('tunefile-count-pool-');

/** Real SMS texts as prompt/completion JSONL, with a chat record mixed in. */
function writeSms(): string {
  const rows = readFileSync(join(import.meta.dirname, '../../test/data/sms-spam/SMSSpamCollection.tsv'), 'utf8').split('\n').slice(1, 4001);
  const lines = rows.filter((r) => r.includes('\t')).map((r) => {
    const [label, text] = r.replace(/\r$/, '').split('\t');
    return JSON.stringify({ prompt: `${text}\n\n###\n\n`, completion: ` ${label}\n` });
  });
  lines.splice(100, 0, JSON.stringify({ messages: [{ role: 'user', content: 'hi there' }, { role: 'assistant', content: 'ham' }] }));
  const path = join(dir, 'sms.jsonl');
  writeFileSync(path, lines.join('\n') + '\n\n');
  return path;
}

/** Every batch countTokens hands on for `files`, with their file index, and the threads it used. */
async function collect(files: string[], encoding: EncodingName, options: Omit<CountOptions, 'each'> = {}) {
  const batches: (BatchScan & { file: number })[] = [];
  const { threads } = await countTokens(files, encoding, { ...options, each: (b, file) => batches.push({ ...b, file }) });
  return { batches, threads };
}

/** Sums of a list of batches: examples, tokens and tokens per role. */
function totals(batches: BatchScan[]) {
  const roles: Record<string, number> = {};
  let examples = 0;
  let tokens = 0;
  for (const b of batches) {
    examples += b.total.length;
    for (const t of b.total) tokens += t;
    for (const [role, n] of Object.entries(b.roles)) roles[role] = (roles[role] ?? 0) + n;
  }
  return { examples, tokens, roles };
}

describe('countTokens', () => {
  it('counts the same tokens with 2 threads as with 1, batch by batch and in input order', async () => {
    const path = writeSms();
    const single = await collect([path, path], 'cl100k_base', { workers: 1, limit: 40 });
    const threaded = await collect([path, path], 'cl100k_base', { workers: 2, limit: 40 });
    expect([single.threads, threaded.threads]).toEqual([1, 2]);
    expect(threaded.batches).toEqual(single.batches);
    expect(single.batches.map((b) => b.file)).toEqual([0, 1]);
    const sum = totals(single.batches);
    expect(sum.examples).toBeGreaterThan(2 * 3900);
    expect(sum.roles.user).toBeGreaterThan(0);
    expect(single.batches[0]!.overLimit.length).toBeGreaterThan(0);
    // Counted as the chat lines upload writes for gpt-4o-mini (a system message in each, markers removed), in threads too.
    const conversion = { format: 'chat' as const, system: 'Spam or ham?', prompt_separator: '\n\n###\n\n', completion_ending: '\n' };
    const chatSingle = await collect([path], 'o200k_base', { workers: 1, conversion });
    expect((await collect([path], 'o200k_base', { workers: 2, conversion })).batches).toEqual(chatSingle.batches);
    const chat = totals(chatSingle.batches);
    expect(chat.roles.system).toBe(chat.examples * 4); // 'Spam or ham?': 4 o200k tokens
    expect(chat.roles.prompt).toBeUndefined();
  });

  it('counts a small input in the calling thread, and an error names the file and line', async () => {
    const path = writeSms();
    expect((await collect([path], 'cl100k_base')).threads).toBe(1); // under 4 MB: no pool by default
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"prompt":"a","completion":" b"}\n\nnot json\n');
    for (const workers of [1, 2]) {
      await expect(collect([path, bad], 'cl100k_base', { workers })).rejects.toThrow(new RegExp(`^${bad.replace(/[\\/.]/g, '\\$&')}:3: invalid JSON`));
      await expect(collect([join(dir, 'missing.jsonl')], 'cl100k_base', { workers })).rejects.toThrow(/missing.jsonl: file not found/);
    }
  });
});

describe('TokenCountPool', () => {
  it('scans batches in worker threads, each resolving with its own counts', async () => {
    const pool = new TokenCountPool('cl100k_base', 2, 5);
    expect(pool.size).toBe(2);
    const lines = ['{"prompt":"a b c","completion":" x","_row":3}', '', '{"prompt":"hello","completion":" yes"}'];
    const chunk = (text: string[], first: number) => ({ bytes: new TextEncoder().encode(text.join('\n')), first });
    const [a, b] = await Promise.all([pool.scan(chunk(lines, 1), 'x.jsonl'), pool.scan(chunk(lines.slice(2), 3), 'x.jsonl')]);
    await pool.close();
    expect([...a.total]).toEqual([4, 2]);
    expect([...b.total]).toEqual([2]);
    expect(a.roles).toEqual({ prompt: 4, completion: 2 });
    expect(a.labels.map((l) => [l.label, l.count])).toEqual([[' x', 1], [' yes', 1]]);
  });

  it('counts in this thread too once the worker is a few batches ahead, each batch exactly as one thread would', async () => {
    const path = writeSms();
    const chunks = [];
    for await (const chunk of readLineChunks(path, 16 << 10)) chunks.push({ bytes: chunk.bytes.slice(), first: chunk.first });
    expect(chunks.length).toBeGreaterThan(12);
    const single = new TokenCountPool('cl100k_base', 1, 50);
    const expected = [];
    for (const c of chunks) expected.push(await single.scan({ bytes: c.bytes.slice(), first: c.first }, path));
    const pool = new TokenCountPool('cl100k_base', 2, 50);
    const got = await Promise.all(chunks.map((c) => pool.scan({ bytes: c.bytes.slice(), first: c.first }, path)));
    await pool.close();
    expect(pool.countedHere).toBeGreaterThan(0);
    expect(pool.countedHere).toBeLessThan(chunks.length);
    expect(got).toEqual(expected);

    // Both threads counting through one shared table: each text is counted about once, and a second pass counts none.
    const texts = new Set(readFileSync(path, 'utf8').split('\n').filter(Boolean).flatMap((l) => {
      const r = JSON.parse(l);
      return r.messages ? r.messages.flatMap((m: Record<string, string>) => Object.values(m)) : [r.prompt, r.completion];
    }));
    const table = new CountTable(20_000);
    for (const pass of [1, 2]) {
      const shared = new TokenCountPool('cl100k_base', 2, 50);
      shared.useCache(table);
      const again = await Promise.all(chunks.map((c) => shared.scan({ bytes: c.bytes.slice(), first: c.first }, path)));
      await shared.close();
      expect(again).toEqual(expected);
      expect(shared.countedHere).toBeGreaterThan(0);
      if (pass === 1) {
        expect(shared.misses).toBeGreaterThanOrEqual(texts.size);
        expect(shared.misses).toBeLessThan(texts.size * 1.05);
        expect(table.added().length / 6).toBe(shared.misses);
        table.load(new Uint32Array(0)); // what was added so far counts as loaded from now on
      } else {
        expect(shared.misses).toBe(0);
        expect(shared.hits).toBeGreaterThan(texts.size);
      }
    }
  });

  it('reports invalid JSON and UTF-8 from a thread with file and line', async () => {
    const pool = new TokenCountPool('cl100k_base', 2, 100);
    await expect(pool.scan({ bytes: new TextEncoder().encode('{}\r\nnot json'), first: 7 }, 'data.jsonl')).rejects.toThrow(/^data.jsonl:8: invalid JSON/);
    await expect(pool.scan({ bytes: Uint8Array.from([123, 125, 10, 0xff, 10]), first: 3 }, 'data.jsonl')).rejects.toThrow(/^data.jsonl:4: invalid UTF-8/);
    await pool.close();
  });

  it('cuts files into chunks of whole lines with their line numbers (BOM, CRLF, no final newline, small chunks)', async () => {
    const path = join(dir, 'lines.jsonl');
    const lines = Array.from({ length: 500 }, (_, i) => `{"prompt":"row ${i} ${'é'.repeat(i % 40)}"}`);
    writeFileSync(path, '\uFEFF' + lines.join('\r\n'));
    for (const size of [7, 100, 1 << 20]) {
      const seen: string[] = [];
      for await (const chunk of readLineChunks(path, size)) {
        const got = decodeLines(chunk, path);
        expect(chunk.first).toBe(seen.length + 1);
        seen.push(...got);
      }
      expect(seen).toEqual(lines);
    }
    await expect(readLineChunks(join(dir, 'missing.jsonl')).next()).rejects.toThrow(/missing.jsonl: file not found/);
  });
});
