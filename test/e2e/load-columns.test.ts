// A first-time user's misspelt column (`prompt: txt` with the header `text,label`): run and validate name the file,
// the header and the column meant, once, instead of failing on row 2 with a hint (`on_error: skip`) that would
// reject every row.
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli.ts';

const CSV = 'text,label\nsee you at lunch,ham\nWIN a free prize now,spam\ncall me later,ham\n';
const JSONL = '{"text": "see you at lunch", "label": "ham"}\n{"text": "WIN a free prize now", "label": "spam"}\n';

/** A one-stage pipeline loading `path` with extra `with:` entries. */
function pipeline(path: string, extra: string): string {
  return `version: 1\nname: columns\nstages:\n  load:\n    with:\n      path: ${path}\n${extra}`;
}

describe('a load column that is not in the source', () => {
  it('fails run once against the CSV header with a did-you-mean, also under on_error: skip', async () => {
    for (const onError of ['fail', 'skip']) {
      const dir = makeProject({ 'data.csv': CSV, 'pipeline.yaml': pipeline('data.csv', `      prompt: txt\n      completion: label\n      on_error: ${onError}\n`) });
      const result = await runCli(['run'], { cwd: dir });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain("error: load: data.csv:1: no column 'txt' for `prompt:` (header: text, label); did you mean 'text'?");
      expect(result.stderr).toMatch(/^hint: set `prompt:` to a column of the header/m);
      expect(result.stderr).not.toContain('missing prompt');
    }
  }, 120_000);

  it('names headerless columns by number, or by `columns:`', async () => {
    const rows = CSV.split('\n').slice(1).join('\n');
    const numbered = makeProject({ 'data.csv': rows, 'pipeline.yaml': pipeline('data.csv', '      header: false\n      prompt: 1\n      completion: 3\n') });
    const byNumber = await runCli(['run'], { cwd: numbered });
    expect(byNumber.code, byNumber.stderr).toBe(1);
    expect(byNumber.stderr).toContain("data.csv:1: no column '3' for `completion:` (columns: 1, 2)");
    const named = makeProject({ 'data.csv': rows, 'pipeline.yaml': pipeline('data.csv', '      header: false\n      columns: [text, label]\n      prompt: text\n      completion: label\n') });
    const ok = await runCli(['run'], { cwd: named });
    expect(ok.code, ok.stderr).toBe(0);
  }, 120_000);

  it("fails run on a JSONL file's first row naming the row's fields and the option to check", async () => {
    const dir = makeProject({ 'data.jsonl': JSONL, 'pipeline.yaml': pipeline('data.jsonl', '      prompt: txt\n      completion: label\n') });
    const result = await runCli(['run'], { cwd: dir });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("data.jsonl:1: missing prompt (no field 'txt'); the row has 'text', 'label'; did you mean 'text'?");
    expect(result.stderr).toMatch(/^hint: check `prompt:` in the load stage/m);
  }, 120_000);

  it('is found by validate (exit 2) at the `prompt:` line, for CSV headers and JSONL first records', async () => {
    const dir = makeProject({
      'data.csv': CSV,
      'data.jsonl': JSONL,
      'pipeline.yaml': pipeline('data.csv', '      paths: [data.jsonl]\n      prompt: txt\n      completion: label\n'),
    });
    const result = await runCli(['validate'], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain("pipeline.yaml:8:15 stages.load.with.prompt: data.csv: no column 'txt' for `prompt:` (header: text, label); did you mean 'text'?");
    expect(result.stderr).toContain("pipeline.yaml:8:15 stages.load.with.prompt: data.jsonl: no field 'txt' for `prompt:` (first record, line 1: text, label); did you mean 'text'?");
    const fixed = await runCli(['validate', '--set', 'load.with.prompt=text'], { cwd: dir });
    expect(fixed.code, fixed.stderr).toBe(0);
  }, 120_000);
});
