// Issue 14, corrupt cache data: a blob whose bytes were changed in place (same size, so only a rehash sees it) is
// never read by a stage that runs, --verify re-examines the consumers of a corrupt blob, and a command stage cannot
// rewrite the cache through its input paths (`sed -i`).
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runJson } from '../helpers/cli.ts';
import { SMS_PIPELINE, checkBlobs, jobsPerKey, makeSmsProject } from './sms.ts';

const ENV = { TUNEFILE_LOCAL_STEP_DELAY_MS: '0' };

/** The blob path of `stage`'s output `name`, from the lock file. */
function blobOf(dir: string, stage: string, name: string): string {
  const lock = JSON.parse(readFileSync(join(dir, 'pipelines', 'sms-spam.lock'), 'utf8'));
  const hash = lock.stages[stage].outputs[name].hash as string;
  return join(dir, '.tunefile', 'cache', 'blobs', hash.slice(0, 2), hash);
}

/** Changes the label " ham" to " hXm" in the first `rows` rows of a cached dataset: same size, other bytes. */
function corruptLabels(blob: string, rows: number): void {
  chmodSync(blob, 0o644);
  let changed = 0;
  const lines = readFileSync(blob, 'utf8').split('\n').map((line) => {
    if (changed >= rows || !line.includes('"completion":" ham\\n"')) return line;
    changed++;
    return line.replace('"completion":" ham\\n"', '"completion":" hXm\\n"');
  });
  expect(changed).toBe(rows);
  writeFileSync(blob, lines.join('\n'));
  chmodSync(blob, 0o444);
}

/** The distinct completions of a JSONL dataset file. */
function labelsOf(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  return [...new Set(lines.map((l) => (JSON.parse(l) as { completion: string }).completion))].sort();
}

const stageOf = (report: { stages: { id: string }[] }, id: string) => report.stages.find((s) => s.id === id) as any;

