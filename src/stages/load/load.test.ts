import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { runStageForTest } from '../../../test/helpers/stage.ts';
import { load } from './index.ts';

const root = resolve(import.meta.dirname, '../../..');
const fixtures = resolve(root, 'test/fixtures/data');
const sms = resolve(root, 'test/data/sms-spam/SMSSpamCollection.tsv');
const banking = resolve(root, 'test/data/banking77/train.csv');

describe('load', () => {
  it('reads SMS spam with quote: false into 5,574 records', async () => {
    const r = await runStageForTest(load, { params: { path: sms, quote: false, prompt: 'SMS', completion: 'Label' } });
    expect(r.result && r.result.rows).toEqual({ dataset: 5574 });
    const records = r.records('dataset');
    expect(records).toHaveLength(5574);
    expect(records[0]).toMatchObject({ completion: 'ham', _row: 2 });
    expect(new Set(records.map((x) => x.completion))).toEqual(new Set(['ham', 'spam']));
  });

  it('warns to set quote: false when SMS spam is read with CSV quoting', async () => {
    const r = await runStageForTest(load, { params: { path: sms, prompt: 'SMS', completion: 'Label' } });
    expect(r.result && r.result.rows!.dataset).toBeLessThan(5574);
    expect(r.warnings.join('\n')).toMatch(/text after a closing quote .*set `quote: false`/);
  });

  it('reads Banking77 CSV with CRLF and quoted newlines', async () => {
    const r = await runStageForTest(load, { params: { path: banking, prompt: 'text', completion: 'category' } });
    const records = r.records('dataset');
    expect(records).toHaveLength(10003);
    expect(records.some((x) => String(x.prompt).includes('\n'))).toBe(true);
    expect(records.every((x) => !String(x.prompt).includes('\r'))).toBe(true);
    expect(new Set(records.map((x) => x.completion)).size).toBe(77);
  });

  it('handles a BOM, CRLF, quoted newlines and doubled quotes', async () => {
    const r = await runStageForTest(load, { dir: fixtures, params: { path: 'bom-crlf.csv', prompt: 'text', completion: 'label' } });
    expect(r.records('dataset')).toEqual([
      { prompt: 'Hello, world', completion: 'greeting', _row: 2 },
      { prompt: 'line one\nline two', completion: 'multi', _row: 3 },
      { prompt: 'say ""hi"" now', completion: 'quote', _row: 5 },
      { prompt: 'plain', completion: 'plain', _row: 6 },
    ]);
    expect(r.json('report').extra_fields).toEqual(['source']);
  });

  it('fails at the broken JSONL line 17 with path:17:', async () => {
    await expect(runStageForTest(load, { dir: fixtures, params: { path: 'broken-line-17.jsonl' } })).rejects.toThrow(/broken-line-17\.jsonl:17: invalid JSON/);
  });

  it('with on_error: skip writes the bad line to rejects and counts it', async () => {
    const r = await runStageForTest(load, { dir: fixtures, params: { path: 'broken-line-17.jsonl', on_error: 'skip' } });
    expect(r.result && r.result.rows).toEqual({ dataset: 19, rejects: 1 });
    expect(r.records('rejects')).toEqual([
      expect.objectContaining({ file: 'broken-line-17.jsonl', row: 17, raw: '{"prompt": "broken line", "completion": ' }),
    ]);
    expect(r.warnings.join('\n')).toMatch(/1 row\(s\) rejected.*broken-line-17\.jsonl:17/);
  });

  it('converts integer and boolean labels and reports it; missing or empty completions are findings', async () => {
    await expect(runStageForTest(load, { dir: fixtures, params: { path: 'typed-labels.jsonl' } })).rejects.toThrow(/typed-labels\.jsonl:4: missing completion/);
    const r = await runStageForTest(load, { dir: fixtures, params: { path: 'typed-labels.jsonl', on_error: 'skip' } });
    expect(r.records('dataset').map((x) => x.completion)).toEqual(['1', '2', 'true']);
    expect(r.json('report').coerced).toEqual({ completion: { integer: 2, boolean: 1 } });
    expect(r.records('rejects').map((x) => [x.row, x.reason])).toEqual([
      [4, "missing completion (no field 'completion')"],
      [5, "empty completion (field 'completion')"],
    ]);
    expect(r.warnings.join('\n')).toMatch(/2 integer, 1 boolean value\(s\) were converted/);
  });

  it('rejects invalid UTF-8 naming the line, unless encoding is latin1 or replace', async () => {
    const base = { path: 'latin1.tsv', prompt: 'text', completion: 'label' };
    await expect(runStageForTest(load, { dir: fixtures, params: base })).rejects.toThrow(/latin1\.tsv:3: invalid UTF-8/);
    const latin = await runStageForTest(load, { dir: fixtures, params: { ...base, encoding: 'latin1' } });
    expect(latin.records('dataset')[1]!.prompt).toBe('na\u00efve bytes');
    const replaced = await runStageForTest(load, { dir: fixtures, params: { ...base, encoding: 'replace' } });
    expect(replaced.records('dataset').map((x) => x.prompt)).toEqual(['caf\u00e9 ok', 'na\uFFFDve bytes']);
  });

  it('reads a TSV with bare quotes when quote is false', async () => {
    const r = await runStageForTest(load, { dir: fixtures, params: { path: 'bare-quotes.tsv', quote: false, prompt: 'text', completion: 'label' } });
    expect(r.records('dataset').map((x) => x.prompt)).toEqual(['He said "ok then', '"Free" prize', 'no quotes']);
  });

  it('reads a JSON array with chat records, several paths and a limit', async () => {
    const r = await runStageForTest(load, { dir: fixtures, params: { paths: ['array.json', 'broken-line-17.jsonl'], limit: 5 } });
    const records = r.records('dataset');
    expect(records).toHaveLength(5);
    expect(records[0]).toEqual({ prompt: 'a [x], {y}', completion: ' A', _row: 2, _file: 'array.json' });
    expect(records[2]!.messages).toHaveLength(2);
    expect(records[3]).toMatchObject({ _file: 'broken-line-17.jsonl', _row: 1 });
    expect(r.json('report')).toMatchObject({ limited: true, chat: 1, extra_fields: ['extra'] });
  });

  it('names headerless columns by number, or by `columns`', async () => {
    const r = await runStageForTest(load, { dir: fixtures, params: { path: 'bare-quotes.tsv', quote: false, header: false, prompt: 2, completion: 1, limit: 2 } });
    expect(r.records('dataset')[0]).toEqual({ prompt: 'text', completion: 'label', _row: 1 });
    const c = await runStageForTest(load, { dir: fixtures, params: { path: 'bare-quotes.tsv', quote: false, columns: ['y', 'x'], prompt: 'x', completion: 'y' } });
    expect(c.records('dataset')).toHaveLength(3);
  });

  it('reports the source files for the key', () => {
    expect(load.workspaceFiles!({ path: 'a.csv', paths: ['b.csv'] } as never, '/p')).toEqual(['/p/a.csv', '/p/b.csv']);
  });
});
