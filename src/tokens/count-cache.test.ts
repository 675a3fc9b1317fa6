// The token-count cache in state.db: the same counts with no, a cold, a warm or a damaged cache, and a changed split retokenizes nothing.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { StateDb } from '../store/state.ts';
import { BpeEncoder, getBpeEncoder } from './bpe.ts';
import type { RankFile } from './bpe.ts';
import { loadCounts } from './count-cache.ts';
import { countTokens } from './count-tokens.ts';
import type { ChunkLog, CountCacheStats } from './count-tokens.ts';
import type { EncodingName } from './encoding.ts';
import type { Conversion } from './format.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const dir = tempDir('tunefile-count-cache-');

/** SMS spam as suffixed prompt/completion lines with source rows, a few chat records mixed in. */
function smsLines(): string[] {
  const rows = readFileSync(join(import.meta.dirname, '../../test/data/sms-spam/SMSSpamCollection.tsv'), 'utf8').split('\n').slice(1);
  const lines = rows.filter((r) => r.includes('\t')).map((r, i) => {
    const [label, text] = r.replace(/\r$/, '').split('\t');
    return JSON.stringify({ prompt: `${text}\n\n###\n\n`, completion: ` ${label}\n`, _row: i + 2 });
  });
  for (let i = 0; i < 5; i++) {
    lines.splice(100 * i, 0, JSON.stringify({ messages: [{ role: 'system', content: 'Classify.' }, { role: 'user', content: `message ${i}`, name: 'u' }, { role: 'assistant', content: i % 2 ? 'ham' : 'spam' }] }));
  }
  return lines;
}

/** Writes a split of `lines`: every `k`-th line (from `offset`) goes to valid. */
function writeSplit(name: string, lines: string[], k: number, offset: number): { train: string; valid: string } {
  const train = join(dir, `${name}-train.jsonl`);
  const valid = join(dir, `${name}-valid.jsonl`);
  writeFileSync(train, lines.filter((_, i) => i % k !== offset).join('\n') + '\n');
  writeFileSync(valid, lines.filter((_, i) => i % k === offset).join('\n') + '\n');
  return { train, valid };
}

interface CountExtra {
  workers?: number;
  encoding?: EncodingName;
  conversion?: Conversion;
}

/**
 * countTokens over train and valid with the cache in `db` (or the log `cache` opens); returns every batch as JSON text
 * (all that counting hands on) and the cache's stats.
 */
async function check(files: { train: string; valid: string }, db: StateDb | undefined, extra: CountExtra = {}, cache?: (name: string) => ChunkLog) {
  const batches: unknown[] = [];
  const counted = await countTokens([files.train, files.valid], extra.encoding ?? 'cl100k_base', {
    workers: extra.workers, conversion: extra.conversion, limit: 60,
    cache: cache ?? (db ? (name: string) => db.chunks(`tokencheck:${name}`) : undefined),
    each: (batch, file) => batches.push({ file, ...batch, total: [...batch.total] }),
  });
  return { json: JSON.stringify(batches), stats: counted.cache };
}

/** What upload writes for gpt-4o-mini from these records: chat lines with a system message, the markers removed. */
const CHAT: CountExtra = {
  encoding: 'o200k_base',
  conversion: { format: 'chat', system: 'Spam or ham?', prompt_separator: '\n\n###\n\n', completion_ending: '\n' },
};

