// pruneLocalData's safety rules on a hand-made data folder: what goes, what must stay, and that a dry run changes nothing.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneLocalData, type PruneOptions } from './prune.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const UPLOAD = (n: number) => `tunefile-${String(n).repeat(64).slice(0, 64)}.jsonl`;

/** Writes a job folder: job.json with the given status, metadata and files, and `ckpts` checkpoint files of 100 bytes. */
function job(dir: string, id: string, status: string, o: { key?: string; training: string; results?: string[]; ckpts?: number }): void {
  const folder = join(dir, 'jobs', id);
  mkdirSync(join(folder, 'checkpoints'), { recursive: true });
  const checkpoints = Array.from({ length: o.ckpts ?? 0 }, (_, i) => ({ checkpoint: { step_number: i + 1 }, file: `checkpoints/step-${i + 1}.ckpt` }));
  for (const c of checkpoints) writeFileSync(join(folder, c.file), Buffer.alloc(100));
  writeFileSync(join(folder, 'model.bin'), Buffer.alloc(10));
  const record = {
    job: { id, status, metadata: o.key ? { tunefile_key: o.key } : null, training_file: o.training, validation_file: null, result_files: o.results ?? [] },
    seq: 0,
    modelName: `ft:babbage-002:local::${id}`,
    checkpoints,
  };
  writeFileSync(join(folder, 'job.json'), JSON.stringify(record));
}

function file(dir: string, id: string, filename: string, purpose = 'fine-tune'): void {
  mkdirSync(join(dir, 'files', id), { recursive: true });
  writeFileSync(join(dir, 'files', id, 'content'), Buffer.alloc(50));
  writeFileSync(join(dir, 'files', id, 'file.json'), JSON.stringify({ file: { id, object: 'file', bytes: 50, filename, purpose }, seq: 0 }));
}

/** A data folder with one of each case. */
function makeData(): string {
  const dir = tempDir('tunefile-prune-');
  file(dir, 'file-used', UPLOAD(1));
  file(dir, 'file-locked', UPLOAD(2));
  file(dir, 'file-unused', UPLOAD(3));
  file(dir, 'file-theirs', 'data.jsonl');
  file(dir, 'file-result-old', 'step_metrics.csv', 'fine-tune-results');
  file(dir, 'file-result-kept', 'step_metrics.csv', 'fine-tune-results');
  job(dir, 'ftjob-old', 'succeeded', { key: 'k1', training: 'file-unused', results: ['file-result-old'], ckpts: 3 });
  job(dir, 'ftjob-locked', 'succeeded', { key: 'k2', training: 'file-used', results: ['file-result-kept'], ckpts: 2 });
  job(dir, 'ftjob-theirs', 'cancelled', { training: 'file-theirs', ckpts: 1 });
  job(dir, 'ftjob-running', 'running', { key: 'k3', training: 'file-used', ckpts: 3 });
  mkdirSync(join(dir, 'jobs', 'ftjob-torn')); // killed before its job.json was written
  return dir;
}

const options = (dryRun: boolean): PruneOptions => ({
  keepJobs: new Set(['ftjob-locked']),
  keepFiles: new Set(['file-locked']),
  isRemovableJob: (j) => typeof j.metadata?.tunefile_key === 'string',
  isRemovableFile: (f) => f.filename.startsWith('tunefile-'),
  dryRun,
});

describe('pruneLocalData', () => {
  it('removes unreferenced tunefile jobs and uploads and dead checkpoints; keeps what is kept, used, running or not ours', () => {
    const dir = makeData();
    const dry = pruneLocalData(dir, options(true));
    expect(existsSync(join(dir, 'jobs', 'ftjob-old'))).toBe(true);
    const real = pruneLocalData(dir, options(false));
    expect(real).toEqual(dry);
    expect(real.jobs.removed).toEqual(['ftjob-old']);
    expect(real.files.removed.sort()).toEqual(['file-result-old', 'file-unused']);
    // ftjob-old's 3, ftjob-locked's 2, ftjob-theirs' 1, and ftjob-running's 2 older ones.
    expect(real.checkpoints).toBe(8);
    // 3 job folders' worth of checkpoints and ftjob-old's model, job.json and files; exact sizes are not the point.
    expect(real.bytes).toBeGreaterThan(8 * 100 + 10 + 2 * 50);
    const has = (...p: string[]) => existsSync(join(dir, ...p));
    expect(has('jobs', 'ftjob-old')).toBe(false);
    expect(has('jobs', 'ftjob-torn')).toBe(false);
    expect(has('jobs', 'ftjob-locked', 'model.bin')).toBe(true);
    expect(has('jobs', 'ftjob-locked', 'checkpoints')).toBe(false);
    expect(has('jobs', 'ftjob-theirs', 'job.json')).toBe(true);
    expect(has('jobs', 'ftjob-running', 'checkpoints', 'step-3.ckpt')).toBe(true);
    expect(has('jobs', 'ftjob-running', 'checkpoints', 'step-2.ckpt')).toBe(false);
    for (const id of ['file-used', 'file-locked', 'file-theirs', 'file-result-kept']) expect(has('files', id, 'content'), id).toBe(true);
    expect(has('server.pid')).toBe(false);
  });

  it('removes no uploaded file while a job record does not parse (that job may use any of them)', () => {
    const dir = makeData();
    writeFileSync(join(dir, 'jobs', 'ftjob-running', 'job.json'), '{"job": ');
    const result = pruneLocalData(dir, options(false));
    expect(result.unreadable).toEqual([join(dir, 'jobs', 'ftjob-running', 'job.json')]);
    expect(result.files.removed).toEqual([]);
    expect(existsSync(join(dir, 'jobs', 'ftjob-running', 'checkpoints', 'step-1.ckpt'))).toBe(true);
    expect(existsSync(join(dir, 'files', 'file-unused', 'content'))).toBe(true);
  });

  it('refuses a folder a live server holds', () => {
    const dir = makeData();
    writeFileSync(join(dir, 'server.pid'), `${process.ppid} ${Date.now()} abc`);
    expect(() => pruneLocalData(dir, options(false))).toThrow(/in use by another server/);
    expect(existsSync(join(dir, 'jobs', 'ftjob-old'))).toBe(true);
  });
});
