// The `sky` driver against test/helpers/sky-stand-in.ts, a stand-in that prints what SkyPilot 0.14.1 prints for
// these commands (it is not SkyPilot: the trainer tier drives the real program, test/trainers/skypilot.test.ts).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStandIn, writeStandIn, type StandInState } from '../../../../test/helpers/sky-stand-in.ts';
import { tempDir } from '../../../../test/helpers/temp.ts';
import { TunefileError } from '../../../errors.ts';
import { createSkyCli, type SkyCliOptions } from './cli.ts';

const STAND_IN = join(import.meta.dirname, '..', '..', '..', '..', 'test', 'helpers', 'sky-stand-in.ts');

/** A driver over a fresh stand-in; `state` reads and `edit` changes the stand-in's world. */
function standIn(options: Omit<SkyCliOptions, 'command' | 'programEnv'> = {}) {
  const dir = tempDir();
  const statePath = join(dir, 'state.json');
  const taskPath = join(dir, 'task.yaml');
  writeFileSync(taskPath, 'name: tunefile-0123456789ab\nrun: echo hi\n');
  const cli = createSkyCli({ ...options, command: [process.execPath, STAND_IN], programEnv: { SKY_STAND_IN_STATE: statePath } });
  const state = () => readStandIn(statePath);
  const edit = (change: (s: StandInState) => void) => {
    const s = state();
    change(s);
    writeStandIn(statePath, s);
  };
  return { cli, state, edit, taskPath };
}

async function failure(promise: Promise<unknown>): Promise<TunefileError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TunefileError);
  return error as TunefileError;
}

describe('the stand-in', () => {
  it('prints what the real sky printed (test/fixtures/skypilot/), byte for byte', () => {
    const { state, edit, taskPath } = standIn();
    const statePath = join(taskPath, '..', 'state.json');
    const run = (...args: string[]) => execFileSync(process.execPath, [STAND_IN, ...args], { env: { ...process.env, SKY_STAND_IN_STATE: statePath }, encoding: 'utf8' });
    const captured = (file: string) => readFileSync(join(STAND_IN, '..', '..', 'fixtures', 'skypilot', file), 'utf8');
    edit((s) => {
      s.jobs = [3, 4].map((id) => ({ id, name: 'tunefile-0123456789ab', status: id === 3 ? 'FAILED_PRECHECKS' : 'STARTING', submittedAt: 0, log: [], task: '' }));
    });
    expect(run('jobs', 'cancel', '--yes', '999')).toBe(captured('cancel-unknown.stdout.txt'));
    expect(run('jobs', 'cancel', '--yes', '3')).toBe(captured('cancel-terminal.stdout.txt'));
    expect(run('jobs', 'cancel', '--yes', '4')).toBe(captured('cancel.stdout.txt'));
    expect(run('jobs', 'logs', '--no-follow', '--tail', '20', '999')).toBe(captured('logs-unknown.stdout.txt'));
    edit((s) => {
      s.jobs = [{ id: 2, name: 'x', status: 'FAILED_PRECHECKS', submittedAt: 0, log: [], task: '' }];
    });
    const launched = run('jobs', 'launch', '--yes', '--detach-run', '--name', 'tunefile-0123456789ab', taskPath);
    expect(launched).toBe(captured('launch.stdout.txt').replace('YAML to run: local2.yaml', `YAML to run: ${taskPath}`));
    expect(state().jobs.map((j) => j.id)).toEqual([2, 3]);
  });
});

