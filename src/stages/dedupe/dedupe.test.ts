import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runStageForTest } from '../../../test/helpers/stage.ts';
import { load } from '../load/index.ts';
import { dedupe } from './index.ts';
import { smsSpamFacts } from '../../../test/helpers/sms-spam-facts.ts';
import { referenceDedupe } from '../../../test/helpers/reference-dedupe.ts';
import { tempDir } from '../../../test/helpers/temp.ts';
import { Xoshiro128 } from '../../shared/prng.ts';

const root = resolve(import.meta.dirname, '../../..');
const dupes = resolve(root, 'test/fixtures/data/dupes.jsonl');
const sms = resolve(root, 'test/data/sms-spam/SMSSpamCollection.tsv');
const smsPath = sms;

const rowsOf = (r: Awaited<ReturnType<typeof runStageForTest>>) => r.records('dataset').map((x) => x._row);

describe('dedupe', () => {
  it('removes exactly the SMS spam rows whose text an earlier row has, and lists each removed row', async () => {
    // The test's own count over the raw TSV, texts compared exactly (dedupe's default normalize: none).
    const facts = smsSpamFacts();
    expect(facts.rows).toHaveLength(5574); // test/data/README.md
    expect(facts.repeats.length).toBe(5574 - facts.distinct);
    const loaded = await runStageForTest(load, { params: { path: sms, quote: false, prompt: 'SMS', completion: 'Label' } });
    const r = await runStageForTest(dedupe, { params: { on: 'prompt' }, inputs: { dataset: loaded.outputs.dataset!.path } });
    const report = r.json('report');
    expect(report.removed).toBe(facts.repeats.length);
    expect(r.records('dataset')).toHaveLength(facts.distinct);
    expect(report.removed_rows).toEqual(
      facts.repeats.map((x) => (x.sameLabel ? { row: x.row, reason: 'duplicate', kept: { row: x.firstRow } } : { row: x.row, reason: 'conflict' })),
    );
    expect(report.conflicts).toHaveLength(new Set(facts.repeats.filter((x) => !x.sameLabel).map((x) => x.firstRow)).size);
    const removed = new Set(facts.repeats.map((x) => x.row));
    expect(r.records('dataset').map((x) => x._row)).toEqual(facts.rows.map((x) => x.row).filter((row) => !removed.has(row)));
  });

  it('keeps the first label of a conflicting prompt by default and reports the group', async () => {
    const r = await runStageForTest(dedupe, { inputs: { dataset: dupes } });
    expect(rowsOf(r)).toEqual([1, 2, 3, 6]);
    const report = r.json('report');
    expect(report.conflicts).toEqual([{
      prompt: 'buy now',
      rows: [{ row: 3, label: 'spam' }, { row: 5, label: 'ham' }, { row: 7, label: 'spam' }],
      labels: { spam: 2, ham: 1 },
    }]);
    expect(report.removed_rows).toEqual([
      { row: 4, reason: 'duplicate', kept: { row: 1 } },
      { row: 5, reason: 'conflict' },
      { row: 7, reason: 'duplicate', kept: { row: 3 } },
    ]);
    expect(r.warnings[0]).toMatch(/1 prompt\(s\) have conflicting completions/);
  });

  it('normalizes whitespace, keeps the last occurrence, drops conflicts', async () => {
    const r = await runStageForTest(dedupe, { inputs: { dataset: dupes }, params: { normalize: 'whitespace', keep: 'last', conflicts: 'drop' } });
    expect(rowsOf(r)).toEqual([2, 4, 6]);
    expect(r.json('report')).toMatchObject({ removed: 4, conflicts_removed: 3, duplicates_removed: 1 });
    const folded = await runStageForTest(dedupe, { inputs: { dataset: dupes }, params: { normalize: 'casefold', keep: 'last', conflicts: 'drop' } });
    expect(rowsOf(folded)).toEqual([4, 6]);
  });

  it('on prompt+completion keeps distinct pairs unless they conflict', async () => {
    const r = await runStageForTest(dedupe, { inputs: { dataset: dupes }, params: { on: 'prompt+completion', conflicts: 'drop' } });
    expect(rowsOf(r)).toEqual([1, 2, 6]);
    const kept = await runStageForTest(dedupe, { inputs: { dataset: dupes }, params: { on: 'prompt+completion', keep: 'last' } });
    expect(rowsOf(kept)).toEqual([2, 4, 6, 7]);
  });

  it('fails on conflicts with conflicts: fail, naming rows and labels', async () => {
    await expect(runStageForTest(dedupe, { inputs: { dataset: dupes }, params: { conflicts: 'fail' } }))
      .rejects.toThrow(/row 3: 1 prompt\(s\) have conflicting completions/);
    try {
      await runStageForTest(dedupe, { inputs: { dataset: dupes }, params: { conflicts: 'fail' } });
    } catch (error) {
      expect((error as { details: string[] }).details[0]).toBe('row 3 "spam", row 5 "ham", row 7 "spam": "buy now"');
    }
  });
});

describe('dedupe against the reference implementation (test/helpers/reference-dedupe.ts)', async () => {
  // Real SMS texts drawn with repeats, some with extra spaces or capitals, some labels flipped, some chat records, two files.
  const sms = readFileSync(smsPath, 'utf8').trim().split('\n').slice(1, 1500).map((l) => l.split('\t'));
  const rng = new Xoshiro128(3);
  const records: Record<string, unknown>[] = [];
  for (let i = 0; i < 4000; i++) {
    const [label, text] = sms[Math.floor(rng.nextFloat() * sms.length)]!;
    const r = rng.nextFloat();
    const varied = r < 0.15 ? ` ${text}  ` : r < 0.25 ? text!.toUpperCase() : text!;
    const flipped = rng.nextFloat() < 0.05 ? (label === 'ham' ? 'spam' : 'ham') : label;
    const source = { _row: i + 1, ...(i % 2 ? { _file: 'b.jsonl' } : {}) };
    records.push(rng.nextFloat() < 0.1
      ? { messages: [{ role: 'user', content: varied }, { role: 'assistant', content: flipped }], ...source }
      : { prompt: varied, completion: flipped, ...source });
  }
  const input = join(tempDir('dedupe-ref-'), 'in.jsonl');
  writeFileSync(input, records.map((r) => JSON.stringify(r)).join('\n') + '\n');

  for (const on of ['prompt', 'prompt+completion'] as const) {
    for (const keep of ['first', 'last'] as const) {
      for (const conflicts of ['keep-first', 'drop', 'fail'] as const) {
        it(`on ${on}, keep ${keep}, conflicts ${conflicts}, every normalize`, async () => {
          for (const normalize of ['none', 'whitespace', 'casefold'] as const) {
            const options = { on, keep, normalize, conflicts };
            const expected = referenceDedupe(records, options);
            expect(expected.conflicts.length).toBeGreaterThan(0);
            const run = runStageForTest(dedupe, { params: options, inputs: { dataset: input } });
            if (expected.fails) {
              await expect(run).rejects.toThrow(`prompt(s) have conflicting completions`);
              continue;
            }
            const r = await run;
            expect(r.records('dataset')).toEqual(expected.kept.map((i) => records[i]));
            const report = r.json('report');
            expect(report.removed_rows).toEqual(expected.removed_rows);
            expect(report.conflicts).toEqual(expected.conflicts);
            expect([report.duplicates_removed, report.conflicts_removed]).toEqual([expected.duplicates_removed, expected.conflicts_removed]);
            expect(report.removed).toBe(records.length - expected.kept.length);
          }
        });
      }
    }
  }
});
