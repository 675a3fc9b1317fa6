// Issue 14, `tunefile gc`: it refuses (exit 2, nothing deleted) when a lock file does not parse; it reclaims the local
// provider's jobs, models, checkpoints and uploads that no lock file or journal references, and the scratch folders of
// killed runs; it refuses (exit 1) while a run holds the project; and what it keeps still restores and resumes.
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runJson, startCli } from '../helpers/cli.ts';
import { holdAt } from '../helpers/hold.ts';
import { SMS_PIPELINE, checkBlobs, jobsPerKey, listFiles, localJobs, makeSmsProject } from './sms.ts';
import { stateRows } from '../helpers/state-db.ts';

const LOCK = 'pipelines/sms-spam.lock';

/** Bytes gc may reclaim: blobs, the local provider's folder and scratch (state.db only shrinks in place). */
function reclaimable(dir: string): number {
  const root = join(dir, '.tunefile');
  return ['cache', 'local', 'tmp'].flatMap((sub) => listFiles(join(root, sub)).map((f) => statSync(join(root, sub, f)).size)).reduce((a, b) => a + b, 0);
}

/** The job ids in the journal (state.db `jobs`). */
function journalledJobs(dir: string): string[] {
  return stateRows<{ job_id: string }>(dir, 'SELECT job_id FROM jobs').map((r) => r.job_id);
}

function jobDir(dir: string, id: string): string {
  return join(dir, '.tunefile', 'local', 'jobs', id);
}

