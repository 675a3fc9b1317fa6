// The tokencheck analysis gives one report however it counts: in this thread or in two, with no, a cold or a warm cache.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateDb } from '../../store/state.ts';
import { checkTokens } from './check.ts';
import type { CountCacheStats, TokenCheckOptions } from './check.ts';
import { tempDir } from '../../../test/helpers/temp.ts';

const dir = tempDir('tunefile-tokencheck-check-');

/** Real SMS texts as suffixed prompt/completion JSONL with source rows, a chat record mixed in. */
function writeSms(): string {
  const rows = readFileSync(join(import.meta.dirname, '../../../test/data/sms-spam/SMSSpamCollection.tsv'), 'utf8').split('\n').slice(1, 4001);
  const lines = rows.filter((r) => r.includes('\t')).map((r, i) => {
    const [label, text] = r.replace(/\r$/, '').split('\t');
    return JSON.stringify({ prompt: `${text}\n\n###\n\n`, completion: ` ${label}\n`, _row: i + 2 });
  });
  lines.splice(100, 0, JSON.stringify({ messages: [{ role: 'user', content: 'hi there' }, { role: 'assistant', content: 'ham' }] }));
  const path = join(dir, 'sms.jsonl');
  writeFileSync(path, lines.join('\n') + '\n\n');
  return path;
}

const options: TokenCheckOptions = { model: 'babbage-002', distinct_first_token: true, min_train_examples: 10, n_epochs: 'auto' };

describe('checkTokens', () => {
  it('writes the same report with 1 and 2 counting threads, for prompt/completion and chat lines', async () => {
    const path = writeSms();
    const single = await checkTokens(path, path, { ...options, workers: 1 });
    expect(await checkTokens(path, path, { ...options, workers: 2 })).toEqual(single);
    expect(single.splits.train.examples).toBeGreaterThan(3900);
    expect(single.splits.valid!.examples).toBe(single.splits.train.examples);
    expect(single.classes!.map((c) => c.label)).toEqual([' ham\n', ' spam\n', 'ham']); // the chat record's answer is a class of its own
    // Counted as the chat lines upload writes for gpt-4o-mini (a system message in each, markers removed).
    const chat = { ...options, model: 'gpt-4o-mini', system: 'Spam or ham?', distinct_first_token: false };
    const chatSingle = await checkTokens(path, path, { ...chat, workers: 1 });
    expect(await checkTokens(path, path, { ...chat, workers: 2 })).toEqual(chatSingle);
    expect(chatSingle.format).toBe('chat');
    expect(chatSingle.splits.train.roles.system).toBe(chatSingle.splits.train.examples * 4); // 'Spam or ham?': 4 o200k tokens
  });

  it('writes the byte-identical report with no cache, a cold one and a warm one, and says what the cache did', async () => {
    const path = writeSms();
    const plain = JSON.stringify(await checkTokens(path, undefined, options), null, 2);
    for (const workers of [1, 2]) {
      const db = new StateDb(join(dir, `state-${workers}.db`));
      const run = async () => {
        let stats: CountCacheStats | undefined;
        const report = await checkTokens(path, undefined, {
          ...options, workers, countCache: (name) => db.chunks(`tokencheck:${name}`), cacheStats: (s) => void (stats = s),
        });
        return { json: JSON.stringify(report, null, 2), stats: stats! };
      };
      const cold = await run();
      expect(cold.json).toBe(plain);
      expect(cold.stats).toMatchObject({ loaded: 0, hits: 0, replaced: false });
      expect(cold.stats.saved).toBe(cold.stats.misses);
      const warm = await run();
      expect(warm.json).toBe(plain);
      expect(warm.stats).toMatchObject({ loaded: cold.stats.saved, misses: 0, saved: 0 });
      db.close();
    }
  });
});