describe('token-count cache', () => {
  it('gives byte-identical counts with no cache, a cold one, a warm one and a changed split, in 1 and 2 threads', async () => {
    const lines = smsLines();
    const a = writeSplit('a', lines, 5, 0);
    const b = writeSplit('b', lines, 4, 3);
    for (const workers of [1, 2]) {
      const db = new StateDb(join(dir, `state-${workers}.db`));
      const plainA = await check(a, undefined, { workers: 1 });
      const plainB = await check(b, undefined, { workers: 1 });
      expect(plainA.json).not.toBe(plainB.json);

      const cold = await check(a, db, { workers });
      expect(cold.json).toBe(plainA.json);
      expect(cold.stats).toMatchObject({ loaded: 0, hits: 0, replaced: false });
      expect(cold.stats!.misses).toBeGreaterThan(4000);
      expect(cold.stats!.saved).toBe(cold.stats!.misses);

      const warm = await check(a, db, { workers });
      expect(warm.json).toBe(plainA.json);
      expect(warm.stats).toMatchObject({ loaded: cold.stats!.saved, misses: 0, saved: 0 });
      expect(warm.stats!.hits).toBeGreaterThan(2 * 5000);

      const changed = await check(b, db, { workers });
      expect(changed.json).toBe(plainB.json);
      expect(changed.stats).toMatchObject({ misses: 0, saved: 0 });

      // One edited prompt: only that text is counted and stored.
      const edited = lines.slice();
      edited[7] = JSON.stringify({ ...JSON.parse(edited[7]!), prompt: 'a prompt nobody has seen\n\n###\n\n' });
      const c = writeSplit('c', edited, 5, 0);
      const once = await check(c, db, { workers });
      expect(once.json).toBe((await check(c, undefined, { workers: 1 })).json);
      expect(once.stats).toMatchObject({ misses: 1, saved: 1 });
      expect((await check(c, db, { workers })).stats).toMatchObject({ loaded: cold.stats!.saved + 1, misses: 0 });

      // Counted as chat lines (system message added, markers removed): the cache holds texts, so it stays exact.
      const chatPlain = await check(a, undefined, { workers: 1, ...CHAT });
      expect(JSON.parse(chatPlain.json)[0].roles.system).toBeGreaterThan(0);
      expect((await check(a, db, { workers, ...CHAT })).json).toBe(chatPlain.json);
      const chatWarm = await check(a, db, { workers, ...CHAT });
      expect(chatWarm.json).toBe(chatPlain.json);
      expect(chatWarm.stats).toMatchObject({ misses: 0, saved: 0 });
      db.close();
    }
  });

  it('stores a large run in several chunks while counting in 2 threads, and a rerun finds every text', async () => {
    const path = join(dir, 'large.jsonl');
    const words = ['card', 'transfer', 'pending', 'refund', 'top up', 'exchange rate', 'PIN', 'verify'];
    writeFileSync(path, Array.from({ length: 70_000 }, (_, i) => JSON.stringify({
      prompt: `row ${i}: why is my ${words[i % 8]} ${words[(i >> 3) % 8]} still ${i % 13 ? 'pending' : 'declined'}?\n\n###\n\n`, completion: ` c${i % 7}\n`,
    })).join('\n') + '\n');
    const db = new StateDb(join(dir, 'state-large.db'));
    const files = { train: path, valid: path };
    const plain = await check(files, undefined, { workers: 1 });
    const cold = await check(files, db, { workers: 2 });
    expect(cold.json).toBe(plain.json);
    // 70,000 prompts and 7 completions (a completion may be added by both threads at once).
    expect(cold.stats!.saved).toBeGreaterThanOrEqual(70_007);
    expect(cold.stats!.saved).toBeLessThanOrEqual(70_014);
    expect(cold.stats!.misses).toBe(cold.stats!.saved);
    expect(db.chunks('tokencheck:token-counts:cl100k_base').read().length).toBeGreaterThan(1);
    const warm = await check(files, db, { workers: 2 });
    expect(warm.json).toBe(plain.json);
    expect(warm.stats).toMatchObject({ loaded: cold.stats!.saved, misses: 0, hits: 4 * 70_000, saved: 0 });
    db.close();
  });

  it('ignores a damaged, foreign or unreadable cache, counts afresh, and replaces it', async () => {
    const files = writeSplit('d', smsLines(), 5, 1);
    const path = join(dir, 'state-damaged.db');
    const db = new StateDb(path);
    const plain = (await check(files, undefined)).json;
    const first = await check(files, db);
    expect(first.stats!.saved).toBeGreaterThan(4000);

    // One flipped bit in the middle of a stored count.
    const raw = new DatabaseSync(path);
    const row = raw.prepare("SELECT id, data FROM chunks WHERE namespace = 'tokencheck:token-counts:cl100k_base'").get() as { id: number; data: Uint8Array };
    const flipped = Uint8Array.from(row.data);
    flipped[flipped.length >> 1]! ^= 0x10;
    raw.prepare('UPDATE chunks SET data = ? WHERE id = ?').run(flipped, row.id);
    raw.close();
    const damaged = await check(files, db);
    expect(damaged.json).toBe(plain);
    expect(damaged.stats).toMatchObject({ loaded: 0, hits: 0, replaced: true, saved: first.stats!.saved });
    const repaired = await check(files, db);
    expect(repaired.stats).toMatchObject({ loaded: first.stats!.saved, misses: 0, replaced: false });

    // Another encoding's chunks under this encoding's name (a foreign identity), and bytes that are no chunk at all.
    const o200k = db.chunks('tokencheck:token-counts:o200k_base');
    o200k.append(db.chunks('tokencheck:token-counts:cl100k_base').read());
    const foreign = await check(files, db, { encoding: 'o200k_base' });
    expect(foreign.json).toBe((await check(files, undefined, { encoding: 'o200k_base' })).json);
    expect(foreign.stats).toMatchObject({ loaded: 0, hits: 0, replaced: true });
    // Counts stored with other ranks (a js-tiktoken update) are not used.
    const log = db.chunks('tokencheck:token-counts:cl100k_base');
    const ranks = (await import('js-tiktoken/ranks/cl100k_base')).default as RankFile;
    const updated = BpeEncoder.build('cl100k_base', { ...ranks, bpe_ranks: `${ranks.bpe_ranks.trimEnd()}\n! 100300 QUFBQUFB\n` });
    expect(loadCounts(log, await getBpeEncoder('cl100k_base'), 0)).toMatchObject({ replace: false, table: { loaded: repaired.stats!.loaded } });
    expect(loadCounts(log, updated, 0)).toMatchObject({ replace: true, table: { loaded: 0 } });
    log.append([new Uint8Array([1, 2, 3, 4, 5])]);
    expect((await check(files, db)).stats).toMatchObject({ loaded: 0, replaced: true });
    db.close();

    // A store that fails on every call never fails the count, in this thread or with a pool.
    const broken = { read: () => { throw new Error('disk I/O error'); }, append: () => { throw new Error('database is locked'); }, bytes: () => 0, clear: () => {} };
    for (const workers of [1, 2]) {
      const failing = await check(files, undefined, { workers }, () => broken);
      expect(failing.json).toBe(plain);
      expect(failing.stats).toMatchObject<Partial<CountCacheStats>>({ loaded: 0, saved: 0 });
    }
  });
});
