import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runStageForTest } from '../../../test/helpers/stage.ts';
import { load } from '../load/index.ts';
import { split } from './index.ts';
import { Xoshiro128 } from '../../shared/prng.ts';
import { allocateLargestRemainder } from './allocate.ts';
import { tempDir } from '../../../test/helpers/temp.ts';
import { referenceSequence } from '../../../test/helpers/xoshiro128-reference.ts';

const sms = resolve(import.meta.dirname, '../../../test/data/sms-spam/SMSSpamCollection.tsv');

function dataset(records: object[]): string {
  const path = join(tempDir('tf-split-'), 'in.jsonl');
  writeFileSync(path, records.map((r, i) => JSON.stringify({ ...r, _row: i + 1 })).join('\n') + '\n');
  return path;
}

describe('split', async () => {
  const loaded = await runStageForTest(load, { params: { path: sms, quote: false, prompt: 'SMS', completion: 'Label' } });
  const smsData = loaded.outputs.dataset!.path;

  it('keeps the SMS ham/spam ratio within one row of exact in both sets (20%, stratified)', async () => {
    const r = await runStageForTest(split, { inputs: { dataset: smsData }, params: { valid: 0.2, seed: 42 } });
    const all = loaded.records('dataset');
    const spamShare = all.filter((x) => x.completion === 'spam').length / all.length;
    for (const name of ['train', 'valid']) {
      const part = r.records(name);
      const spam = part.filter((x) => x.completion === 'spam').length;
      expect(Math.abs(spam - spamShare * part.length)).toBeLessThanOrEqual(1);
    }
    expect(r.records('valid')).toHaveLength(Math.round(0.2 * all.length));
    expect(r.records('train').length + r.records('valid').length).toBe(all.length);
    expect(r.json('report')).toMatchObject({ stratified: true, classification: true, classes: [{ label: 'ham' }, { label: 'spam' }] });
  });

  it('gives identical bytes for the same seed and a different split for another seed', async () => {
    const a = await runStageForTest(split, { inputs: { dataset: smsData }, params: { seed: 7 } });
    const b = await runStageForTest(split, { inputs: { dataset: smsData }, params: { seed: 7 } });
    const c = await runStageForTest(split, { inputs: { dataset: smsData }, params: { seed: 8 } });
    expect(b.outputs.valid!.hash).toBe(a.outputs.valid!.hash);
    expect(b.outputs.train!.hash).toBe(a.outputs.train!.hash);
    expect(c.outputs.valid!.hash).not.toBe(a.outputs.valid!.hash);
  });

  it('puts every class in both sets and fails naming a class with one example', async () => {
    const ok = dataset([...Array(30)].map((_, i) => ({ prompt: `p${i}`, completion: i < 27 ? 'big' : 'small' })));
    const r = await runStageForTest(split, { inputs: { dataset: ok }, params: { valid: 0.1 } });
    expect(r.json('report').classes).toEqual([
      { label: 'big', total: 27, train: 25, valid: 2 },
      { label: 'small', total: 3, train: 2, valid: 1 },
    ]);
    const bad = dataset([...Array(30)].map((_, i) => ({ prompt: `p${i}`, completion: i < 29 ? 'big' : 'lonely' })));
    await expect(runStageForTest(split, { inputs: { dataset: bad } })).rejects.toThrow("split: 1 class(es) have fewer than 2 examples and cannot be in both train and valid: 'lonely' (row 30)");
  });

  it('drop_rare removes the rows of classes below min_class_size and lists them in the report', async () => {
    const rows = [...Array(40)].map((_, i) => ({ prompt: `p${i}`, completion: i % 2 ? 'ham' : 'spam' }));
    rows.push({ prompt: 'x', completion: 'urgent' }, { prompt: 'y', completion: 'rare' }, { prompt: 'z', completion: 'rare' });
    const input = dataset(rows);
    await expect(runStageForTest(split, { inputs: { dataset: input }, params: { min_class_size: 3 } })).rejects.toThrow(
      "split: 2 class(es) have fewer than 3 examples (min_class_size: 3): 'rare' (row 42), 'urgent' (row 41)",
    );
    const r = await runStageForTest(split, { inputs: { dataset: input }, params: { min_class_size: 3, drop_rare: true, valid: 0.25 } });
    expect(r.json('report').dropped).toEqual({
      min_class_size: 3, rows: 3,
      classes: [{ label: 'rare', total: 2, rows: ['row 42', 'row 43'] }, { label: 'urgent', total: 1, rows: ['row 41'] }],
    });
    expect(r.json('report').classes.map((c: { label: string }) => c.label)).toEqual(['ham', 'spam']);
    expect(r.records('train').length + r.records('valid').length).toBe(40);
    expect(r.records('valid')).toHaveLength(10);
    expect(r.warnings.join('\n')).toContain("drop_rare: removed 3 row(s) of 2 class(es) with fewer than 3 examples: 'rare' (row 42, row 43), 'urgent' (row 41)");
    // Nothing rare: the same bytes as without drop_rare.
    const plain = dataset(rows.slice(0, 40));
    const a = await runStageForTest(split, { inputs: { dataset: plain }, params: {} });
    const b = await runStageForTest(split, { inputs: { dataset: plain }, params: { drop_rare: true } });
    expect(b.outputs.valid!.hash).toBe(a.outputs.valid!.hash);
    expect(b.outputs.report!.hash).toBe(a.outputs.report!.hash);
  });

  it('drop_rare with group_by counts a class in groups and drops whole groups', async () => {
    // 'ham' and 'spam' in 6 users each; 'urgent' twice, both from one user (one group: too few to split).
    const rows = [...Array(36)].map((_, i) => ({ prompt: `p${i}`, completion: i % 2 ? 'ham' : 'spam', user: `u${i % 12}` }));
    rows.push({ prompt: 'x', completion: 'urgent', user: 'u99' }, { prompt: 'y', completion: 'urgent', user: 'u99' });
    const input = dataset(rows);
    await expect(runStageForTest(split, { inputs: { dataset: input }, params: { group_by: 'user', valid: 0.25 } })).rejects.toThrow("fewer than 2 groups and cannot be in both train and valid: 'urgent' (row 37)");
    const r = await runStageForTest(split, { inputs: { dataset: input }, params: { group_by: 'user', valid: 0.25, drop_rare: true } });
    expect(r.json('report').dropped).toEqual({ min_class_size: 2, rows: 2, classes: [{ label: 'urgent', total: 2, rows: ['row 37', 'row 38'] }] });
    const users = (name: string) => new Set(r.records(name).map((x) => x.user));
    expect([...users('valid')].filter((u) => users('train').has(u))).toEqual([]);
    expect(r.records('train').length + r.records('valid').length).toBe(36);
  });

  it('drop_rare drops nothing from data that is not classification, and says so', async () => {
    const records = [...Array(12)].map((_, i) => ({ prompt: `p${i}`, completion: `free text ${i}` }));
    const r = await runStageForTest(split, { inputs: { dataset: dataset(records) }, params: { drop_rare: true, valid: 3 } });
    expect(r.records('train').length + r.records('valid').length).toBe(12);
    expect(r.json('report').dropped).toBeUndefined();
    expect(r.warnings.join('\n')).toContain('drop_rare: the data is not classification (12 distinct completions in 12 records), so no class was dropped');
  });

  it('takes a count, and keeps groups together', async () => {
    const records = [...Array(40)].map((_, i) => ({ prompt: `p${i}`, completion: `free text ${i}`, user: `u${i % 8}` }));
    const r = await runStageForTest(split, { inputs: { dataset: dataset(records) }, params: { valid: 10, group_by: 'user' } });
    const validUsers = new Set(r.records('valid').map((x) => x.user));
    const trainUsers = new Set(r.records('train').map((x) => x.user));
    expect([...validUsers].filter((u) => trainUsers.has(u))).toEqual([]);
    expect(r.records('valid')).toHaveLength(10);
    expect(r.json('report')).toMatchObject({ stratified: false, groups: 8 });
    const counted = await runStageForTest(split, { inputs: { dataset: dataset(records) }, params: { valid: 7 } });
    expect(counted.records('valid')).toHaveLength(7);
  });

  it('uses xoshiro128** seeded by sha256, the documented generator', () => {
    // Compared with the test's own xoshiro128** (from the reference C code, seeded as documented), not a snapshot.
    const rng = new Xoshiro128(42);
    expect(Array.from({ length: 100 }, () => rng.nextUint32())).toEqual(referenceSequence(42, 100));
    // By hand: 4 * [10, 5, 1] / 16 = [2.5, 1.25, 0.25] -> floors [2, 1, 0] + 1 to the largest fraction = [3, 1, 0];
    // every class gets at least 1 -> [3, 1, 1]; 5 > 4, and the only class above 1 gives one back.
    expect(allocateLargestRemainder([10, 5, 1], 4)).toEqual([2, 1, 1]);
    // 1115 * [4825, 749] / 5574 = [965.17.., 149.82..] -> floors [965, 149] + 1 to the larger fraction.
    expect(allocateLargestRemainder([4825, 749], 1115)).toEqual([965, 150]);
  });
});
