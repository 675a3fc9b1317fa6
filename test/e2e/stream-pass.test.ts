// Streaming passes (issue 6, issue 16): load -> dedupe -> suffix -> split share one pass over the records, with lazy
// rows (the load thread's bytes) between them, and every output is byte-identical to running the stages one at a time
// (`run --stage ID` each, so each is a pass of one fed by the JSONL reader with plain rows). Real SMS Spam data, real CLI.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, runJson, runStageByStage, startCli, waitFor } from '../helpers/cli.ts';

const SMS = readFileSync(join(import.meta.dirname, '..', 'data', 'sms-spam', 'SMSSpamCollection.tsv'), 'utf8');
const STAGES = ['load', 'dedupe', 'suffix', 'split'];

function pipeline(stages: { load?: string; dedupe?: string; suffix?: string; split?: string } = {}): string {
  return `version: 1
name: stream-pass
model: babbage-002
stages:
  load:
    with: ${stages.load ?? '{ path: data/sms.tsv, prompt: SMS, completion: Label }'}
  dedupe:
    with: ${stages.dedupe ?? '{}'}
  suffix:
    with: ${stages.suffix ?? '{ prompt: "\\n\\n###\\n\\n", completion: "\\n", leading_space: true }'}
  split:
    with: ${stages.split ?? '{ valid: 0.2, seed: 7 }'}
`;
}

/** SMS rows as JSONL, `copies` times over (exact repeats for dedupe); copy 2 flips the label of every 50th row (conflicts). */
function smsJsonl(copies: number): string {
  const rows = SMS.trim().split('\n').slice(1).map((l) => l.split('\t'));
  const out: string[] = [];
  for (let c = 0; c < copies; c++) {
    rows.forEach(([label, text], i) => {
      const flipped = c === 2 && i % 50 === 0 ? (label === 'ham' ? 'spam' : 'ham') : label;
      out.push(JSON.stringify({ text: c % 3 === 0 ? text : `${text} (${c % 7})`, label: flipped }));
    });
  }
  return out.join('\n') + '\n';
}

/** Every stage's output hashes, from `run --json`. */
const hashes = (report: { stages: { id: string; outputs: Record<string, { hash: string }> }[] }) =>
  Object.fromEntries(report.stages.map((s) => [s.id, Object.fromEntries(Object.entries(s.outputs).map(([n, o]) => [n, o.hash]))]));

/** Runs the same project twice, in one pass and one stage at a time, and returns both reports. */
async function bothWays(files: Record<string, string>) {
  const fused = await runJson([], { cwd: makeProject(files) });
  const byStage = await runStageByStage(STAGES, { cwd: makeProject(files) });
  if (!byStage.final) throw new Error(`run --stage ${byStage.failed} failed:\n${byStage.steps.at(-1)!.stderr}`);
  for (const [k, step] of byStage.steps.entries()) expect(step.stderr, STAGES[k]).not.toContain('in one pass');
  return { fused, oneByOne: byStage.final };
}

const passReason = (report: { stages: { id: string; reasons: string[] }[] }, id: string) =>
  report.stages.find((s) => s.id === id)!.reasons.some((r) => r === "in one pass with 'load'");

