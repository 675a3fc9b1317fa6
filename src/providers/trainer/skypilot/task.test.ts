// The SkyPilot task YAML: golden files (test/fixtures/skypilot/), a run command that no argument can break (checked
// by running it with bash), credentials kept out of the file, and the refusals.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GOLDEN_DIR, GOLDEN_ROOT, HOSTILE_ARGS, SKY_TASK_CASES, layoutUnder } from '../../../../test/helpers/sky-task-cases.ts';
import { tempDir } from '../../../../test/helpers/temp.ts';
import { jobNameForKey, renderSkyTask, splitSkyEnv, type SkyTaskOptions } from './task.ts';

const base: SkyTaskOptions = SKY_TASK_CASES[0]!.options(GOLDEN_ROOT);

/** Runs a rendered task's `run` script with bash, its TUNEFILE_* folders under `dir`; returns the command's stdout. */
function runScript(run: string, dir: string): string {
  const env = { PATH: process.env.PATH, TUNEFILE_RUN_DIR: join(dir, 'run'), TUNEFILE_OUTPUT_DIR: join(dir, 'out'), TUNEFILE_CACHE_DIR: join(dir, 'cache') };
  mkdirSync(env.TUNEFILE_RUN_DIR);
  // stdin ignored: with a socket as stdin, bash would read ~/.bashrc as for a remote shell.
  return execFileSync('bash', ['-c', run], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('renderSkyTask', () => {
  it.each(SKY_TASK_CASES)('renders $file as its golden file', async ({ file, options }) => {
    await expect(renderSkyTask(options(GOLDEN_ROOT))).toMatchFileSnapshot(join(GOLDEN_DIR, file));
  });

  it('is deterministic: the same options give the same bytes', () => {
    expect(renderSkyTask({ ...base, env: { B: '2', A: '1' } })).toBe(renderSkyTask({ ...base, env: { A: '1', B: '2' } }));
  });

  it('quotes the command so bash passes every argument through unchanged and runs none of them', () => {
    // A program that prints the arguments it got, as JSON.
    const printArgs = [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))'];
    const dir = tempDir();
    const task = parse(renderSkyTask({ ...base, run: [...printArgs, ...HOSTILE_ARGS] })) as { run: string };
    expect(JSON.parse(runScript(task.run, dir))).toEqual(HOSTILE_ARGS);
    // `$(touch PWNED)` and the backquoted one stayed words: nothing was created where the command ran.
    expect(readdirSync(join(dir, 'run'))).toEqual([]);
    // The script made the output and cache folders first.
    expect(existsSync(join(dir, 'out')) && existsSync(join(dir, 'cache'))).toBe(true);
  });

  it('keeps credential-named variables out of the file: secrets by name, values passed at launch', () => {
    const text = renderSkyTask({ ...base, env: { HF_TOKEN: 'hf_abcdefghijklmnop', WANDB_API_KEY: 'wandb-0123456789', SEED: '7' } });
    const task = parse(text) as { envs: Record<string, string>; secrets: Record<string, null> };
    expect(task.secrets).toEqual({ HF_TOKEN: null, WANDB_API_KEY: null });
    expect(task.envs.SEED).toBe('7');
    expect(text).not.toContain('hf_abcdefghijklmnop');
    expect(text).not.toContain('wandb-0123456789');
  });

  it("keeps tunefile's own variables when the train environment names them too", () => {
    const task = parse(renderSkyTask({ ...base, env: { TUNEFILE_RUN_DIR: '/elsewhere', TUNEFILE_OUTPUT_DIR: '/tmp' } })) as { envs: Record<string, string> };
    expect(task.envs.TUNEFILE_RUN_DIR).toBe('/tunefile/run');
    expect(task.envs.TUNEFILE_OUTPUT_DIR).toBe('/tunefile/bucket/tunefile/tunefile-0123456789ab');
  });

  it('refuses a variable name SkyPilot does not accept', () => {
    expect(() => renderSkyTask({ ...base, env: { '1BAD': 'x' } })).toThrow(/'1BAD' is not a name SkyPilot accepts/);
    expect(() => renderSkyTask({ ...base, env: { 'A-B': 'x' } })).toThrow(/'A-B'/);
  });

  it('refuses to render without a bucket: a managed job cannot hand its outputs back otherwise', () => {
    expect(() => renderSkyTask({ ...base, spec: { resources: { accelerators: 'A100:1' } } })).toThrow(/needs provider\.skypilot\.bucket/);
  });

  it('refuses a run folder whose path SkyPilot would rewrite ($NAME of a task variable)', () => {
    const layout = layoutUnder('/home/user/$WANDB_PROJECT/run');
    expect(() => renderSkyTask({ ...base, layout, env: { WANDB_PROJECT: 'p' } })).toThrow(/contains \$WANDB_PROJECT/);
    // A '$' that names no task variable is left alone by SkyPilot, and so accepted.
    expect(() => renderSkyTask({ ...base, layout: layoutUnder('/home/user/$cash/run') })).not.toThrow();
  });

  it('points TUNEFILE_RESUME_FROM at the checkpoint in the bucket', () => {
    const task = parse(renderSkyTask({ ...base, resumeFrom: join(GOLDEN_ROOT, 'output', 'checkpoint-8') })) as { envs: Record<string, string> };
    expect(task.envs.TUNEFILE_RESUME_FROM).toBe('/tunefile/bucket/tunefile/tunefile-0123456789ab/checkpoint-8');
    expect(() => renderSkyTask({ ...base, resumeFrom: '/somewhere/else/checkpoint-8' })).toThrow(/has no copy of/);
  });
});

describe('splitSkyEnv', () => {
  it('moves a docker login to the secrets whole when its password is one (SkyPilot refuses a split login)', () => {
    const { envs, secrets } = splitSkyEnv({ SKYPILOT_DOCKER_USERNAME: 'me', SKYPILOT_DOCKER_PASSWORD: 'pw-0123456789', SKYPILOT_DOCKER_SERVER: 'ghcr.io', OTHER: 'x' });
    expect(Object.keys(secrets)).toEqual(['SKYPILOT_DOCKER_PASSWORD', 'SKYPILOT_DOCKER_SERVER', 'SKYPILOT_DOCKER_USERNAME']);
    expect(envs).toEqual({ OTHER: 'x' });
  });
});

describe('jobNameForKey', () => {
  it('is tunefile- and the first 12 hex digits of the key', () => {
    expect(jobNameForKey('0123456789abcdef'.repeat(4))).toBe('tunefile-0123456789ab');
    expect(() => jobNameForKey('not-a-key')).toThrow(/12 lowercase hex digits/);
  });
});
