// Issue 15, DESIGN §3 "The lock file": two machines that run the same commit write the same lock bytes, except remote
// ids. Two fresh clones of one project, in different folders with their own .tunefile/, run independently from
// different working folders, with a different time zone, locale, --jobs and user cache: the lock of the data pipeline
// (load -> dedupe -> suffix -> split -> tokencheck) is byte-for-byte the same, and stays so across a cached rerun and
// a rerun with .tunefile/ deleted. The whole SMS example on the local provider differs only where DESIGN allows: the
// remote ids (file ids, job id, model name) and what is derived from them.
import { readFileSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cloneProject, runJson } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';
import { SMS_PIPELINE, makeSmsProject } from '../reliability/sms.ts';

const LOCK = 'pipelines/sms-spam.lock';
const TAIL = `  upload: {}
  train:
    with: { n_epochs: 4, seed: "\${params.seed}" }
  evaluate:
    with: { max_tokens: 1, report: ../reports/sms-spam }
`;

/** The second machine: another folder to run from, another time zone, locale, CPU budget and user cache. */
function otherMachine(): { cwd: (dir: string) => string; args: string[]; env: Record<string, string> } {
  return {
    cwd: (dir) => join(dir, 'pipelines'),
    args: ['sms-spam.yaml', '--jobs', '1'],
    env: { TZ: 'Pacific/Kiritimati', LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8', TUNEFILE_CACHE_DIR: tempDir('tunefile-usercache-') },
  };
}

/** Leaf paths (a.b.c) whose values differ between two JSON values. */
function differences(a: unknown, b: unknown, path = ''): string[] {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return a === b ? [] : [path];
}

describe('the lock file is the same on two machines', () => {
  it.concurrent('data pipeline: byte-identical across two clones, a cached rerun, and a rerun without .tunefile/', async () => {
    const a = makeSmsProject({ rows: 300, edits: [[TAIL, '']] }, 'tunefile-lock-a-');
    const b = cloneProject(a);
    const first = await runJson([SMS_PIPELINE], { cwd: a });
    expect(first.code, first.stderr).toBe(0);
    expect(Object.keys(first.status)).toEqual(['load', 'dedupe', 'suffix', 'split', 'tokencheck']);
    const other = otherMachine();
    const second = await runJson(other.args, { cwd: other.cwd(b), env: other.env });
    expect(second.code, second.stderr).toBe(0);
    expect(Object.values(second.status)).toEqual(Array(5).fill('ran'));

    const lock = readFileSync(join(a, LOCK), 'utf8');
    expect(readFileSync(join(b, LOCK), 'utf8')).toBe(lock);
    // Nothing of either machine in it: no folder, no time.
    for (const dir of [a, b]) expect(lock).not.toContain(basename(dir));
    expect(lock).not.toMatch(/20\d\d-\d\d-\d\d|\/tmp\/|\\\\/);
    expect(Object.keys(JSON.parse(lock).stages)).toEqual(['dedupe', 'load', 'split', 'suffix', 'tokencheck']); // sorted keys

    const cached = await runJson([SMS_PIPELINE], { cwd: a });
    expect(Object.values(cached.status)).toEqual(Array(5).fill('cached'));
    expect(readFileSync(join(a, LOCK), 'utf8')).toBe(lock);

    rmSync(join(b, '.tunefile'), { recursive: true });
    const cold = await runJson(other.args, { cwd: other.cwd(b), env: other.env });
    expect(Object.values(cold.status)).toEqual(Array(5).fill('ran'));
    expect(readFileSync(join(b, LOCK), 'utf8')).toBe(lock);
  }, 120_000);

  it.concurrent('SMS example on the local provider: the two locks differ only in remote ids and what derives from them', async () => {
    const a = makeSmsProject({ rows: 300 }, 'tunefile-lock-a-');
    const b = cloneProject(a);
    const first = await runJson([SMS_PIPELINE], { cwd: a });
    expect(first.code, first.stderr).toBe(0);
    const other = otherMachine();
    const second = await runJson(other.args, { cwd: other.cwd(b), env: other.env });
    expect(second.code, second.stderr).toBe(0);
    expect(Object.values(second.status)).toEqual(Array(8).fill('ran'));

    const textA = readFileSync(join(a, LOCK), 'utf8');
    const textB = readFileSync(join(b, LOCK), 'utf8');
    const lockA = JSON.parse(textA);
    const lockB = JSON.parse(textB);
    expect(differences(lockA, lockB).sort()).toEqual(
      [
        // The remote ids themselves (DESIGN: "except remote ids, which differ").
        'stages.upload.files.train',
        'stages.upload.files.valid',
        'stages.train.job_id',
        'stages.train.fine_tuned_model',
        // The job artifact holds those ids, so its hash differs, and with it evaluate's key; the report names the model.
        'stages.train.outputs.job.hash',
        'stages.evaluate.inputs.job',
        'stages.evaluate.key',
        'stages.evaluate.outputs.report.hash',
      ].sort(),
    );
    // With the ids written as placeholders, the lock files are the same bytes, and so are the HTML reports: no clock,
    // folder or machine in them. Training is deterministic: same results, metrics and predictions.
    const placeholders = (text: string, lock: typeof lockA) => {
      let out = text.replaceAll(lock.stages.train.fine_tuned_model, '<model>').replaceAll(lock.stages.train.job_id, '<job>');
      for (const [name, id] of Object.entries(lock.stages.upload.files as Record<string, string>)) out = out.replaceAll(id, `<file ${name}>`);
      for (const path of ['train.outputs.job.hash', 'evaluate.key', 'evaluate.outputs.report.hash']) {
        const value = path.split('.').reduce((o: any, k) => o[k], lock.stages) as string;
        out = out.replaceAll(value, `<${path}>`);
      }
      return out;
    };
    expect(placeholders(textA, lockA)).toBe(placeholders(textB, lockB));
    for (const file of ['report.html', 'report.md', 'metrics.json']) {
      expect(placeholders(readFileSync(join(a, 'reports', 'sms-spam', file), 'utf8'), lockA), file).toBe(placeholders(readFileSync(join(b, 'reports', 'sms-spam', file), 'utf8'), lockB));
    }
    expect(lockA.stages.train.fine_tuned_model).not.toBe(lockB.stages.train.fine_tuned_model);
    expect(lockA.stages.train.outputs.results.hash).toBe(lockB.stages.train.outputs.results.hash);
    expect(lockA.stages.evaluate.outputs.predictions.hash).toBe(lockB.stages.evaluate.outputs.predictions.hash);

    // A rerun restores everything and rewrites the same bytes.
    const rerun = await runJson(other.args, { cwd: other.cwd(b), env: other.env });
    expect(Object.values(rerun.status)).toEqual(Array(8).fill('cached'));
    expect(readFileSync(join(b, LOCK), 'utf8')).toBe(textB);
  }, 120_000);
});