describe('streaming pass', () => {
  it('gives the same bytes as running the stages one by one (SMS Spam TSV)', async () => {
    const { fused, oneByOne } = await bothWays({ 'pipeline.yaml': pipeline(), 'data/sms.tsv': SMS });
    expect(fused.code).toBe(0);
    expect(fused.status).toEqual({ load: 'ran', dedupe: 'ran', suffix: 'ran', split: 'ran' });
    for (const id of ['dedupe', 'suffix', 'split']) expect(passReason(fused.report, id)).toBe(true);
    expect(oneByOne.status).toEqual({ load: 'cached', dedupe: 'cached', suffix: 'cached', split: 'cached' });
    expect(hashes(fused.report)).toEqual(hashes(oneByOne.report));
    const rows = (r: typeof fused) => r.report.stages.find((s: { id: string }) => s.id === 'dedupe').outputs.dataset.rows;
    expect(rows(fused)).toBeGreaterThan(5000);
    expect(rows(fused)).toBe(rows(oneByOne));
  });

  it('gives the same bytes on a 10 MB file loaded in a thread, with duplicates and conflicting labels', async () => {
    const data = smsJsonl(20);
    expect(data.length).toBeGreaterThan(8 << 20);
    const files = { 'pipeline.yaml': pipeline({ load: '{ path: data/sms.jsonl, prompt: text, completion: label }' }), 'data/sms.jsonl': data };
    const { fused, oneByOne } = await bothWays(files);
    expect(fused.code).toBe(0);
    expect(passReason(fused.report, 'split')).toBe(true);
    expect(hashes(fused.report)).toEqual(hashes(oneByOne.report));
    const dedupe = fused.report.stages.find((s: { id: string }) => s.id === 'dedupe');
    const report = JSON.parse(readFileSync(dedupe.outputs.report.path, 'utf8'));
    expect(report.duplicates_removed).toBeGreaterThan(50_000);
    expect(report.conflicts.length).toBeGreaterThan(50);
  });

  it('gives the same bytes for several files, chat records and normalized dedupe', async () => {
    const chat = SMS.trim().split('\n').slice(1, 400).map((l) => {
      const [label, text] = l.split('\t');
      return JSON.stringify({ messages: [{ role: 'user', content: `  ${text}` }, { role: 'assistant', content: label }] });
    });
    const files = {
      'pipeline.yaml': pipeline({ load: '{ paths: [data/a.jsonl, data/b.jsonl] }', dedupe: '{ normalize: whitespace }' }),
      'data/a.jsonl': chat.join('\n') + '\n',
      'data/b.jsonl': chat.slice(0, 150).map((l) => l.replace('"content":"  ', '"content":" ')).join('\n') + '\n',
    };
    const { fused, oneByOne } = await bothWays(files);
    expect(fused.code).toBe(0);
    expect(passReason(fused.report, 'suffix')).toBe(true);
    expect(hashes(fused.report)).toEqual(hashes(oneByOne.report));
  });

  it('keeps the pass going when suffix must scan first (prompt: auto, labels: auto): it rewrites in end(), and still matches', async () => {
    const files = { 'pipeline.yaml': pipeline({ suffix: '{ labels: auto }' }), 'data/sms.tsv': SMS };
    const { fused, oneByOne } = await bothWays(files);
    expect(['dedupe', 'suffix', 'split'].map((id) => passReason(fused.report, id))).toEqual([true, true, true]);
    expect(hashes(fused.report)).toEqual(hashes(oneByOne.report));
    expect(Object.keys(hashes(fused.report).suffix!)).toEqual(['dataset', 'labels']);
  });

  it('keeps the pass going through a dedupe that decides in end() (keep: last, conflicts: drop), and still matches', async () => {
    for (const dedupe of ['{ keep: last }', '{ conflicts: drop, on: prompt+completion }']) {
      const files = { 'pipeline.yaml': pipeline({ dedupe, load: '{ path: data/sms.jsonl, prompt: text, completion: label }' }), 'data/sms.jsonl': smsJsonl(20) };
      const { fused, oneByOne } = await bothWays(files);
      expect(fused.code).toBe(0);
      expect(['dedupe', 'suffix', 'split'].map((id) => passReason(fused.report, id))).toEqual([true, true, true]);
      expect(hashes(fused.report), dedupe).toEqual(hashes(oneByOne.report));
    }
  });

  it('gives the same bytes when the pass starts at a stage fed by a file written by another program', async () => {
    // A command stage writes the dataset with its own spacing and escapes: lines are not JSON.stringify(record).
    const rows = SMS.trim().split('\n').slice(1, 600).map((l, i) => {
      const [label, text] = l.split('\t');
      const record = i % 3 === 0 ? { messages: [{ role: 'user', content: text }, { role: 'assistant', content: label }] } : { prompt: text, completion: label };
      return JSON.stringify(record, null, 0).replace(/":/g, '": ').replace(/é/g, '\\u00e9');
    });
    const yaml = `version: 1
name: foreign
model: babbage-002
stages:
  make:
    uses: command
    with: { run: [node, -e, "require('fs').writeFileSync(process.argv[1], require('fs').readFileSync('rows.jsonl'))", "{out.dataset}"], outputs: [dataset], deps: [rows.jsonl] }
  dedupe:
    with: { keep: last }
  suffix:
    with: { prompt: "\\n\\n###\\n\\n", completion: "\\n", leading_space: true }
  split:
    with: { valid: 0.2, seed: 7 }
`;
    const files = { 'pipeline.yaml': yaml, 'rows.jsonl': rows.join('\n') + '\n' };
    const fused = await runJson([], { cwd: makeProject(files) });
    expect(fused.code, fused.stderr).toBe(0);
    expect(['suffix', 'split'].map((id) => fused.report.stages.find((s: { id: string }) => s.id === id).reasons.includes("in one pass with 'dedupe'"))).toEqual([true, true]);
    const byStage = await runStageByStage(['make', 'dedupe', 'suffix', 'split'], { cwd: makeProject(files) });
    expect(hashes(fused.report)).toEqual(hashes(byStage.final!.report));
  });

  it('reports a failure inside the pass exactly as without one, and keeps what succeeded', async () => {
    const data = smsJsonl(3);
    const files = { 'pipeline.yaml': pipeline({ load: '{ path: data/sms.jsonl, prompt: text, completion: label }', dedupe: '{ conflicts: fail }' }), 'data/sms.jsonl': data };
    const fusedDir = makeProject(files);
    const fused = await runCli(['run'], { cwd: fusedDir });
    const byStage = await runStageByStage(STAGES, { cwd: makeProject(files) });
    const oneByOne = byStage.steps.at(-1)!;
    expect(fused.code).toBe(1);
    expect(byStage.failed).toBe('dedupe');
    expect(oneByOne.code).toBe(1);
    const errorLine = (s: string) => s.split('\n').find((l) => l.includes('conflicting completions'));
    expect(errorLine(fused.stderr)).toBeTruthy();
    expect(errorLine(fused.stderr)).toBe(errorLine(oneByOne.stderr));
    const again = await runJson([], { cwd: fusedDir });
    expect(again.status.load).toBe('cached');
    expect(again.status.dedupe).toBe('failed');
  });

  it('keeps early cutoff: a load that reruns to the same bytes leaves the stages after it cached', async () => {
    const dir = makeProject({ 'pipeline.yaml': pipeline(), 'data/sms.tsv': SMS });
    expect((await runJson([], { cwd: dir })).code).toBe(0);
    const file = join(dir, 'pipeline.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('completion: Label }', 'completion: Label, limit: 1000000 }'));
    const rerun = await runJson([], { cwd: dir });
    expect(rerun.status).toEqual({ load: 'ran', dedupe: 'cached', suffix: 'cached', split: 'cached' });
  });

  it('stops on Ctrl-C while the load thread runs: exit 130, the stage named, nothing cached or left behind', async () => {
    const dir = makeProject({ 'pipeline.yaml': pipeline({ load: '{ path: data/sms.jsonl, prompt: text, completion: label }' }), 'data/sms.jsonl': smsJsonl(40) });
    const run = startCli(['run'], { cwd: dir });
    await waitFor(() => /load: [\d,]+ rows/.test(run.output().stdout + run.output().stderr), 30_000, 'load progress');
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('pipeline.yaml:load: interrupted');
    const tmp = join(dir, '.tunefile', 'tmp');
    expect(existsSync(tmp) ? readdirSync(tmp) : []).toEqual([]);
    const again = await runJson([], { cwd: dir });
    expect(again.status).toEqual({ load: 'ran', dedupe: 'ran', suffix: 'ran', split: 'ran' });
  });
});
