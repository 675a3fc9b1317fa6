// Token counting in worker threads gives exactly the in-thread report, in input order.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkTokens } from './check.ts';
import { TokenCountPool } from './count-pool.ts';
import { decodeLines, readLineChunks } from './line-chunks.ts';

const dir = mkdtempSync(join(tmpdir(), 'tunefile-count-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
  it('counts the same tokens with 2 worker threads as in this thread, batch by batch and in the report', async () => {
    const path = writeSms();
    const options = { model: 'babbage-002', distinct_first_token: true, min_train_examples: 10, n_epochs: 'auto' as const };
    const single = await checkTokens(path, path, { ...options, workers: 1 });
    const threaded = await checkTokens(path, path, { ...options, workers: 2 });
    expect(threaded).toEqual(single);
    expect(single.splits.train.examples).toBeGreaterThan(3900);
    expect(single.splits.train.roles.user).toBeGreaterThan(0);

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
