// e2e (issue 13): train's key is the model's identity, adoption verifies what it adopts, concurrent runs converge,
// and an interrupted --force job is resumed. Every check counts jobs on a real server: `tunefile serve` or the
// project's embedded local provider.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toFile } from 'openai';
import type OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { cloneProject, runCli, runJson, startCli, waitFor } from '../helpers/cli.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { holdAt } from '../helpers/hold.ts';
import { SERVE_KEY, startServe, type Serve } from '../helpers/serve.ts';
import { makeSampleProject, readLock, readProviderState } from './pipeline-support.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(dataDir: string, o: { port?: number; env?: Record<string, string> } = {}): Promise<Serve> {
  const server = await startServe(dataDir, o);
  cleanups.push(() => server.stop());
  return server;
}

/** The sample project (1,000 SMS messages, babbage-002, n_epochs 4) on `provider: openai`. */
function makeOpenAiProject(): string {
  return makeSampleProject((yaml) => yaml.replace('provider: local', 'provider: openai'));
}

/** A fresh clone of a project: what a commit holds (pipeline, config, data, and the lock file when `withLock`). */
function cloneOf(project: string, withLock: boolean): string {
  return cloneProject(project, { lock: withLock });
}

function envFor(url: string): Record<string, string> {
  return { OPENAI_BASE_URL: url, OPENAI_API_KEY: SERVE_KEY };
}

async function listJobs(client: OpenAI): Promise<OpenAI.FineTuning.Jobs.FineTuningJob[]> {
  const jobs: OpenAI.FineTuning.Jobs.FineTuningJob[] = [];
  for await (const job of client.fineTuning.jobs.list({ limit: 100 })) jobs.push(job);
  return jobs;
}

/** Resolves once the server lists a cancelled job; fails when `failed()` names a reason (a run ended) or after 60 s. */
async function untilOneCancelled(client: OpenAI, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const jobs = await listJobs(client);
    if (jobs.some((j) => j.status === 'cancelled')) return;
    const reason = failed() ?? (Date.now() > deadline ? 'none within 60 s' : undefined);
    if (reason !== undefined) throw new Error(`no job was cancelled: ${reason}; jobs: ${JSON.stringify(jobs.map((j) => [j.id, j.status]))}`);
    // Polls: the interval sets only how soon the cancel is seen.
    await new Promise((r) => setTimeout(r, 20));
  }
}

function setConfigCeiling(project: string, usd: number): void {
  const path = join(project, 'tunefile.config.json');
  writeFileSync(path, JSON.stringify({ ...JSON.parse(readFileSync(path, 'utf8')), max_cost_usd: usd }));
}

function accuracyOf(project: string): number {
  return JSON.parse(readFileSync(join(project, 'reports', 'sms-spam', 'metrics.json'), 'utf8')).accuracy;
}

describe("train's key is the trained model's identity", () => {
  it('changing a cost ceiling, the estimate epochs or the config ceiling creates no job, here or in a fresh clone', async () => {
    const project = makeOpenAiProject();
    const server = await serve(join(project, 'served'));
    const env = envFor(server.url);
    const first = await runJson([], { cwd: project, env });
    expect(first.code, first.stderr).toBe(0);
    const key = readLock(project).stages.train!.key;
    expect(await listJobs(server.client)).toHaveLength(1);

    for (const set of ['train.with.max_cost_usd=5', 'tokencheck.with.max_cost_usd=100', 'tokencheck.with.n_epochs=7']) {
      const rerun = await runJson(['--set', set], { cwd: project, env });
      expect(rerun.code, `${set}: ${rerun.stderr}`).toBe(0);
      expect(rerun.status.train, set).toBe('cached');
      expect(readLock(project).stages.train!.key, set).toBe(key);
      expect(await listJobs(server.client), set).toHaveLength(1);
    }
    setConfigCeiling(project, 50);
    const configChanged = await runJson([], { cwd: project, env });
    expect(configChanged.code, configChanged.stderr).toBe(0);
    expect(configChanged.status.train).toBe('cached');
    expect(await listJobs(server.client)).toHaveLength(1);

    // A colleague's clone of the same commit, with its own ceiling: same key, the committed job, no new upload.
    const clone = cloneOf(project, true);
    setConfigCeiling(clone, 3);
    const cloned = await runJson([], { cwd: clone, env });
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(readLock(clone).stages.train!.key).toBe(key);
    expect(readLock(clone).stages.train!.job_id).toBe(readLock(project).stages.train!.job_id);
    expect(cloned.stderr).toMatch(/adopting job ftjob-\w+ \(succeeded\) recorded in the lock file/);
    expect(await listJobs(server.client)).toHaveLength(1);
    expect((await server.client.files.list({ purpose: 'fine-tune' })).data).toHaveLength(2);
  }, 180_000);
});

