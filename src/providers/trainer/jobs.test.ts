// The trainer provider's jobs with real programs in real process groups: how a run's end becomes a job's status.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp.ts';
import { groupAlive } from '../../shared/process-group.ts';
import type { FineTuningJob } from '../types.ts';
import { formatProgress } from '../../stages/train/watch.ts';
import { trainerFiles } from './file-store.ts';
import { trainerJobs } from './jobs.ts';
import { localLauncher } from './launch-local.ts';
import type { TrainerProviderSpec } from './types.ts';

const CHAT = [{ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'a' }] }, { messages: [{ role: 'user', content: 'yo' }, { role: 'assistant', content: 'b' }] }];

/** A provider whose `run` is `node -e SCRIPT {output_dir}`, and one uploaded split used for both files. */
async function setup(script: string) {
  const dir = tempDir('tunefile-trainer-jobs-');
  const data = join(dir, 'split.jsonl');
  writeFileSync(data, CHAT.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const files = trainerFiles(join(dir, 'files'), Date.now);
  const file = await files.upload(data, 'split.jsonl');
  const spec: TrainerProviderSpec = { type: 'trainer', trainer: 'command', model: 'gpt-4o-mini', run: [process.execPath, '-e', script, '{output_dir}'] };
  const jobs = trainerJobs({ dir, spec, pipelineDir: dir, env: { PATH: process.env.PATH, OPENAI_API_KEY: 'sk-secret-in-env' }, launcher: localLauncher(2000), files, now: Date.now, tunefile: [] });
  const job = await jobs.create({ model: 'gpt-4o-mini', training_file: file.id, validation_file: file.id, metadata: { tunefile_key: 'k'.repeat(64) } });
  return { dir, jobs, job };
}

/** Polls the job until it leaves `running` (the program ends on its own in these tests). */
async function settled(jobs: { retrieve(id: string): Promise<FineTuningJob> }, id: string): Promise<FineTuningJob> {
  for (;;) {
    const job = await jobs.retrieve(id);
    if (job.status !== 'running') return job;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('trainer jobs', () => {
  it('a program that writes a model and exits 0 succeeds; the key finds the job', async () => {
    const { jobs, job } = await setup("require('fs').writeFileSync(require('path').join(process.argv[1], 'model.bin'), 'w')");
    const done = await settled(jobs, job.id);
    expect(done.status).toBe('succeeded');
    expect(done.fine_tuned_model).toBe(`trainer:${job.id}`);
    // The trainer's environment (secrets among it) is never written into the run folder.
    const runDir = jobs.layout(jobs.record(job.id)).runDir;
    expect(readFileSync(join(runDir, 'supervise-1.json'), 'utf8')).not.toContain('sk-secret-in-env');
    writeFileSync(join(runDir, '..', '..', 'jobs', 'trjob-000000000000000000000000.json'), '{torn');
    const found = [];
    for await (const j of jobs.listByKey('k'.repeat(64))) found.push(j.id);
    expect(found).toEqual([job.id]);
  });

  it('the progress line reads step, total, loss and epoch from what the trainer printed', async () => {
    const script = "console.log(\"{'loss': 0.6931, 'learning_rate': 0.001, 'epoch': 0.5}\");process.stderr.write(' 40%|####      | 4/10 [00:01<00:02]\\r 50%|#####     | 5/10 [00:01<00:01]\\n');require('fs').writeFileSync(require('path').join(process.argv[1], 'model.bin'), 'w')";
    const { jobs, job } = await setup(script);
    await settled(jobs, job.id);
    const event = await jobs.latestStepEvent(job.id);
    expect(event?.data).toEqual({ step: 5, total_steps: 10, train_loss: 0.6931, epoch: 0.5 });
    expect(formatProgress(await jobs.retrieve(job.id), event)).toBe(`${job.id} succeeded · step 5/10 · loss 0.6931 · epoch 0.5`);
  });

  it('a non-zero exit fails the job with the end of its log', async () => {
    const { jobs, job } = await setup("console.error('CUDA out of memory at step 3'); process.exit(3)");
    const done = await settled(jobs, job.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/exited with code 3/);
    expect(done.error?.message).toContain('CUDA out of memory at step 3');
  });

  it('exit 0 without a model fails: nothing is cached as success', async () => {
    const { jobs, job } = await setup('');
    const done = await settled(jobs, job.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toContain('wrote no model');
  });

  it('a program that cannot be started fails with why', async () => {
    const dir = tempDir('tunefile-trainer-jobs-');
    const data = join(dir, 'split.jsonl');
    writeFileSync(data, JSON.stringify(CHAT[0]) + '\n');
    const files = trainerFiles(join(dir, 'files'), Date.now);
    const file = await files.upload(data, 'split.jsonl');
    const spec: TrainerProviderSpec = { type: 'trainer', trainer: 'command', model: 'm', run: ['no-such-trainer-program-xyz', '{config}'] };
    const jobs = trainerJobs({ dir, spec, pipelineDir: dir, env: { PATH: process.env.PATH }, launcher: localLauncher(2000), files, now: Date.now, tunefile: [] });
    const job = await jobs.create({ model: 'm', training_file: file.id, validation_file: file.id });
    const done = await settled(jobs, job.id);
    expect(done.status).toBe('failed');
    expect(done.error?.message).toMatch(/could not be started.*no-such-trainer-program-xyz/s);
  });

  it('a program killed by a signal is resumed under the same job (attempt 2), and cancel stops its process group', async () => {
    // Attempt 1 kills itself; attempt 2 (config rendered again) waits to be cancelled.
    const script = `const fs=require('fs'),p=require('path');const m=p.join(process.argv[1],'..','attempts');const n=(fs.existsSync(m)?+fs.readFileSync(m,'utf8'):0)+1;fs.writeFileSync(m,String(n));if(n===1)process.kill(process.pid,'SIGKILL');else{fs.writeFileSync(m+'.up','');setInterval(()=>{},1000)}`;
    const { dir, jobs, job } = await setup(script);
    const runDir = join(dir, 'runs', job.id);
    for (;;) {
      const j = await jobs.retrieve(job.id);
      expect(j.status).toBe('running');
      if (existsSync(join(runDir, 'attempts.up'))) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const record = jobs.record(job.id);
    expect(record.attempt).toBe(2);
    expect(readFileSync(join(runDir, 'train.log'), 'utf8')).toMatch(/stopped by SIGKILL; resuming from the start \(no checkpoint yet\) \(attempt 2\)/);
    const pgid = (record.launch as { pgid: number }).pgid;
    expect(groupAlive(pgid)).toBe(true);
    expect((await jobs.cancel(job.id)).status).toBe('cancelled');
    expect(groupAlive(pgid)).toBe(false);
  });

  it('unknown file ids are 404s, as hosted providers answer', async () => {
    const dir = tempDir('tunefile-trainer-files-');
    mkdirSync(join(dir, 'files'));
    const files = trainerFiles(join(dir, 'files'), Date.now);
    await expect(files.retrieve('file-000000000000000000000000')).rejects.toMatchObject({ status: 404 });
    await expect(files.retrieve('../../etc/passwd')).rejects.toMatchObject({ status: 404 });
  });
});
