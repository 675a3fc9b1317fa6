// End to end: the data stages inside `tunefile run` on the real SMS spam and Banking77 files.
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, makeProject, runCli, runJson } from '../helpers/cli.ts';
import { smsSpamFacts } from '../helpers/sms-spam-facts.ts';
import { stateRows } from '../helpers/state-db.ts';

const SMS_PIPELINE = `version: 1
name: sms-spam-data
model: babbage-002
stages:
  load:
    with: { path: data/sms.tsv, quote: false, prompt: SMS, completion: Label }
  dedupe:
    with: { on: prompt }
  suffix:
    with: { prompt: "\\n\\n###\\n\\n", completion: "\\n", leading_space: true }
  split:
    with: { valid: 0.2, seed: 42 }
  tokencheck: {}
`;

const BANKING_PIPELINE = (labels: string) => `version: 1
name: banking77-data
model: babbage-002
stages:
  load:
    with: { path: data/train.csv, prompt: text, completion: category }
  suffix:
    with: { prompt: "\\n\\n###\\n\\n"${labels} }
  split:
    with: { valid: 0.2, seed: 1 }
  tokencheck: {}
`;

function smsProject(): string {
  const dir = makeProject({ 'pipeline.yaml': SMS_PIPELINE });
  mkdirSync(join(dir, 'data'));
  copyFileSync(join(REPO, 'test/data/sms-spam/SMSSpamCollection.tsv'), join(dir, 'data/sms.tsv'));
  return dir;
}

describe('data stages in tunefile run', () => {
  it('runs load -> dedupe -> suffix -> split -> tokencheck on SMS spam, then caches everything', async () => {
    const dir = smsProject();
    const first = await runJson([], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.status).toEqual({ load: 'ran', dedupe: 'ran', suffix: 'ran', split: 'ran', tokencheck: 'ran' });
    const out = (id: string) => first.report.stages.find((s: { id: string }) => s.id === id).outputs;
    // The test's own count over the raw TSV: dedupe (on: prompt, no normalization) keeps the distinct texts.
    const { distinct } = smsSpamFacts();
    expect(out('load').dataset.rows).toBe(5574); // test/data/README.md
    expect(out('dedupe').dataset.rows).toBe(distinct);
    expect(out('split').train.rows + out('split').valid.rows).toBe(distinct);
    expect(out('split').valid.rows).toBe(Math.round(0.2 * distinct));
    expect(out('tokencheck').train.hash).toBe(out('split').train.hash);
    expect(out('tokencheck').valid.hash).toBe(out('split').valid.hash);
    const report = JSON.parse(readFileSync(out('tokencheck').report.path, 'utf8'));
    expect(report.classes.map((c: { first_token: string }) => c.first_token)).toEqual([' ham', ' spam']);
    const lock = readFileSync(join(dir, 'pipeline.lock'), 'utf8');
    expect(lock).toContain('estimated_cost_usd');

    const second = await runJson([], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.status).toEqual({ load: 'cached', dedupe: 'cached', suffix: 'cached', split: 'cached', tokencheck: 'cached' });

    const reseeded = await runJson(['--set', 'split.with.seed=7'], { cwd: dir });
    expect(reseeded.status).toEqual({ load: 'cached', dedupe: 'cached', suffix: 'cached', split: 'ran', tokencheck: 'ran' });
    const split7 = reseeded.report.stages.find((s: { id: string }) => s.id === 'split').outputs;
    expect(split7.valid.hash).not.toBe(out('split').valid.hash);
  });

  it('keeps token counts in state.db, so a changed split counts no text again and reports the same as a fresh project', async () => {
    const dir = smsProject();
    const first = await runJson([], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const chunks = () => stateRows<{ id: number; bytes: number }>(dir, "SELECT id, length(data) AS bytes FROM chunks WHERE namespace = 'tokencheck:token-counts:cl100k_base' ORDER BY id");
    const stored = chunks();
    expect(stored.length).toBeGreaterThan(0);
    // An entry of 24 bytes for each distinct prompt (the distinct texts of the raw file, counted by the test) and
    // each of the 2 completions, plus chunk headers: more than 24 bytes a distinct text.
    expect(stored.reduce((a, c) => a + Number(c.bytes), 0)).toBeGreaterThan(smsSpamFacts().distinct * 24);

    const reseeded = await runJson(['--set', 'split.with.seed=7'], { cwd: dir });
    expect(reseeded.status.tokencheck).toBe('ran');
    expect(chunks()).toEqual(stored);

    const fresh = smsProject();
    const cold = await runJson(['--set', 'split.with.seed=7'], { cwd: fresh });
    const report = (r: typeof cold) => r.report.stages.find((s: { id: string }) => s.id === 'tokencheck').outputs.report.hash;
    expect(report(reseeded)).toBe(report(cold));
  });

  it('fails tokencheck on Banking77 naming colliding labels, and passes with suffix labels: auto', async () => {
    const dir = makeProject({ 'pipeline.yaml': BANKING_PIPELINE('') });
    mkdirSync(join(dir, 'data'));
    copyFileSync(join(REPO, 'test/data/banking77/train.csv'), join(dir, 'data/train.csv'));
    const failed = await runCli(['run'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/'card_arrival', .*'card_linking'.* share the first token ' card'/);
    expect(failed.stderr).toMatch(/labels: auto/);

    const fixed = makeProject({ 'pipeline.yaml': BANKING_PIPELINE(', labels: auto') });
    cpSync(join(dir, 'data'), join(fixed, 'data'), { recursive: true });
    const ok = await runJson([], { cwd: fixed });
    expect(ok.code, ok.stderr).toBe(0);
    const labels = ok.report.stages.find((s: { id: string }) => s.id === 'suffix').outputs.labels;
    const artifact = JSON.parse(readFileSync(labels.path, 'utf8'));
    expect(Object.keys(artifact.labels)).toHaveLength(77);
    expect(artifact.encoding).toBe('cl100k_base');
  });

  it.runIf(existsSync(join(REPO, 'pipelines/sms-spam.yaml')))('runs load -> tokencheck of a fresh copy of pipelines/sms-spam.yaml offline, then fully cached', async () => {
    const dir = makeProject();
    cpSync(join(REPO, 'pipelines'), join(dir, 'pipelines'), { recursive: true });
    cpSync(join(REPO, 'test/data'), join(dir, 'test/data'), { recursive: true });
    const args = ['pipelines/sms-spam.yaml', '--stage', 'tokencheck'];
    const first = await runJson(args, { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.status).toEqual({ load: 'ran', dedupe: 'ran', suffix: 'ran', split: 'ran', tokencheck: 'ran' });
    const second = await runJson(args, { cwd: dir });
    expect(second.status).toEqual({ load: 'cached', dedupe: 'cached', suffix: 'cached', split: 'cached', tokencheck: 'cached' });
  });
});
