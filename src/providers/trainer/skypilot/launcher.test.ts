// launcher: skypilot through the trainer provider's jobs, against test/helpers/sky-stand-in.ts (a stand-in that
// prints what SkyPilot 0.14.1 prints; it is not SkyPilot). The job's status moves as the test edits the stand-in's
// state; a stand-in download command plays the bucket (a local folder), as no cloud is reachable here.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStandIn, writeStandIn, type StandInState } from '../../../../test/helpers/sky-stand-in.ts';
import { tempDir } from '../../../../test/helpers/temp.ts';
import { trainerFiles } from '../file-store.ts';
import { trainerJobs } from '../jobs.ts';
import type { TrainerProviderSpec } from '../types.ts';
import { skyPilotLauncher } from './launcher.ts';

const STAND_IN = join(import.meta.dirname, '..', '..', '..', '..', 'test', 'helpers', 'sky-stand-in.ts');
const KEY = 'abcdef0123456789'.repeat(4);
const CHAT = { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'a' }] };

/** `node -e COPY {url} {dir}`: copies the bucket folder `bucket/<path of the url>` into dir, as `aws s3 sync` would. */
const COPY = "const fs=require('fs'),p=require('path');const [u,d]=process.argv.slice(1);const src=p.join(process.env.BUCKET,u.replace(/^s3:\\/\\//,''));fs.cpSync(src,d,{recursive:true})";

async function setup() {
  const dir = tempDir('tunefile-sky-launcher-');
  const bucket = join(dir, 'bucket');
  const statePath = join(dir, 'sky-state.json');
  const data = join(dir, 'split.jsonl');
  writeFileSync(data, JSON.stringify(CHAT) + '\n');
  const files = trainerFiles(join(dir, 'files'), Date.now);
  const file = await files.upload(data, 'split.jsonl');
  const spec: TrainerProviderSpec = {
    type: 'trainer', trainer: 'trl', model: 'Qwen/Qwen3-0.6B', launcher: 'skypilot', env: { HF_TOKEN: 'hf_secret_value_123' },
    skypilot: { bucket: 's3://team-bucket/runs', command: [process.execPath, STAND_IN], resources: { accelerators: 'A100:1' }, download: [process.execPath, '-e', COPY, '{url}', '{dir}'] },
  };
  const env = { PATH: process.env.PATH, SKY_STAND_IN_STATE: statePath, BUCKET: bucket, HF_TOKEN: 'hf_secret_value_123' };
  const make = () => trainerJobs({ dir, spec, pipelineDir: dir, env, launcher: skyPilotLauncher(spec.skypilot!, env), files, now: Date.now, tunefile: [] });
  const edit = (change: (s: StandInState) => void) => {
    const s = readStandIn(statePath);
    change(s);
    writeStandIn(statePath, s);
  };
  return { dir, bucket, make, edit, state: () => readStandIn(statePath), request: { model: spec.model, training_file: file.id, validation_file: file.id, metadata: { tunefile_key: KEY } } };
}

describe('launcher: skypilot (against the sky stand-in)', () => {
  it('launches one managed job named by the key, with cluster paths; a second start adopts it; success brings the model back from the bucket', async () => {
    const { bucket, make, edit, state, request } = await setup();
    const jobs = make();
    const job = await jobs.create(request);
    const [launched] = state().jobs;
    expect(launched!.name).toBe(`tunefile-${KEY.slice(0, 12)}`);
    expect(launched!.task).toContain('trl sft --config /tunefile/run/trl.yaml');
    expect(launched!.task).toContain(`/tunefile/bucket/runs/tunefile-${KEY.slice(0, 12)}`);
    expect(launched!.task).not.toContain('hf_secret_value_123'); // a secret goes by name only
    const config = readFileSync(join(jobs.layout(jobs.record(job.id)).configPath), 'utf8');
    expect(config).toContain(`output_dir: /tunefile/bucket/runs/tunefile-${KEY.slice(0, 12)}`);
    expect(config).not.toContain(jobs.layout(jobs.record(job.id)).runDir);
    expect((await jobs.retrieve(job.id)).status).toBe('running');

    // Another machine, or a .tunefile/ lost after the launch, for the same key: its start adopts the job by name.
    const twin = await make().create(request);
    expect(state().jobs).toHaveLength(1);
    expect(twin.id).not.toBe(job.id);

    edit((s) => {
      s.jobs[0]!.status = 'RUNNING';
    });
    expect((await jobs.retrieve(job.id)).status).toBe('running');
    const remoteOut = join(bucket, 'team-bucket', 'runs', `tunefile-${KEY.slice(0, 12)}`);
    mkdirSync(join(remoteOut, 'checkpoint-3'), { recursive: true });
    writeFileSync(join(remoteOut, 'model.safetensors'), 'weights');
    writeFileSync(join(remoteOut, 'checkpoint-3', 'trainer_state.json'), '{}');
    edit((s) => {
      s.jobs[0]!.status = 'SUCCEEDED';
      s.jobs[0]!.log = ['{\'loss\': 0.5, \'epoch\': 1.0}'];
    });
    const done = await jobs.retrieve(job.id);
    expect(done.status).toBe('succeeded');
    const out = jobs.layout(jobs.record(job.id)).outputDir;
    expect(readFileSync(join(out, 'model.safetensors'), 'utf8')).toBe('weights');
    expect(readFileSync(jobs.layout(jobs.record(job.id)).logPath, 'utf8')).toContain("'loss': 0.5");
  });

  it('a failed managed job fails the stage with SkyPilot\'s status and reason; cancel asks SkyPilot', async () => {
    const { make, edit, state, request } = await setup();
    const jobs = make();
    const job = await jobs.create(request);
    expect((await jobs.cancel(job.id)).status).toBe('cancelled');
    expect(state().jobs[0]!.status).toBe('CANCELLED');
    const second = await make().create({ ...request, metadata: { tunefile_key: 'f'.repeat(64) } });
    edit((s) => {
      s.jobs.find((j) => j.name === `tunefile-${'f'.repeat(12)}`)!.status = 'FAILED_SETUP';
    });
    const failed = await jobs.retrieve(second.id);
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toMatch(/SkyPilot's managed job \d+ \(tunefile-ffffffffffff\) ended FAILED_SETUP: stand-in failure/);
  });

  it('refuses a skypilot block without a bucket', () => {
    expect(() => skyPilotLauncher({ command: ['sky'] })).toThrow(/needs provider\.skypilot\.bucket/);
  });
});
