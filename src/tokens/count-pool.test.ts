// Token counting in worker threads gives exactly the in-thread report, in input order.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkTokens } from './check.ts';
import { TokenCountPool } from './count-pool.ts';
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

describe('TokenCountPool', () => {
  it('counts the same tokens with 2 threads as with 1, batch by batch and in the report', async () => {
    const path = writeSms();
    const options = { model: 'babbage-002', distinct_first_token: true, min_train_examples: 10, n_epochs: 'auto' as const };
    const single = await checkTokens(path, path, { ...options, workers: 1 });
    const threaded = await checkTokens(path, path, { ...options, workers: 2 });
    expect(threaded).toEqual(single);
    expect(single.splits.train.examples).toBeGreaterThan(3900);
    expect(single.splits.train.roles.user).toBeGreaterThan(0);
    // Counted as the chat lines upload writes for gpt-4o-mini (a system message in each, markers removed), in threads too.
    const chat = { ...options, model: 'gpt-4o-mini', system: 'Spam or ham?', distinct_first_token: false };
    const chatSingle = await checkTokens(path, path, { ...chat, workers: 1 });
    expect(await checkTokens(path, path, { ...chat, workers: 2 })).toEqual(chatSingle);
    expect(chatSingle.format).toBe('chat');
    expect(chatSingle.splits.train.roles.system).toBe(chatSingle.splits.train.examples * 4); // 'Spam or ham?': 4 o200k tokens

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