describe('concurrent creators', () => {
  it('two fresh clones started at once against one server end with one job that is not cancelled, and the same model', async () => {
    const project = makeOpenAiProject();
    // Every job holds before its first step until a job is cancelled, so the job a run cancels is still queued or
    // running when it does.
    const hold = holdAt(1);
    const server = await serve(join(project, 'served'), { env: hold.env });
    // Both runs look for the key's jobs, find none, and create one: hold the two creates until both have arrived, so
    // that no job exists while either run looks (the race this test is about). Holding the two lookups instead was not
    // enough: once released, one run's create could still reach the server before the other's lookup.
    const proxy: FaultProxy = await startFaultProxy(server.url, [{ method: 'POST', path: /^\/fine_tuning\/jobs$/, fault: { kind: 'rendezvous', count: 2 }, times: 2 }]);
    cleanups.push(() => proxy.close());
    const [a, b] = [cloneOf(project, false), cloneOf(project, false)];
    let ended = '';
    const runs = Promise.all([a, b].map((cwd) => runJson([], { cwd, env: envFor(proxy.url) }).finally(() => (ended ||= `a run ended first (${cwd})`))));
    await untilOneCancelled(server.client, () => ended || undefined);
    hold.release();
    const [ra, rb] = await runs;
    expect(ra.code, ra.stderr).toBe(0);
    expect(rb.code, rb.stderr).toBe(0);
    const key = readLock(a).stages.train!.key;
    expect(readLock(b).stages.train!.key).toBe(key);
    const jobs = (await listJobs(server.client)).filter((j) => j.metadata?.tunefile_key === key);
    expect(jobs).toHaveLength(2); // both created one: the rendezvous worked
    const kept = jobs.filter((j) => j.status !== 'cancelled');
    expect(kept, JSON.stringify(jobs.map((j) => [j.id, j.status, j.created_at]))+ra.stderr+rb.stderr).toHaveLength(1);
    expect(readLock(a).stages.train!.fine_tuned_model).toBe(kept[0]!.fine_tuned_model);
    expect(readLock(b).stages.train!.fine_tuned_model).toBe(kept[0]!.fine_tuned_model);
    const cancelled = jobs.find((j) => j.status === 'cancelled')!;
    expect(`${ra.stderr}\n${rb.stderr}`).toContain(`cancelled this run's job ${cancelled.id} and adopting ${kept[0]!.id}`);
  }, 180_000);

  it('a job paused while run watches it is waited for, never replaced: resumed, the run ends on that one job', async () => {
    const project = makeOpenAiProject();
    const hold = holdAt(2);
    const server = await serve(join(project, 'served'), { env: hold.env });
    const run = startCli(['run'], { cwd: project, env: envFor(server.url) });
    const { job_id: jobId } = await hold.held({ gone: () => (run.child.exitCode === null ? undefined : `the run exited: ${run.output().stderr}`) });
    expect((await server.client.fineTuning.jobs.pause(jobId)).status).toBe('paused');
    await waitFor(() => run.output().stderr.includes(`paused at the provider: resume it there (POST /fine_tuning/jobs/${jobId}/resume)`), 60_000, 'train to report the paused job');
    hold.release();
    await server.client.fineTuning.jobs.resume(jobId);
    const done = await run.done;
    expect(done.code, run.output().stderr).toBe(0);
    expect((await listJobs(server.client)).map((j) => [j.id, j.status])).toEqual([[jobId, 'succeeded']]);
    expect(readLock(project).stages.train!.job_id).toBe(jobId);
  }, 180_000);

  it('runs killed between creating their jobs and settling settle on the next run: still one job not cancelled', async () => {
    const project = makeOpenAiProject();
    // Every job holds before its first step until a job is cancelled, so neither can end before the reruns cancel one.
    const hold = holdAt(1);
    const server = await serve(join(project, 'served'), { env: hold.env });
    // Both runs find no job and create one: their creates are held until both have arrived (so neither lookup can see
    // the other's job). Each run's next look for an older twin (after its first lookup) never gets an answer: kill
    // them there.
    const jobs = /^\/fine_tuning\/jobs$/;
    const proxy = await startFaultProxy(server.url, [
      { method: 'POST', path: jobs, fault: { kind: 'rendezvous', count: 2 }, times: 2 },
      { method: 'GET', path: jobs, fault: { kind: 'stall' }, after: 2 },
    ]);
    cleanups.push(() => proxy.close());
    const clones = [cloneOf(project, false), cloneOf(project, false)];
    const runs = clones.map((cwd) => startCli(['run'], { cwd, env: envFor(proxy.url) }));
    await waitFor(() => proxy.log.filter((l) => l.fault === 'stall').length === 2, 60_000, 'both runs to look for an older twin');
    expect((await listJobs(server.client)).filter((j) => j.status !== 'cancelled')).toHaveLength(2);
    for (const run of runs) run.child.kill('SIGKILL');
    await Promise.all(runs.map((r) => r.done));

    // Both reruns at once (each clone is its own project): the one whose job is newer cancels it and adopts the other,
    // whose rerun keeps its own; both then wait for that job, released once the cancel is done.
    proxy.setRules([]);
    let ended = '';
    const reruns = Promise.all(clones.map((cwd) => runJson([], { cwd, env: envFor(proxy.url) }).finally(() => (ended ||= `a rerun ended first (${cwd})`))));
    await untilOneCancelled(server.client, () => ended || undefined);
    hold.release();
    let log = '';
    for (const rerun of await reruns) {
      expect(rerun.code, rerun.stderr).toBe(0);
      log += rerun.stderr;
    }
    const all = await listJobs(server.client);
    const kept = all.filter((j) => j.status !== 'cancelled');
    expect(kept, JSON.stringify(all.map((j) => [j.id, j.status, j.created_at])) + log).toHaveLength(1);
    for (const cwd of clones) expect(readLock(cwd).stages.train!.job_id).toBe(kept[0]!.id);
  }, 180_000);
});

