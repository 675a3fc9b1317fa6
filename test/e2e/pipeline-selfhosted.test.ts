// e2e (issue 19): pipelines/banking77-selfhosted.yaml, `provider: {type: trainer, trainer: command}`. The train
// stage runs `tunefile local-train` (the protocol's own fast implementation: a Hugging Face Trainer-shaped folder
// with checkpoints) under a detached supervisor, keeps the trained folder as a directory artifact, and evaluate
// serves it with `tunefile serve --model` on a free port. Synchronised on files and lines, never on time.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runJson, startCli, waitFor } from '../helpers/cli.ts';
import { trainHoldAt } from '../helpers/hold.ts';
import { cloneExample, readLock } from './pipeline-support.ts';
import { processesIn, trainerJobRecords, type TrainerJobRecord } from '../helpers/processes.ts';

const PIPELINE = 'pipelines/banking77-selfhosted.yaml';
const LOCK = 'pipelines/banking77-selfhosted.lock';
/** The first 800 messages (a few intents): a few seconds of training. */
const SMALL = ['--set', 'stages.load.with.limit=800'];

function trainLog(project: string, job: TrainerJobRecord): string {
  return readFileSync(join(project, '.tunefile', 'trainer', job.run_dir, 'train.log'), 'utf8');
}

describe('pipelines/banking77-selfhosted.yaml (trainer: command)', () => {
  it('trains with local-train, keeps the model folder as a tree, serves it for evaluate, leaves no process; a rerun is cached; the model is restored from the cache', async () => {
    const project = cloneExample('banking77-selfhosted');
    const first = await runJson([PIPELINE, ...SMALL], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.stages.map((s: { status: string }) => s.status)).toEqual(Array(8).fill('ran'));
    const lock = readLock(project, LOCK);
    expect(lock.stages.train!.job_id).toMatch(/^trjob-[0-9a-f]{24}$/);
    expect(Object.keys(lock.stages.train!.outputs).sort()).toEqual(['job', 'model', 'results']);
    const modelHash = lock.stages.train!.outputs.model.hash as string;
    expect(lock.stages.evaluate!.inputs.model).toBe(modelHash);
    // It learnt: the first 800 messages hold 6 intents, the largest 21% of them.
    expect(lock.stages.evaluate!.metrics.accuracy).toBeGreaterThan(0.5);
    const results = readFileSync(first.report.stages.find((s: { id: string }) => s.id === 'train').outputs.results.path, 'utf8');
    expect(results.split('\n')[0]).toBe('step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy');
    expect(results.trim().split('\n').length).toBeGreaterThan(3);
    expect(processesIn(project)).toEqual([]);

    const second = await runJson([PIPELINE, ...SMALL], { cwd: project });
    expect(second.code, second.stderr).toBe(0);
    expect(second.report.stages.every((s: { status: string }) => s.status === 'cached')).toBe(true);

    // The trainer's folders and the materialised trees are gone: evaluate serves the model rebuilt from the cache's blobs.
    rmSync(join(project, '.tunefile', 'trainer'), { recursive: true });
    rmSync(join(project, '.tunefile', 'cache', 'trees'), { recursive: true, force: true });
    const again = await runJson([PIPELINE, ...SMALL, '--force', 'evaluate'], { cwd: project });
    expect(again.code, again.stderr).toBe(0);
    const statuses = Object.fromEntries(again.report.stages.map((s: { id: string; status: string }) => [s.id, s.status]));
    expect(statuses).toMatchObject({ train: 'cached', evaluate: 'ran' });
    expect(trainerJobRecords(project)).toEqual([]); // no training job was created
    expect(readLock(project, LOCK).stages.evaluate!.metrics.accuracy).toBe(lock.stages.evaluate!.metrics.accuracy);
    expect(processesIn(project)).toEqual([]);
  }, 240_000);

  it('SIGKILL of tunefile and the trainer during train, then rerun: resumes from the checkpoint under the same job, and the model equals an uninterrupted run', async () => {
    const reference = cloneExample('banking77-selfhosted');
    const clean = await runJson([PIPELINE, ...SMALL, '--stage', 'train'], { cwd: reference });
    expect(clean.code, clean.stderr).toBe(0);
    const cleanModel = readLock(reference, LOCK).stages.train!.outputs.model.hash;

    const project = cloneExample('banking77-selfhosted');
    // The trainer holds two steps into the second epoch, after checkpoint 1 is written: then everything is killed.
    const split = await runJson([PIPELINE, ...SMALL, '--stage', 'split'], { cwd: project });
    const rows = split.report.stages.find((s: { id: string }) => s.id === 'split').outputs.train.rows as number;
    const perEpoch = Math.ceil(rows / 8); // batch_size auto is 8 for a trainer
    const hold = trainHoldAt(perEpoch + 2);
    const run = startCli(['run', PIPELINE, ...SMALL], { cwd: project, env: hold.env });
    await hold.held({ gone: () => (run.child.exitCode === null ? undefined : `the run exited: ${run.output().stderr}`), timeoutMs: 120_000 });
    expect(existsSync(join(project, '.tunefile', 'trainer'))).toBe(true);
    const [job] = trainerJobRecords(project);
    expect(job?.launch?.kind).toBe('local');
    run.child.kill('SIGKILL');
    process.kill(-job!.launch!.pgid, 'SIGKILL');
    await run.done;
    await waitFor(() => processesIn(project).length === 0, 20_000, 'the killed processes to vanish');

    const rerun = await runJson([PIPELINE, ...SMALL], { cwd: project });
    expect(rerun.code, rerun.stderr).toBe(0);
    const records = trainerJobRecords(project);
    expect(records).toHaveLength(1); // the same job, resumed: no second one
    expect(records[0]!.attempt).toBe(2);
    expect(records[0]!.resumed_from).toHaveLength(1);
    const log = trainLog(project, records[0]!);
    expect(log).toMatch(/resuming from .*checkpoint-\d+/);
    expect(log).toMatch(/Continuing training from global step [1-9]\d*/);
    expect(readLock(project, LOCK).stages.train!.outputs.model.hash).toBe(cleanModel);
    expect(processesIn(project)).toEqual([]);
  }, 300_000);

  it('Ctrl-C while evaluate talks to the served model: exit 130 and no server left', async () => {
    const project = cloneExample('banking77-selfhosted');
    const trained = await runJson([PIPELINE, ...SMALL, '--stage', 'train'], { cwd: project });
    expect(trained.code, trained.stderr).toBe(0);
    const run = startCli(['run', PIPELINE, ...SMALL], { cwd: project });
    const serveDir = join(project, '.tunefile', 'trainer', 'serve');
    // The server is up once its log says it listens; evaluate's requests are then in flight.
    await waitFor(() => existsSync(serveDir) && readdirSync(serveDir).some((n) => n.endsWith('.log') && /listening/i.test(readFileSync(join(serveDir, n), 'utf8'))), 120_000, 'the model server to listen');
    expect(processesIn(project).length).toBeGreaterThan(0);
    run.child.kill('SIGINT');
    expect((await run.done).code).toBe(130);
    expect(processesIn(project)).toEqual([]);
  }, 240_000);
});
