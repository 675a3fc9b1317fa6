// Issue 7, provider faults: the full SMS pipeline with `provider: openai` through test/helpers/fault-proxy.ts in front
// of `tunefile serve`. Retries that can succeed complete the pipeline with one job per key; faults that cannot be
// retried fail with exit 1 naming the provider's error, and the failed stage is never cached.


import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.ts';
import { startServe, type Serve } from '../helpers/serve.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { SMS_PIPELINE, localJobs, makeSmsProject } from './sms.ts';
import { tempDir } from '../helpers/temp.ts';

const KEY = 'sk-fault-tests';

/** `tunefile serve` with this file's key, on a fresh data folder. */
function serve(env: Record<string, string> = {}): Promise<Serve> {
  return startServe(tempDir('tunefile-faults-serve-'), { apiKey: KEY, env });
}

describe('provider faults through a proxy in front of tunefile serve', () => {
  let served: Awaited<ReturnType<typeof serve>>;
  let proxy: FaultProxy;
  // The SDK's own timeout (120 s, far above any healthy request here): only the test that stalls a request shortens it.
  const env = () => ({ OPENAI_API_KEY: KEY, OPENAI_BASE_URL: proxy.url, TUNEFILE_OPENAI_MAX_RETRIES: '3' });
  // The server outlives each test, so a test run again (the soak's --repeats) gets another split and training seed
  // each time: uploads and train keys of its own, never the jobs an earlier repeat left on the server.
  const made = new Map<number, number>();
  const project = (rows = 800) => {
    const earlier = made.get(rows) ?? 0;
    made.set(rows, earlier + 1);
    return makeSmsProject({ rows, edits: [['provider: local', 'provider: openai'], ['  seed: 42\n', `  seed: ${42 + earlier}\n`]] });
  };

  beforeAll(async () => {
    served = await serve();
    proxy = await startFaultProxy(served.url);
  });
  afterAll(async () => {
    await proxy.close();
    await served.stop();
  });

  it('completes through 429 + Retry-After, 500, 503 and resets mid-body with one job, and through a stalled completion that the 2 s client timeout cuts', async () => {
    const dir = project();
    const first = proxy.log.length; // the proxy serves every test of the file (and every repeat of the soak)
    proxy.setRules([
      { method: 'POST', path: /^\/files$/, fault: { kind: 'status', status: 429, retryAfter: 1 }, times: 1 },
      { method: 'GET', path: /^\/files$/, fault: { kind: 'status', status: 503 }, times: 1 },
      { method: 'GET', path: /^\/fine_tuning\/jobs\/[^/]+$/, fault: { kind: 'status', status: 500 }, times: 1 },
      { method: 'GET', path: /^\/fine_tuning\/jobs\/[^/]+\/events$/, fault: { kind: 'reset' }, times: 1 },
      { method: 'POST', path: /^\/completions$/, fault: { kind: 'reset' }, times: 1 },
    ]);
    const run = await runJson([SMS_PIPELINE], { cwd: dir, env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(Object.values(run.status)).toEqual(Array(8).fill('ran'));
    const applied = proxy.log.slice(first).filter((l) => l.fault !== 'forwarded').map((l) => `${l.method} ${l.path.replace(/(file|ftjob)-\w+/, '$1-*')} ${l.fault}`);
    expect(applied).toEqual(expect.arrayContaining([
      'POST /files status 429', 'GET /files status 503', 'GET /fine_tuning/jobs/ftjob-* status 500',
      'GET /fine_tuning/jobs/ftjob-*/events reset', 'POST /completions reset',
    ]));
    const trainKey = run.report.stages.find((s: { id: string }) => s.id === 'train').key as string;
    expect(localJobs(served.dataDir, true).filter((j) => j.key === trainKey)).toHaveLength(1);

    // evaluate again with a 2 s client timeout: the first completions request stalls forever, so only the client's
    // timeout ends it, and the SDK sends it again. The proxy answers every other completions request of this run from
    // memory, with the server's answer to the same request above, so none of them waits on the server under the short
    // timeout. The run's other requests (checks of the cached upload and job) fall back to the cached result when
    // they fail, so the outcome does not depend on their speed either.
    proxy.setRules([
      { method: 'POST', path: /^\/completions$/, fault: { kind: 'stall' }, times: 1 },
      { method: 'POST', path: /^\/completions$/, fault: { kind: 'replay' } },
    ]);
    const seen = proxy.log.length;
    const gaveUp = proxy.abandoned.length;
    const again = await runJson([SMS_PIPELINE, '--force', 'evaluate'], { cwd: dir, env: { ...env(), TUNEFILE_OPENAI_TIMEOUT_MS: '2000' } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.status).toMatchObject({ train: 'cached', evaluate: 'ran' });
    const completions = proxy.log.slice(seen).filter((l) => l.path === '/completions').map((l) => l.fault);
    expect(completions[0]).toBe('stall');
    expect(completions.slice(1).every((f) => f === 'replay'), completions.join(', ')).toBe(true);
    // The client closed the stalled request (its timeout) and sent it again: one request more than there are batches
    // (the first run forwarded one answer per batch; its reset batch was asked again).
    expect(proxy.abandoned.slice(gaveUp)).toEqual([{ method: 'POST', path: '/completions' }]);
    const batches = proxy.log.slice(first, seen).filter((l) => l.path === '/completions' && l.fault === 'forwarded').length;
    expect(completions).toHaveLength(batches + 1);
    const outputs = (r: typeof run) => r.report.stages.find((s: { id: string }) => s.id === 'evaluate').outputs;
    expect(outputs(again).predictions.hash).toBe(outputs(run).predictions.hash);
  });

  it('adopts the job when the create response is cut mid-body (the job exists): never a second job', async () => {
    const dir = project(700);
    const first = proxy.log.length;
    proxy.setRules([{ method: 'POST', path: /^\/fine_tuning\/jobs$/, fault: { kind: 'reset' }, times: 1 }]);
    const run = await runJson([SMS_PIPELINE], { cwd: dir, env: env() });
    expect(run.code, run.stderr).toBe(0);
    expect(proxy.log.slice(first).some((l) => l.path === '/fine_tuning/jobs' && l.fault === 'reset')).toBe(true);
    const trainKey = run.report.stages.find((s: { id: string }) => s.id === 'train').key as string;
    expect(localJobs(served.dataDir, true).filter((j) => j.key === trainKey)).toHaveLength(1);
  });

  it('fails with exit 1 naming the provider error when retries cannot succeed, caches nothing, and a rerun completes', async () => {
    const dir = project(650);
    proxy.setRules([{ method: 'POST', path: /^\/fine_tuning\/jobs$/, fault: { kind: 'status', status: 500, message: 'the GPUs are on fire' } }]);
    const failed = await runJson([SMS_PIPELINE], { cwd: dir, env: env() });
    expect(failed.code).toBe(1);
    expect(failed.status.train).toBe('failed');
    expect(failed.status.evaluate).toBe('skipped');
    expect(failed.report.stages.find((s: { id: string }) => s.id === 'train').error).toContain('the GPUs are on fire');
    const plain = await runCli(['run', SMS_PIPELINE], { cwd: dir, env: env() });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain('the GPUs are on fire');
    expect(plain.stderr).not.toMatch(/^ {4}at /m);
    const status = JSON.parse((await runCli(['status', SMS_PIPELINE, '--json'], { cwd: dir, env: env() })).stdout);
    expect(status.stages.find((s: { id: string }) => s.id === 'train').state).not.toBe('up-to-date');

    proxy.setRules([]);
    const rerun = await runJson([SMS_PIPELINE], { cwd: dir, env: env() });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.status.train).toBe('ran');
    const trainKey = rerun.report.stages.find((s: { id: string }) => s.id === 'train').key as string;
    expect(localJobs(served.dataDir, true).filter((j) => j.key === trainKey)).toHaveLength(1);
  });

  it('a truncated JSON body and endless 429s on completions fail evaluate with exit 1 and the provider error; nothing cached', async () => {
    const dir = project(600);
    const first = proxy.log.length;
    proxy.setRules([
      { method: 'GET', path: /^\/fine_tuning\/jobs\/[^/]+$/, fault: { kind: 'truncate' }, times: 1 },
      { method: 'POST', path: /^\/completions$/, fault: { kind: 'status', status: 429, retryAfter: 0, message: 'rate limit reached for requests' } },
    ]);
    const failed = await runJson([SMS_PIPELINE], { cwd: dir, env: { ...env(), TUNEFILE_OPENAI_MAX_RETRIES: '1' } });
    expect(failed.code).toBe(1);
    expect(proxy.log.slice(first).some((l) => l.fault === 'truncate')).toBe(true);
    const failedStage = failed.report.stages.find((s: { status: string }) => s.status === 'failed');
    expect(failedStage.id).toBe('evaluate');
    expect(failedStage.error).toContain('rate limit reached for requests');
    const status = JSON.parse((await runCli(['status', SMS_PIPELINE, '--json'], { cwd: dir, env: env() })).stdout);
    expect(status.stages.find((s: { id: string }) => s.id === 'evaluate').state).not.toBe('up-to-date');
    expect(status.stages.find((s: { id: string }) => s.id === 'train').state).toBe('up-to-date');
  });
});

describe('a job that fails at step N', () => {
  it('fails train with exit 1 and the provider message, caches nothing, and leaves exactly one failed job', async () => {
    const served = await serve({ TUNEFILE_LOCAL_FAIL_AT_STEP: '5' });
    const proxy = await startFaultProxy(served.url);
    try {
      const dir = makeSmsProject({ rows: 600, edits: [['provider: local', 'provider: openai']] });
      const env = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: proxy.url };
      const failed = await runJson([SMS_PIPELINE], { cwd: dir, env });
      expect(failed.code).toBe(1);
      expect(failed.status.train).toBe('failed');
      const error = failed.report.stages.find((s: { id: string }) => s.id === 'train').error as string;
      expect(error).toMatch(/fine-tuning job ftjob-\w+ failed: .*step 5/);
      expect(error).toContain('nothing was cached');
      const status = JSON.parse((await runCli(['status', SMS_PIPELINE, '--json'], { cwd: dir, env })).stdout);
      expect(status.stages.find((s: { id: string }) => s.id === 'train').state).not.toBe('up-to-date');
      const jobs = localJobs(served.dataDir, true);
      expect(jobs.map((j) => j.status)).toEqual(['failed']);
    } finally {
      await proxy.close();
      await served.stop();
    }
  });
});
