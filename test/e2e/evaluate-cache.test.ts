// e2e (issue 13): evaluate's predictions are cached per model and prompt. Completion requests are counted at a proxy
// in front of `tunefile serve` (the sample pipeline with `provider: openai`): report-only changes make none, a bad
// `positive` fails before any, an interrupted evaluate keeps what it got, and --force or a new model asks again.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_SIZE } from '../../src/stages/evaluate/predict.ts';
import { runCli, runJson } from '../helpers/cli.ts';
import { SERVE_KEY as API_KEY, startServe, type Serve } from '../helpers/serve.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { makeSampleProject, readLock } from './pipeline-support.ts';
import { tempDir } from '../helpers/temp.ts';

const REPORT = join('reports', 'sms-spam');

describe("evaluate's prediction cache, counted at the provider", () => {
  let server: Serve;
  let proxy: FaultProxy;
  const env = (extra: Record<string, string> = {}) => ({ OPENAI_BASE_URL: proxy.url, OPENAI_API_KEY: API_KEY, ...extra });
  const project = () => makeSampleProject((yaml) => yaml.replace('provider: local', 'provider: openai'));

  /** Runs `tunefile run --json ARGS` and counts the completion requests that reached the proxy meanwhile. */
  async function counted(dir: string, args: string[], extraEnv: Record<string, string> = {}) {
    const before = proxy.log.length;
    const run = await runJson(args, { cwd: dir, env: env(extraEnv) });
    const completions = proxy.log.slice(before).filter((l) => l.method === 'POST' && /^\/(chat\/)?completions$/.test(l.path)).length;
    return { ...run, completions };
  }
  const evaluateOf = (run: { report: { stages: { id: string }[] } }) => run.report.stages.find((s) => s.id === 'evaluate') as any;
  const validRows = (dir: string) => readLock(dir).stages.split!.outputs.valid.rows as number;

  beforeAll(async () => {
    server = await startServe(tempDir('tunefile-evaluate-cache-serve-'));
    proxy = await startFaultProxy(server.url);
  }, 30_000);

  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('a positive that is not a label fails before any completion request; an interrupted evaluate keeps the answers it got', async () => {
    const dir = project();
    const before = proxy.log.length;
    const bad = await runCli(['run', '--set', 'evaluate.with.positive=spma'], { cwd: dir, env: env() });
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stderr).toContain('error: pipeline.yaml:evaluate: positive "spma" is not one of the labels: "ham", "spam"');
    expect(bad.stderr).toContain('hint: did you mean "spam"?');
    const sent = proxy.log.slice(before);
    expect(sent.some((l) => l.path === '/fine_tuning/jobs')).toBe(true); // it trained: evaluate really ran and stopped
    expect(sent.filter((l) => /completions$/.test(l.path))).toEqual([]);

    // The provider fails the 4th completions request: with one request in flight, 3 batches were answered first.
    proxy.setRules([{ method: 'POST', path: /^\/completions$/, fault: { kind: 'status', status: 500, message: 'the model is on fire' }, after: 3 }]);
    const cut = await counted(dir, ['--set', 'evaluate.with.concurrency=1'], { TUNEFILE_OPENAI_MAX_RETRIES: '0' });
    proxy.setRules([]);
    expect(cut.code).toBe(1);
    expect(cut.status.evaluate).toBe('failed');
    expect(evaluateOf(cut).error).toContain('the model is on fire');
    expect(cut.completions).toBe(4);

    const rerun = await counted(dir, []);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.status.evaluate).toBe('ran');
    const n = validRows(dir);
    expect(n).toBeGreaterThan(3 * DEFAULT_BATCH_SIZE);
    expect(rerun.completions).toBe(Math.ceil((n - 3 * DEFAULT_BATCH_SIZE) / DEFAULT_BATCH_SIZE));
    expect(evaluateOf(rerun).outputs.predictions.rows).toBe(n);
  }, 120_000);

  it('report-only changes re-render from cached predictions with no request; --force or a new model asks again', async () => {
    const dir = project();
    const first = await counted(dir, []);
    expect(first.code, first.stderr).toBe(0);
    const n = validRows(dir);
    const everyBatch = Math.ceil(n / DEFAULT_BATCH_SIZE);
    expect(first.completions).toBe(everyBatch);
    const predictions = evaluateOf(first).outputs.predictions.hash as string;
    const metrics = readFileSync(join(dir, REPORT, 'metrics.json'), 'utf8');
    expect(JSON.parse(metrics).accuracy).toBeGreaterThan(0.9);

    const titled = await counted(dir, ['--set', 'evaluate.with.title=Spam filter, re-rendered']);
    expect(titled.code, titled.stderr).toBe(0);
    expect(titled.status.evaluate).toBe('ran');
    expect(titled.completions).toBe(0);
    expect(readFileSync(join(dir, REPORT, 'report.html'), 'utf8')).toContain('Spam filter, re-rendered');
    expect(readFileSync(join(dir, REPORT, 'report.md'), 'utf8')).toContain('Spam filter, re-rendered');
    expect(evaluateOf(titled).outputs.predictions.hash).toBe(predictions);
    expect(readFileSync(join(dir, REPORT, 'metrics.json'), 'utf8')).toBe(metrics);

    // Neither how many errors the report lists nor how the requests would be batched changes an answer.
    const worst = await counted(dir, ['--set', 'evaluate.with.worst=3', '--set', 'evaluate.with.batch_size=7']);
    expect(worst.code, worst.stderr).toBe(0);
    expect(worst.status.evaluate).toBe('ran');
    expect(worst.completions).toBe(0);
    expect(readLock(dir).stages.evaluate!.params.worst).toBe(3);
    expect(evaluateOf(worst).outputs.predictions.hash).toBe(predictions);

    // --force reads nothing from the cache: the provider is asked for everything again, and answers what the cache held.
    const forced = await counted(dir, ['--force', 'evaluate']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.status.evaluate).toBe('ran');
    expect(forced.completions).toBe(everyBatch);
    expect(evaluateOf(forced).outputs.predictions.hash).toBe(predictions);

    // A new fine-tuned model answers differently: nothing of the old model's is reused.
    const retrained = await counted(dir, ['--set', 'train.with.n_epochs=1']);
    expect(retrained.code, retrained.stderr).toBe(0);
    expect([retrained.status.train, retrained.status.evaluate]).toEqual(['ran', 'ran']);
    expect(retrained.completions).toBe(everyBatch);
  }, 120_000);
});