describe('corrupt cache data (issue 14)', () => {
  it('a stage that runs verifies its input: the corrupt blob is removed and its producer reruns, so split, train and evaluate see the right data', async () => {
    const dir = makeSmsProject({ rows: 800 });
    const first = await runJson([SMS_PIPELINE], { cwd: dir, env: ENV });
    expect(first.code, first.stderr).toBe(0);
    corruptLabels(blobOf(dir, 'suffix', 'dataset'), 30);

    const run = await runJson([SMS_PIPELINE, '--set', 'params.seed=44'], { cwd: dir, env: ENV });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/split: warning: input 'dataset' \(blob [0-9a-f]{12}, made by 'suffix'\) is corrupt .*'suffix' reruns/);
    expect(run.status).toMatchObject({ load: 'cached', dedupe: 'cached', suffix: 'ran', split: 'ran', train: 'ran', evaluate: 'ran' });
    expect(stageOf(run.report, 'suffix').reasons.join('; ')).toContain("output 'dataset' was corrupt in the cache");
    // The rerun made the original bytes again, and split read them: two classes, not three.
    expect(stageOf(run.report, 'suffix').outputs.dataset.hash).toBe(stageOf(first.report, 'suffix').outputs.dataset.hash);
    expect(labelsOf(stageOf(run.report, 'split').outputs.train.path)).toEqual([' ham\n', ' spam\n']);
    expect(labelsOf(stageOf(run.report, 'split').outputs.valid.path)).toEqual([' ham\n', ' spam\n']);
    expect(readFileSync(stageOf(run.report, 'evaluate').outputs.metrics.path, 'utf8')).not.toContain('hXm');
    expect(checkBlobs(dir)).toBeGreaterThan(0);

    const verify = await runJson([SMS_PIPELINE, '--set', 'params.seed=44', '--verify'], { cwd: dir, env: ENV });
    expect(verify.code, verify.stderr).toBe(0);
    expect(Object.values(verify.status).every((s) => s === 'cached'), JSON.stringify(verify.status)).toBe(true);
    expect(verify.stderr).not.toContain('corrupt');
  }, 120_000);

  it('--verify re-examines the consumers of a corrupt blob: they rerun instead of restoring, and early cutoff keeps the rest cached', async () => {
    const dir = makeSmsProject({ rows: 400 });
    const args = [SMS_PIPELINE, '--stage', 'tokencheck'];
    const first = await runJson(args, { cwd: dir, env: ENV });
    expect(first.code, first.stderr).toBe(0);
    corruptLabels(blobOf(dir, 'suffix', 'dataset'), 5);

    const verify = await runJson([...args, '--verify'], { cwd: dir, env: ENV });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toContain('suffix: warning: corrupted cache blob');
    // split's cached result read a blob that was found corrupt: it cannot be trusted, so split runs again.
    expect(verify.status).toEqual({ load: 'cached', dedupe: 'cached', suffix: 'ran', split: 'ran', tokencheck: 'cached' });
    expect(stageOf(verify.report, 'split').reasons.join('; ')).toContain("input 'dataset' was corrupt in the cache");
    expect(stageOf(verify.report, 'split').outputs.train.hash).toBe(stageOf(first.report, 'split').outputs.train.hash);
    expect(checkBlobs(dir)).toBeGreaterThan(0);
  }, 120_000);

  it('checks the data before it is uploaded: a corrupt train set makes split run again before upload runs', async () => {
    const dir = makeSmsProject({ rows: 800 });
    const first = await runJson([SMS_PIPELINE], { cwd: dir, env: ENV });
    expect(first.code, first.stderr).toBe(0);
    // split's `train` and tokencheck's `train` are one blob (tokencheck passes it through unchanged).
    corruptLabels(blobOf(dir, 'tokencheck', 'train'), 10);

    const run = await runJson([SMS_PIPELINE, '--force', 'upload'], { cwd: dir, env: ENV });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/upload: warning: input 'train' \(blob [0-9a-f]{12}, made by 'tokencheck'\) is corrupt/);
    expect(run.stderr.indexOf('upload: warning')).toBeLessThan(run.stderr.indexOf('upload: ran'));
    // tokencheck's output is split's again once split has made it, so tokencheck restores it; upload then runs.
    expect(run.status).toMatchObject({ suffix: 'cached', split: 'ran', tokencheck: 'cached', upload: 'ran', train: 'cached', evaluate: 'cached' });
    expect(stageOf(run.report, 'upload').outputs.files.hash).toBe(stageOf(first.report, 'upload').outputs.files.hash);
    expect(Object.values(jobsPerKey(dir))).toEqual([1]);
    expect(checkBlobs(dir)).toBeGreaterThan(0);
  }, 120_000);

  it('a command stage gets copies of its inputs: `sed -i {in.dataset}` edits the copy, never the cache', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => JSON.stringify({ prompt: `message ${i}`, completion: i % 3 ? 'ham' : 'spam' }));
    const dir = makeProject({
      'data.jsonl': rows.join('\n') + '\n',
      'pipeline.yaml': `version: 1
name: sed-in-place
stages:
  load:
    with: { path: data.jsonl }
  edit:
    uses: command
    with:
      run: [sh, -c, 'sed -i s/ham/hXm/ "$0" && cp "$0" "$1"', "{in.dataset}", "{out.edited}"]
`,
    });
    const run = await runJson([], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(stageOf(run.report, 'edit').outputs.edited.path, 'utf8')).toContain('hXm');
    const loaded = stageOf(run.report, 'load').outputs.dataset.path as string;
    expect(readFileSync(loaded, 'utf8')).not.toContain('hXm');
    expect(checkBlobs(dir)).toBeGreaterThanOrEqual(2);
    const verify = await runJson(['--verify'], { cwd: dir });
    expect(verify.status).toEqual({ load: 'cached', edit: 'cached' });
    expect(verify.stderr).not.toContain('corrupt');
  }, 60_000);
});
