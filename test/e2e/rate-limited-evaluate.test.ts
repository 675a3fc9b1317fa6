// e2e (issue 18, part 6): a whole `tunefile run` whose evaluate meets a provider's rate limit. The sample pipeline
// runs with `provider: openai` against `tunefile serve --rate-limit 160,` through a recording proxy; evaluate asks
// one prompt per request (batch_size: 1), so its 200 requests are more than a minute's worth and it must pace
// itself by the server's x-ratelimit-* headers. Every prediction arrives, the stage succeeds, and the server answers
// almost none of them with 429. Counts only: nothing here depends on how long it takes.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runJson } from '../helpers/cli.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.ts';
import { SERVE_KEY, startServe, type Serve } from '../helpers/serve.ts';
import { makeSampleProject, readLock } from './pipeline-support.ts';

describe('evaluate against a rate-limited provider, through tunefile run', () => {
  let server: Serve;
  let proxy: FaultProxy;

  beforeAll(async () => {
    server = await startServe(join(makeSampleProject(), 'served'), { rateLimit: '160,' });
    proxy = await startFaultProxy(server.url);
  }, 30_000);
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('paces itself by the headers: every prediction, at most 3 answers 429, and the stage succeeds', async () => {
    const project = makeSampleProject((yaml) => yaml.replace('provider: local', 'provider: openai'));
    const run = await runJson(['--set', 'evaluate.with.batch_size=1'], { cwd: project, env: { OPENAI_BASE_URL: proxy.url, OPENAI_API_KEY: SERVE_KEY } });
    expect(run.code, run.stderr).toBe(0);
    const n = readLock(project).stages.evaluate!.metrics!.n as number;
    expect(n).toBeGreaterThan(160); // more requests than the limit allows in a minute
    const completions = proxy.exchanges.filter((x) => x.method === 'POST' && x.path === '/completions');
    expect(completions.filter((x) => x.status === 200)).toHaveLength(n);
    expect(completions.filter((x) => x.status === 429).length).toBeLessThanOrEqual(3);
  }, 240_000);
});
