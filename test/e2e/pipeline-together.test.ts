// e2e (issue 18): pipelines/sms-spam-together.yaml, `provider: together` through the together-ai SDK, against
// `tunefile serve` in another process (its Together API under /together/v1; TOGETHER_BASE_URL as a user sets it).
// The stage key travels in the job's suffix (Together's jobs carry no metadata): a fresh clone finds the job by it,
// a run killed while it polls is resumed, and the cost guard asks Together's estimate-price before creating a job.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Together } from 'together-ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, runCli, runJson, startCli } from '../helpers/cli.ts';
import { holdAt } from '../helpers/hold.ts';
import { SERVE_KEY, startServe, type Serve } from '../helpers/serve.ts';
import { cloneExample, readLock } from './pipeline-support.ts';

const PIPELINE = 'pipelines/sms-spam-together.yaml';
const LOCK = 'pipelines/sms-spam-together.lock';

/** A server of its own, with the Together client a user would point at it. */
async function serveTogether(dataDir: string, env?: Record<string, string>): Promise<{ server: Serve; together: Together; env: Record<string, string> }> {
  const server = await startServe(dataDir, env ? { env } : {});
  const baseURL = server.url.replace(/\/v1$/, '/together/v1');
  return { server, together: new Together({ apiKey: SERVE_KEY, baseURL, maxRetries: 0 }), env: { TOGETHER_BASE_URL: baseURL, TOGETHER_API_KEY: SERVE_KEY } };
}

async function jobsOf(together: Together) {
  return (await together.fineTuning.list()).data;
}

describe('pipelines/sms-spam-together.yaml against tunefile serve', () => {
  let project: string;
  let served: Awaited<ReturnType<typeof serveTogether>>;
  let first: Awaited<ReturnType<typeof runJson>>;
  let guarded: Awaited<ReturnType<typeof runJson>>;

  beforeAll(async () => {
    project = cloneExample('sms-spam-together');
    served = await serveTogether(join(project, 'served'));
    // Below Together's own price for the job: the guard stops it before any job exists.
    guarded = await runJson([PIPELINE, '--set', 'train.with.max_cost_usd=0.000001'], { cwd: project, env: served.env });
    first = await runJson([PIPELINE], { cwd: project, env: served.env });
  }, 180_000);

  afterAll(async () => {
    await served?.server.stop();
  });

  it("stops a job above max_cost_usd on Together's own estimate-price, before creating it", () => {
    expect(guarded.code).not.toBe(0);
    expect(guarded.status.train).toBe('failed');
    // tokencheck has no price for Qwen3-8B, so the estimate is the provider's.
    expect(guarded.stderr).toMatch(/estimated training cost \$[\d.]+ \(the provider's own estimate\) exceeds max_cost_usd/);
  });

  it('runs offline to accuracy >= 0.95, on the chat format, with the key in the one job\'s suffix', async () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.status.train).toBe('ran');
    const metrics = JSON.parse(readFileSync(join(project, 'reports', 'sms-spam-together', 'metrics.json'), 'utf8'));
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.95);
    // Together's logprobs (LogprobsPart, asked as `logprobs: k`) reach evaluate: every answer has its logprob, and
    // P(spam) comes from the first token's alternatives, not from the hard answer (0 or 1).
    const shown = await runCli(['show', PIPELINE, 'evaluate', 'predictions'], { cwd: project, env: served.env });
    const predictions = shown.stdout.trim().split('\n').map((l) => JSON.parse(l) as { logprob: number | null; score: number });
    expect(predictions.every((p) => typeof p.logprob === 'number')).toBe(true);
    expect(predictions.filter((p) => p.score > 0 && p.score < 1).length).toBeGreaterThan(predictions.length / 2);
    expect(metrics.binary.auroc).toBeGreaterThan(0.95);
    const lock = readLock(project, LOCK);
    const jobs = await jobsOf(served.together);
    // The file Together trained on is chat conversations: the system message, the SMS, the label.
    const firstLine = JSON.parse((await (await served.together.files.content(jobs[0]!.training_file!)).text()).split('\n')[0]!);
    expect(firstLine.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant']);
    expect(['ham', 'spam']).toContain(firstLine.messages[2].content);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.id).toBe(lock.stages.train!.job_id);
    expect(jobs[0]!.model).toBe('Qwen/Qwen3-8B');
    expect((jobs[0] as { suffix?: string }).suffix).toBe(`tf-${String(lock.stages.train!.key).slice(0, 16)}`);
    for (const text of [readFileSync(join(project, LOCK), 'utf8'), first.stdout, first.stderr]) expect(text).not.toContain(SERVE_KEY);
  });

  it('creates no job and uploads no file on a second run, nor in a fresh clone of the commit without the lock', async () => {
    const files = (await served.together.files.list()).data.length;
    const second = await runJson([PIPELINE], { cwd: project, env: served.env });
    expect(second.code, second.stderr).toBe(0);
    expect(Object.values(second.status).every((s) => s === 'cached')).toBe(true);

    const clone = cloneExample('sms-spam-together');
    const cloned = await runJson([PIPELINE], { cwd: clone, env: served.env });
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(cloned.stderr).toMatch(/adopting job \S+ \(succeeded\) found by its tunefile_key and verified/);
    expect(readLock(clone, LOCK).stages.train!.job_id).toBe(readLock(project, LOCK).stages.train!.job_id);
    expect(await jobsOf(served.together)).toHaveLength(1);
    expect((await served.together.files.list()).data).toHaveLength(files);
  }, 120_000);

  it("warns, from Together's own list of the models it fine-tunes, about one it does not list; the refused create costs nothing", async () => {
    const other = cloneExample('sms-spam-together');
    const run = await runJson([PIPELINE, '--set', 'model=Qwen/Qwen3-14B'], { cwd: other, env: served.env });
    expect(run.status.train).toBe('failed');
    expect(run.stderr).toMatch(/together:\S+ does not list Qwen\/Qwen3-14B among the models it fine-tunes \(Qwen\/Qwen3-8B, .*\); asking it to create the job anyway/);
    expect(run.stderr).toMatch(/the provider refused to create the job/);
    expect(await jobsOf(served.together)).toHaveLength(1);
  }, 120_000);
});