describe('the sky driver (against the stand-in)', () => {
  it('launches a managed job by name, detached, and returns its id', async () => {
    const { cli, state, taskPath } = standIn();
    expect(await cli.launch(taskPath, 'tunefile-0123456789ab')).toBe(1);
    expect(await cli.launch(taskPath, 'tunefile-0123456789ab')).toBe(2);
    expect(state().calls[0]!.argv).toEqual(['jobs', 'launch', '--yes', '--detach-run', '--name', 'tunefile-0123456789ab', taskPath]);
  });

  it('passes credential-named variables as --secret NAME, their values in its environment only', async () => {
    const { cli, state, taskPath } = standIn({ env: { HF_TOKEN: 'hf_abcdefghijklmnop', SEED: '1' } });
    await cli.launch(taskPath, 'tunefile-0123456789ab');
    const [call] = state().calls;
    expect(call!.argv).toEqual(['jobs', 'launch', '--yes', '--detach-run', '--name', 'tunefile-0123456789ab', '--secret', 'HF_TOKEN', taskPath]);
    expect(call!.secretsInEnv).toEqual(['HF_TOKEN']);
    expect(JSON.stringify(call!.argv)).not.toContain('hf_abcdefghijklmnop');
  });

  it('lists the jobs newest first with OpenAI statuses, and finds the ones of a name', async () => {
    const { cli, edit, taskPath } = standIn();
    await cli.launch(taskPath, 'tunefile-aaaaaaaaaaaa');
    await cli.launch(taskPath, 'tunefile-bbbbbbbbbbbb');
    await cli.launch(taskPath, 'tunefile-aaaaaaaaaaaa');
    edit((s) => {
      s.jobs[0]!.status = 'FAILED_NO_RESOURCE';
      s.jobs[1]!.status = 'SUCCEEDED';
      s.jobs[2]!.status = 'RECOVERING';
    });
    expect((await cli.queue()).map((j) => [j.id, j.status])).toEqual([[3, 'running'], [2, 'succeeded'], [1, 'failed']]);
    const found = await cli.findByName('tunefile-aaaaaaaaaaaa');
    expect(found.map((j) => [j.id, j.skyStatus])).toEqual([[3, 'RECOVERING'], [1, 'FAILED_NO_RESOURCE']]);
    expect(await cli.findByName('tunefile-cccccccccccc')).toEqual([]);
  });

  it('with no jobs controller up, lists nothing, and adoption asks again with --refresh', async () => {
    const { cli, state, edit, taskPath } = standIn();
    await cli.launch(taskPath, 'tunefile-aaaaaaaaaaaa');
    edit((s) => {
      s.jobs[0]!.status = 'SUCCEEDED';
      s.controllerUp = false;
    });
    expect(await cli.queue()).toEqual([]);
    // A job that finished before the controller autostopped is still found: the run must not train twice.
    expect((await cli.findByName('tunefile-aaaaaaaaaaaa')).map((j) => j.status)).toEqual(['succeeded']);
    expect(state().calls.slice(-2).map((c) => c.argv.includes('--refresh'))).toEqual([false, true]);
  });

  it('reads the tail of a log without the prefixes, and cancels', async () => {
    const { cli, edit, state, taskPath } = standIn();
    const id = await cli.launch(taskPath, 'tunefile-aaaaaaaaaaaa');
    edit((s) => {
      s.jobs[0]!.status = 'RUNNING';
      s.jobs[0]!.log = ['step 1/4', "{'loss': 2.5}", "{'loss': 1.5}"];
    });
    expect(await cli.logs(id, 2)).toBe("{'loss': 2.5}\n{'loss': 1.5}\n");
    await cli.cancel(id);
    expect(state().jobs[0]!.status).toBe('CANCELLED');
    // Cancelling a finished job changes nothing and is no error, as with SkyPilot.
    await cli.cancel(id);
  });

  it('says so when SkyPilot has no job of that id', async () => {
    const { cli } = standIn();
    expect((await failure(cli.logs(7, 10))).code).toBe('TUNEFILE_NOT_FOUND');
    expect((await failure(cli.cancel(7))).message).toBe('SkyPilot has no managed job 7');
  });

  it("reports a failing sky with its stderr's last lines, environment values redacted", async () => {
    const env = { WANDB_API_KEY: 'wandb-secret-0123456789', DATA_URL: 'https://internal.example/data-42' };
    const { cli, edit, taskPath } = standIn({ env });
    const stderr = `Traceback (most recent call last):\n  File "x.py"\nsky.exceptions.ResourcesUnavailableError: no A100 (key wandb-secret-0123456789, url https://internal.example/data-42)\n`;
    edit((s) => {
      s.fail = { verb: 'launch', stderr: `\x1b[31m${stderr}\x1b[0m`, code: 1 };
    });
    const error = await failure(cli.launch(taskPath, 'tunefile-aaaaaaaaaaaa'));
    expect(error.code).toBe('TUNEFILE_PROVIDER');
    expect(error.message).toMatch(/jobs launch' exited with code 1$/);
    const shown = [error.message, ...error.details].join('\n');
    expect(shown).toContain('sky.exceptions.ResourcesUnavailableError: no A100 (key [redacted], url [redacted])');
    expect(shown).not.toContain('wandb-secret-0123456789');
    expect(shown).not.toContain('\x1b[');
  });

  it('reports a queue it cannot read, and a sky that is not installed', async () => {
    const { cli, edit } = standIn();
    edit((s) => {
      s.fail = { verb: 'queue', stderr: "Usage: sky jobs queue [OPTIONS]\nError: No such option: --output\n", code: 2 };
    });
    expect((await failure(cli.queue())).details.join('\n')).toContain('No such option: --output');
    const missing = createSkyCli({ command: [join(tempDir(), 'no-such-sky')] });
    const error = await failure(missing.queue());
    expect(error.message).toMatch(/program was not found$/);
    expect(error.hint).toContain('pip install skypilot');
  });

  it('reports a launch that printed no job id', async () => {
    const { taskPath } = standIn();
    const sayNothing = createSkyCli({ command: [process.execPath, '-e', 'console.log("YAML to run: x")'] });
    const error = await failure(sayNothing.launch(taskPath, 'tunefile-aaaaaaaaaaaa'));
    expect(error.message).toBe("'sky jobs launch' printed no managed job id for tunefile-aaaaaaaaaaaa");
    expect(error.hint).toContain('adopts a job named tunefile-aaaaaaaaaaaa');
  });
});
