// e2e (issue 14): a class with one example is no dead end: split's hint names `drop_rare`, which removes its rows,
// lists them in split's report, and gives the same bytes in a streaming pass as stage by stage.
import { describe, expect, it } from 'vitest';
import { cloneProject, makeProject, runCli, runJson, runStageByStage } from '../helpers/cli.ts';

/** 40 ham/spam messages, one 'urgent' (row 41) and two 'phishing' (rows 42, 43). */
function data(): string {
  const rows = Array.from({ length: 40 }, (_, i) => ({ prompt: i % 2 ? `see you at lunch, table ${i}` : `WIN a free prize, call 0800 ${i}`, completion: i % 2 ? 'ham' : 'spam' }));
  rows.push({ prompt: 'your account is locked, act now', completion: 'urgent' });
  rows.push({ prompt: 'verify your bank password here', completion: 'phishing' }, { prompt: 'confirm your card pin today', completion: 'phishing' });
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

const PIPELINE = `version: 1
name: rare-classes
model: babbage-002
stages:
  load:
    with: { path: data.jsonl }
  dedupe: {}
  suffix:
    with: { prompt: "\\n\\n###\\n\\n", completion: "\\n" }
  split:
    with: { valid: 0.25, seed: 3 }
  tokencheck: {}
`;

describe('a class too small for a stratified split', () => {
  it('fails with a hint that leads somewhere: drop_rare removes its rows, lists them, and tokencheck passes', async () => {
    const dir = makeProject({ 'pipeline.yaml': PIPELINE, 'data.jsonl': data() });
    const failed = await runCli(['run'], { cwd: dir });
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain("split: 1 class(es) have fewer than 2 examples and cannot be in both train and valid: 'urgent' (row 41)");
    expect(failed.stderr).toMatch(/^hint: .*`drop_rare: true` on the split stage/m);
    expect(failed.stderr).not.toContain('stratify: false');

    const set = ['--set', 'split.with.drop_rare=true', '--set', 'split.with.min_class_size=3'];
    const ok = await runJson(set, { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.status).toMatchObject({ split: 'ran', tokencheck: 'ran' });
    expect(ok.stderr).toContain("split: warning: drop_rare: removed 3 row(s) of 2 class(es) with fewer than 3 examples: 'phishing' (row 42, row 43), 'urgent' (row 41)");
    const report = JSON.parse((await runCli(['show', 'split', 'report'], { cwd: dir })).stdout);
    expect(report.dropped).toEqual({
      min_class_size: 3, rows: 3,
      classes: [{ label: 'phishing', total: 2, rows: ['row 42', 'row 43'] }, { label: 'urgent', total: 1, rows: ['row 41'] }],
    });
    expect(report.train + report.valid).toBe(40);

    // The same outputs in one streaming pass (load -> split, the default) as stage by stage.
    const split = (r: typeof ok) => (r.report.stages as { id: string; outputs: Record<string, { hash: string }> }[]).find((s) => s.id === 'split')!.outputs;
    const streamed = await runJson(set, { cwd: cloneProject(dir) });
    const staged = (await runStageByStage(['load', 'dedupe', 'suffix', 'split'], { cwd: cloneProject(dir), args: set })).final!;
    expect(streamed.stderr).toMatch(/^split: running\W+in one pass with 'load'/m);
    for (const name of ['train', 'valid', 'report']) {
      expect(split(streamed)[name]!.hash, name).toBe(split(ok)[name]!.hash);
      expect(split(staged)[name]!.hash, name).toBe(split(ok)[name]!.hash);
    }
  }, 60_000);
});