describe('reuse verifies what it reuses', () => {
  it('a planted same-name, same-size, label-flipped file and a planted job carrying our key are not used', async () => {
    // A clean run learns what a fresh clone will upload and which key its train stage has on this server address.
    const project = makeOpenAiProject();
    const clean = await serve(join(project, 'served-clean'));
    const first = await runJson([], { cwd: project, env: envFor(clean.url) });
    expect(first.code, first.stderr).toBe(0);
    const lock = readLock(project);
    const key = lock.stages.train!.key;
    const uploaded = Buffer.from(await (await clean.client.files.content(lock.stages.upload!.files.train)).arrayBuffer()).toString('utf8');
    const { filename } = await clean.client.files.retrieve(lock.stages.upload!.files.train);
    const port = clean.port;
    await clean.stop();

    // The attacker's server state at the same address: the same name and size with every spam label swapped onto a ham row.
    const attacked = await serve(join(project, 'served-attacked'), { port });
    const poisoned = flipLabels(uploaded);
    expect(Buffer.byteLength(poisoned)).toBe(Buffer.byteLength(uploaded));
    expect(poisoned).not.toBe(uploaded);
    const planted = await attacked.client.files.create({ file: await toFile(Buffer.from(poisoned), filename), purpose: 'fine-tune' });
    const plantedJob = await attacked.client.fineTuning.jobs.create({
      model: 'babbage-002', training_file: planted.id, validation_file: planted.id, seed: 42,
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 4 } } }, metadata: { tunefile_key: key },
    });

    const victim = cloneOf(project, false);
    const run = await runJson([], { cwd: victim, env: envFor(attacked.url) });
    expect(run.code, run.stderr).toBe(0);
    const victimLock = readLock(victim);
    expect(victimLock.stages.train!.key).toBe(key);
    expect(victimLock.stages.upload!.files.train).not.toBe(planted.id);
    expect(victimLock.stages.train!.job_id).not.toBe(plantedJob.id);
    const job = await attacked.client.fineTuning.jobs.retrieve(victimLock.stages.train!.job_id);
    expect(job.training_file).not.toBe(planted.id);
    expect(run.stderr).toContain(`job ${plantedJob.id} carries this stage's tunefile_key but is not its job (its training file ${planted.id} does not hold this stage's training data); not adopted`);
    expect(accuracyOf(victim)).toBe(accuracyOf(project));
  }, 180_000);
});

