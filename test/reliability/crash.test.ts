// Issue 7, crash consistency: for each stage of the full SMS spam pipeline, SIGKILL `tunefile run` at a seeded-random
// moment while that stage runs, then rerun. Every rerun finishes, `run --verify` finds every blob intact, the lock
// parses, and the local provider holds exactly one job per train key.
// Trials per stage: TUNEFILE_CRASH_TRIALS (default 2, sized for CI; the full figure is 20), seed TUNEFILE_CRASH_SEED.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runJson } from '../helpers/cli.ts';
import { SMS_PIPELINE, checkBlobs, jobsPerKey, makeSmsProject, startRunUntil } from './sms.ts';
import { Xoshiro128 } from '../../src/data/prng.ts';

const TRIALS = Number(process.env.TUNEFILE_CRASH_TRIALS ?? 2);
const SEED = Number(process.env.TUNEFILE_CRASH_SEED ?? 20240607);
const STAGES = ['load', 'dedupe', 'suffix', 'split', 'tokencheck', 'upload', 'train', 'evaluate'];
const ENV = { TUNEFILE_LOCAL_STEP_DELAY_MS: '1' };

/** Arguments that make `stage` run again in trial `t`: data stages are forced; later ones get a new split seed. */
function trialArgs(stage: string, t: number): string[] {
  return STAGES.indexOf(stage) < STAGES.indexOf('split') ? ['--force', stage] : ['--set', `params.seed=${1000 + t}`];
}

describe(`crash consistency: SIGKILL during each stage of the SMS pipeline, ${TRIALS} trial(s) per stage (${TRIALS * STAGES.length} in all; full figure 20 per stage via TUNEFILE_CRASH_TRIALS=20)`, () => {
  it.concurrent.each(STAGES.map((stage, i) => ({ stage, i })))(`$stage: ${TRIALS} kill(s) and reruns`, async ({ stage, i }) => {
    const rng = new Xoshiro128(SEED + i);
    const random = () => rng.nextFloat();
    const dir = makeSmsProject({ rows: 800 });
    const warm = await runJson([SMS_PIPELINE], { cwd: dir, env: ENV });
    expect(warm.code, warm.stderr).toBe(0);
    const duration = Math.max(20, warm.report.stages.find((s: { id: string }) => s.id === stage).duration_ms as number);

    for (let t = 0; t < TRIALS; t++) {
      const args = [SMS_PIPELINE, ...trialArgs(stage, t)];
      const run = startRunUntil(args, dir, new RegExp(`^${stage}: running`, 'm'), ENV);
      const seen = await run.seen;
      const delay = Math.floor(random() * duration);
      if (seen) {
        await new Promise((r) => setTimeout(r, delay));
        run.child.kill('SIGKILL');
      }
      await run.done;
      const context = `${stage} trial ${t} (kill ${delay} ms after start of a ~${duration} ms stage)`;

      const rerun = await runJson(args, { cwd: dir, env: ENV });
      expect(rerun.code, `${context}\n${rerun.stderr}`).toBe(0);
      const verify = await runJson([...args.filter((a) => a !== '--force' && a !== stage), '--verify'], { cwd: dir, env: ENV });
      expect(verify.code, `${context}\n${verify.stderr}`).toBe(0);
      expect(Object.values(verify.status).every((s) => s === 'cached'), `${context}: ${JSON.stringify(verify.status)}`).toBe(true);
      expect(verify.stderr, context).not.toContain('corrupted cache blob');
      checkBlobs(dir);
      expect(() => JSON.parse(readFileSync(join(dir, 'pipelines', 'sms-spam.lock'), 'utf8')), context).not.toThrow();
      const perKey = jobsPerKey(dir);
      expect(Object.values(perKey).every((n) => n === 1), `${context}: jobs per key ${JSON.stringify(perKey)}`).toBe(true);
    }
  }, 240_000);
});