describe('the migration guide (docs/migration.md)', () => {
  it('shows the diff between the two example pipelines as they are: every line one has and the other has not', () => {
    const doc = readFileSync(join(REPO, 'docs', 'migration.md'), 'utf8').split('\n');
    const [before, after] = ['sms-spam.yaml', 'sms-spam-together.yaml'].map((f) => readFileSync(join(REPO, 'pipelines', f), 'utf8').trimEnd().split('\n'));
    for (const line of before!.filter((l) => !after!.includes(l))) expect(doc).toContain(`-${line}`);
    for (const line of after!.filter((l) => !before!.includes(l))) expect(doc).toContain(`+${line}`);
  });

  it("keeps sms-spam.yaml's validation split: the same 1,034 rows, so the two models are scored on the same examples", async () => {
    const project = cloneExample('sms-spam-together');
    cpSync(join(REPO, 'pipelines', 'sms-spam.yaml'), join(project, 'pipelines', 'sms-spam.yaml'));
    const rows = async (pipeline: string) => {
      expect((await runCli(['run', pipeline, '--stage', 'split'], { cwd: project })).code).toBe(0);
      const shown = await runCli(['show', pipeline, 'split', 'valid'], { cwd: project });
      return shown.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { _row: number })._row);
    };
    const openai = await rows('pipelines/sms-spam.yaml');
    expect(openai).toHaveLength(1034);
    expect(await rows(PIPELINE)).toEqual(openai);
  }, 120_000);
});

describe('a together run killed while it polls', () => {
  it('is resumed by a rerun, and a fresh clone adopts the same job: one job for the key', async () => {
    const project = cloneExample('sms-spam-together');
    const hold = holdAt(2);
    const served = await serveTogether(join(project, 'served'), hold.env);
    try {
      const run = startCli(['run', PIPELINE], { cwd: project, env: served.env });
      // The job exists and is held before its second step; the run is polling it.
      const { job_id: jobId } = await hold.held({ gone: () => (run.child.exitCode === null ? undefined : `the run exited: ${run.output().stderr}`) });
      // Once train reports the job it watches, the journal holds it (it is written before the first poll).
      await run.until(new RegExp(`train: ${jobId} running`));
      run.child.kill('SIGKILL');
      expect((await run.done).signal).toBe('SIGKILL');
      const files = (await served.together.files.list()).data.length;
      hold.release();

      const rerun = await runJson([PIPELINE], { cwd: project, env: served.env });
      expect(rerun.code, rerun.stderr).toBe(0);
      expect(rerun.stderr).toContain(`resuming job ${jobId}`);
      expect(readLock(project, LOCK).stages.train!.job_id).toBe(jobId);

      // The same kill seen from a machine without this one's journal: the job is found by the key in its suffix.
      const fresh = cloneExample('sms-spam-together');
      const adopted = await runJson([PIPELINE], { cwd: fresh, env: served.env });
      expect(adopted.code, adopted.stderr).toBe(0);
      expect(adopted.stderr).toContain(`adopting job ${jobId}`);
      expect(readLock(fresh, LOCK).stages.train!.job_id).toBe(jobId);
      expect((await served.together.files.list()).data).toHaveLength(files);

      const jobs = await jobsOf(served.together);
      expect(jobs.map((j) => [j.id, j.status])).toEqual([[jobId, 'completed']]);
    } finally {
      await served.server.stop();
    }
  }, 180_000);
});