describe('tunefile gc', () => {
  it.concurrent('refuses a lock file with merge conflict markers: exit 2, the file named, nothing deleted', async () => {
    const dir = makeSmsProject({ rows: 400 });
    const first = await runJson([SMS_PIPELINE], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    // A second experiment whose records and job only the conflicted lock still names.
    const second = await runJson([SMS_PIPELINE, '--set', 'train.with.n_epochs=2'], { cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    const ours = readFileSync(join(dir, LOCK), 'utf8');
    writeFileSync(join(dir, LOCK), `<<<<<<< HEAD\n${ours}=======\n${ours.replace('"n_epochs": 2', '"n_epochs": 4')}>>>>>>> other-branch\n`);
    const blobs = checkBlobs(dir);
    const jobs = localJobs(dir).map((j) => j.id).sort();
    const before = reclaimable(dir);

    for (const args of [['gc'], ['gc', '--dry-run']]) {
      const gc = await runCli(args, { cwd: dir });
      expect(gc.code, gc.stderr).toBe(2);
      expect(gc.stderr).toContain(join(dir, LOCK));
      expect(gc.stderr).toContain('merge conflict markers');
      expect(gc.stderr).toMatch(/^hint: /m);
      expect(gc.stderr).not.toMatch(/this is a bug|^\s+at /im);
    }
    expect(checkBlobs(dir)).toBe(blobs);
    expect(localJobs(dir).map((j) => j.id).sort()).toEqual(jobs);
    expect(reclaimable(dir)).toBe(before);
  }, 120_000);

  it.concurrent('reclaims the local job, model and uploads no lock references; the kept job still restores and evaluates', async () => {
    const dir = makeSmsProject({ rows: 800 });
    const a = await runJson([SMS_PIPELINE], { cwd: dir });
    expect(a.code, a.stderr).toBe(0);
    const [jobA] = localJobs(dir).map((j) => j.id);
    // A finished job keeps its model and no checkpoint files: its final weights are model.bin.
    expect(existsSync(join(jobDir(dir, jobA!), 'model.bin'))).toBe(true);
    expect(existsSync(join(jobDir(dir, jobA!), 'checkpoints'))).toBe(false);
    const resultA = (JSON.parse(readFileSync(join(jobDir(dir, jobA!), 'job.json'), 'utf8')) as { job: { result_files: string[] } }).job.result_files[0]!;

    const edit = ['--set', 'train.with.n_epochs=2'];
    const b = await runJson([SMS_PIPELINE, ...edit], { cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    const jobB = localJobs(dir).map((j) => j.id).find((id) => id !== jobA)!;
    expect(jobB).toBeTruthy();
    expect(journalledJobs(dir).sort()).toEqual([jobA, jobB].sort());
    // Checkpoints an older tunefile left beside a finished job.
    mkdirSync(join(jobDir(dir, jobB), 'checkpoints'));
    writeFileSync(join(jobDir(dir, jobB), 'checkpoints', 'step-00000313.ckpt'), Buffer.alloc(3 * 1024 * 1024, 7));

    const before = reclaimable(dir);
    const dry = await runCli(['gc', '--dry-run'], { cwd: dir });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/local provider \(\.tunefile\/local\): would remove 1 job\(s\), 1 file\(s\) and 1 checkpoint file\(s\)/);
    const wouldReclaim = Number(/would reclaim ([\d,]+) bytes/.exec(dry.stdout)![1]!.replace(/,/g, ''));
    expect(reclaimable(dir)).toBe(before);
    expect(existsSync(jobDir(dir, jobA!))).toBe(true);

    const gc = await runCli(['gc'], { cwd: dir });
    expect(gc.code, gc.stderr).toBe(0);
    const reclaimed = Number(/reclaimed ([\d,]+) bytes/.exec(gc.stdout)![1]!.replace(/,/g, ''));
    expect(reclaimed).toBe(wouldReclaim);
    expect(before - reclaimable(dir)).toBe(reclaimed);
    // The unreferenced job is gone with its model, result file and journal entry; the referenced one keeps its model.
    expect(existsSync(jobDir(dir, jobA!))).toBe(false);
    expect(existsSync(join(dir, '.tunefile', 'local', 'files', resultA))).toBe(false);
    expect(journalledJobs(dir)).toEqual([jobB]);
    expect(existsSync(join(jobDir(dir, jobB), 'model.bin'))).toBe(true);
    expect(existsSync(join(jobDir(dir, jobB), 'checkpoints'))).toBe(false);
    const lock = JSON.parse(readFileSync(join(dir, LOCK), 'utf8')) as { stages: Record<string, { files?: Record<string, string> }> };
    for (const id of Object.values(lock.stages.upload!.files!)) expect(existsSync(join(dir, '.tunefile', 'local', 'files', id, 'content')), id).toBe(true);

    const cached = await runJson([SMS_PIPELINE, ...edit], { cwd: dir });
    expect(cached.code, cached.stderr).toBe(0);
    expect(Object.values(cached.status).every((s) => s === 'cached'), JSON.stringify(cached.status)).toBe(true);
    const evaluate = await runJson([SMS_PIPELINE, ...edit, '--stage', 'evaluate', '--force', 'evaluate'], { cwd: dir });
    expect(evaluate.code, evaluate.stderr).toBe(0);
    expect(evaluate.status.evaluate).toBe('ran');
    expect(evaluate.status.train).toBe('cached');
    expect(localJobs(dir).map((j) => j.id)).toEqual([jobB]);
  }, 120_000);

  it.concurrent('refuses while a run holds the project, then removes a killed run\'s scratch and keeps its unfinished job to resume', async () => {
    const dir = makeSmsProject({ rows: 800 });
    // ~620 training rows at batch size 1 (round(n x 0.002)) and 4 epochs: step 1000 is in epoch 2, after the first
    // checkpoint. The job holds there until released, so gc meets a run that is provably still training.
    const hold = holdAt(1000);
    const run = startCli(['run', SMS_PIPELINE], { cwd: dir, env: hold.env });
    await hold.held({ gone: () => (run.child.exitCode === null ? undefined : `the run exited: ${run.output().stderr}`) });
    const checkpoints = () => localJobs(dir).flatMap((j) => {
      const folder = join(jobDir(dir, j.id), 'checkpoints');
      return existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.ckpt')).map((f) => join(folder, f)) : [];
    });
    expect(checkpoints().length).toBeGreaterThan(0);
    const blobs = checkBlobs(dir);

    const refused = await runCli(['gc'], { cwd: dir });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain('holds the project lock');
    expect(refused.stderr).toContain('gc deleted nothing');
    expect(checkBlobs(dir)).toBe(blobs);

    run.child.kill('SIGKILL');
    await run.done;
    const tmp = join(dir, '.tunefile', 'tmp');
    expect(readdirSync(tmp).length).toBeGreaterThan(0);
    const [job] = localJobs(dir);
    expect(job!.status).toBe('running');
    const latest = checkpoints().sort().at(-1)!;

    const gc = await runCli(['gc'], { cwd: dir });
    expect(gc.code, gc.stderr).toBe(0);
    expect(gc.stdout).toMatch(/scratch \(\.tunefile\/tmp\): removed \d+ folder\(s\) of killed runs/);
    expect(readdirSync(tmp)).toEqual([]);
    // The journal names the unfinished job: it stays, with the checkpoint it resumes from.
    expect(localJobs(dir).map((j) => j.id)).toEqual([job!.id]);
    expect(existsSync(latest)).toBe(true);

    const rerun = await runJson([SMS_PIPELINE], { cwd: dir });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(Object.values(jobsPerKey(dir))).toEqual([1]);
    expect(localJobs(dir)[0]).toMatchObject({ id: job!.id, status: 'succeeded' });
  }, 180_000);
});
