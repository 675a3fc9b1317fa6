// The TUNEFILE_LOCAL_HOLD testing aid on `tunefile serve`: a job holds before a step, with everything before it
// recorded, until the release file exists; then it ends exactly as an unheld job.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, waitFor } from '../helpers/cli.ts';
import { holdAt } from '../helpers/hold.ts';
import { startServe } from '../helpers/serve.ts';
import { tempDir } from '../helpers/temp.ts';
import { parseHold } from '../../src/local/hold.ts';
import { makeDataDir, smallSms, toJsonl, upload, waitForJob } from './helpers.ts';

describe('TUNEFILE_LOCAL_HOLD', () => {
  it('holds a job before the step, after the previous epoch is checkpointed, until released; then no job holds', async () => {
    // 30 examples, batch 5: 6 steps per epoch, 18 in all. Step 7 is the first of epoch 2.
    const hyperparameters = { n_epochs: 3, batch_size: 5 };
    const hold = holdAt(7);
    const serve = await startServe(makeDataDir(), { env: hold.env });
    try {
      const { client } = serve;
      const fileId = await upload(client, toJsonl(smallSms()), 'small.jsonl');
      const create = () => client.fineTuning.jobs.create({ model: 'babbage-002', training_file: fileId, seed: 3, method: { type: 'supervised', supervised: { hyperparameters } } });
      const first = await create();
      const held = await hold.held({ gone: () => (serve.child.exitCode === null ? undefined : `serve exited: ${serve.stderr()}`) });
      expect(held).toEqual({ job_id: first.id, step: 7 });
      await waitFor(() => serve.stderr().includes(`job ${first.id} held before step 7`), 20_000, 'the server to log the hold');

      // Held: running, steps 1-6 and the checkpoint of epoch 1 recorded, step 7 not run.
      expect((await client.fineTuning.jobs.retrieve(first.id)).status).toBe('running');
      const events = (await client.fineTuning.jobs.listEvents(first.id, { limit: 100 })).data;
      expect(events.filter((e) => e.type === 'metrics').map((e) => (e.data as { step: number }).step)).toEqual([6, 5, 4, 3, 2, 1]);
      expect((await client.fineTuning.jobs.checkpoints.list(first.id)).data.map((c) => c.step_number)).toEqual([6]);

      hold.release();
      const done = await waitForJob(client, first.id);
      expect(done.status).toBe('succeeded');
      // The release file exists: a second job with the same inputs does not hold (or waitForJob would time out)...
      const second = await waitForJob(client, (await create()).id);
      expect(second.status).toBe('succeeded');
      expect(JSON.parse(readFileSync(`${hold.path}.held`, 'utf8'))).toEqual(held);
      // ...and the held job trained exactly what the unheld one did.
      const csv = async (job: typeof done) => (await client.files.content(job.result_files[0]!)).text();
      expect(await csv(done)).toBe(await csv(second));
      expect((await csv(done)).trim().split('\n')).toHaveLength(1 + 18);
    } finally {
      await serve.stop();
    }
  });

  it('a malformed value stops tunefile serve before it starts: exit 2 naming the variable', async () => {
    for (const value of ['abc', '0:/tmp/release', '12', ':/tmp/release']) {
      const dataDir = join(tempDir('tunefile-hold-bad-'), 'data');
      const result = await runCli(['serve', '--port', '0', '--data', dataDir], { cwd: tempDir('tunefile-hold-cwd-'), env: { TUNEFILE_LOCAL_HOLD: value } });
      expect(result.code, `${value}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`TUNEFILE_LOCAL_HOLD='${value}' is not <step>:<path>`);
      expect(result.stderr).not.toMatch(/^ {4}at /m);
      expect(existsSync(dataDir), value).toBe(false);
    }
    expect(parseHold('3:rel/release', '/base')).toEqual({ step: 3, path: '/base/rel/release' });
    expect(parseHold('3:C:\\x\\release', '/base')?.step).toBe(3);
    expect(parseHold('', '/base')).toBeUndefined();
    expect(parseHold(undefined, '/base')).toBeUndefined();
  });
});
