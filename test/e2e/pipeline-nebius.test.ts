// e2e (issue 18): `provider: {type: openai, flavor: nebius}` against `tunefile serve`'s OpenAI API. Nebius's jobs
// carry no metadata, so the provider records the stage key in the job's suffix and finds it again by listing: the
// job it creates carries no metadata, and a fresh clone of the project adopts that job instead of creating a second.
// (The local server does not take Nebius's own hyperparameters; their mapping is tested in nebius.test.ts.)
import { join } from 'node:path';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloneProject, runJson } from '../helpers/cli.ts';
import { SERVE_KEY, startServe, type Serve } from '../helpers/serve.ts';
import { makeSampleProject, readLock } from './pipeline-support.ts';

async function listJobs(client: OpenAI): Promise<OpenAI.FineTuning.Jobs.FineTuningJob[]> {
  const jobs: OpenAI.FineTuning.Jobs.FineTuningJob[] = [];
  for await (const job of client.fineTuning.jobs.list({ limit: 100 })) jobs.push(job);
  return jobs;
}

describe('provider openai, flavor nebius, against tunefile serve', () => {
  let server: Serve;
  let project: string;

  beforeAll(async () => {
    project = makeSampleProject((yaml) => yaml.replace('provider: local', 'provider: { type: openai, flavor: nebius }'));
    server = await startServe(join(project, 'served'));
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('creates one job with the key in its suffix and no metadata; a fresh clone adopts it by the suffix', async () => {
    const env = { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: SERVE_KEY };
    const first = await runJson([], { cwd: project, env });
    expect(first.code, first.stderr).toBe(0);
    const key = String(readLock(project).stages.train!.key);
    const [job, ...others] = await listJobs(server.client);
    expect(others).toHaveLength(0);
    expect(job!.metadata ?? null).toBeNull();
    expect((job as { user_provided_suffix?: string }).user_provided_suffix).toBe(`tf-${key.slice(0, 16)}`);

    const clone = cloneProject(project);
    const cloned = await runJson([], { cwd: clone, env });
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(cloned.stderr).toContain(`adopting job ${job!.id} (succeeded) found by its tunefile_key and verified`);
    expect(readLock(clone).stages.train!.job_id).toBe(job!.id);
    expect(await listJobs(server.client)).toHaveLength(1);
  }, 180_000);
});