/** Swaps the completions of each spam row and the next ham row: same bytes in total, labels flipped. */
function flipLabels(jsonl: string): string {
  const rows = jsonl.trimEnd().split('\n').map((l) => JSON.parse(l) as { prompt: string; completion: string });
  const spam = rows.filter((r) => r.completion.trim() === 'spam');
  const ham = rows.filter((r) => r.completion.trim() === 'ham');
  spam.forEach((row, i) => {
    const other = ham[i]!;
    [row.completion, other.completion] = [other.completion, row.completion];
  });
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

describe('forced jobs are journaled like any other', () => {
  it('Ctrl-C during run --force train, then run: one more job only, and the lock names the forced job', async () => {
    const project = makeSampleProject();
    const first = await runJson([], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    const oldJob = readLock(project).stages.train!.job_id;

    // The forced job holds before step 2 (never released), so it is running when Ctrl-C comes.
    const hold = holdAt(2);
    const forced = startCli(['run', '--force', 'train'], { cwd: project, env: hold.env });
    const { job_id: forcedJob } = await hold.held({ gone: () => (forced.child.exitCode === null ? undefined : `the run exited: ${forced.output().stderr}`) });
    expect(forcedJob).not.toBe(oldJob);
    await waitFor(() => forced.output().stderr.includes(`train: ${forcedJob} running`), 60_000, 'train to poll the forced job');
    forced.child.kill('SIGINT');
    expect((await forced.done).code).toBe(130);
    const onDisk = JSON.parse(readFileSync(join(project, '.tunefile', 'local', 'jobs', forcedJob, 'job.json'), 'utf8')) as { job: { status: string } };
    expect(onDisk.job.status).toBe('running');

    const rerun = await runJson([], { cwd: project });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.status.train).toBe('ran');
    expect(rerun.stderr).toContain(`resuming job ${forcedJob}`);
    const { jobs } = await readProviderState(project);
    expect(jobs.map((j) => j.id).sort()).toEqual([oldJob, forcedJob].sort());
    const lock = readLock(project);
    expect(lock.stages.train!.job_id).toBe(forcedJob);
    expect(lock.stages.train!.fine_tuned_model).toBe(jobs.find((j) => j.id === forcedJob)!.fine_tuned_model);
  }, 180_000);

  it('--force and --stage with an unknown id exit 2 with did-you-mean; --downstream needs --stage', async () => {
    const project = makeSampleProject();
    const typo = await runCli(['run', '--force', 'trian'], { cwd: project });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("--force trian: no stage 'trian' in pipeline.yaml; did you mean 'train'?");
    const stage = await runCli(['run', '--stage', 'evaluat', '--dry-run'], { cwd: project });
    expect(stage.code).toBe(2);
    expect(stage.stderr).toContain("did you mean 'evaluate'?");
    const downstream = await runCli(['run', '--downstream'], { cwd: project });
    expect(downstream.code).toBe(2);
    expect(downstream.stderr).toContain('--downstream needs --stage');
    expect(await readProviderState(project)).toEqual({ jobs: [], uploads: [] });
  }, 60_000);
});
