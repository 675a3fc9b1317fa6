// Issue 7, crash consistency: for each stage of the full SMS spam pipeline, SIGKILL `tunefile run` at a seeded-random
// moment while that stage runs, then rerun. Every rerun finishes, `run --verify` finds every blob intact, the lock
// parses, and the local provider holds exactly one job per train key.
//
// A trial counts only when its kill provably landed inside the named stage:
// - after it started: the kill is sent only once the run has printed `<stage>: running` (stderr is a pipe, which
//   Node writes synchronously on Linux, so the line left the process before the kill could);
// - before it finished: each attempt gives the stage a key no earlier run had (see attemptArgs), and the rerun with
//   the same arguments must run the stage again. Had the killed run finished the stage, its record would be in the
//   store (a stage is recorded before it is reported, and SIGKILL loses nothing already written), and the rerun
//   would find it cached.
// An attempt whose kill missed (the stage had already been recorded, or the run ended first) is still checked for
// consistency but does not count: the next attempt draws its delay from half the range, down to killing as soon as
// the line is seen; a trial fails after TUNEFILE_CRASH_ATTEMPTS (default 6) attempts that all missed.
//
// Trials per stage: TUNEFILE_CRASH_TRIALS (default 1 in CI, each proven to land; `npm run test:soak` runs 20), seed
// TUNEFILE_CRASH_SEED. Each stage prints how its attempts went.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runJson } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';
import { SMS_PIPELINE, checkBlobs, jobsPerKey, makeSmsProject, startRunUntil } from './sms.ts';
import { Xoshiro128 } from '../../src/shared/prng.ts';

const TRIALS = Number(process.env.TUNEFILE_CRASH_TRIALS ?? 1);
const ATTEMPTS = Number(process.env.TUNEFILE_CRASH_ATTEMPTS ?? 6);
const SEED = Number(process.env.TUNEFILE_CRASH_SEED ?? 20240607);
const STAGES = ['load', 'dedupe', 'suffix', 'split', 'tokencheck', 'upload', 'train', 'evaluate'];
const ROWS = 800;
/** Training is slowed to 1 ms per step (about 2,500 steps here), so its kills land anywhere in a few seconds. */
const envFor = (stage: string) => ({ TUNEFILE_LOCAL_STEP_DELAY_MS: stage === 'train' ? '1' : '0' });

/**
 * Arguments that give `stage` a key no earlier run of its project had, for attempt number `a` (unique per stage):
 * load gets a `limit` above the row count (the same records, so dedupe onwards stay cached), dedupe and suffix one
 * row fewer per attempt (new records from load on), split and every later stage a new split seed.
 */
function attemptArgs(stage: string, a: number): string[] {
  if (stage === 'load') return ['--set', `load.with.limit=${1_000_000 + a}`];
  if (stage === 'dedupe' || stage === 'suffix') return ['--set', `load.with.limit=${ROWS - 1 - a}`];
  return ['--set', `params.seed=${1000 + a}`];
}

interface Attempt {
  delay: number;
  landed: boolean;
  /** Why a missed attempt missed. */
  miss?: string;
}

/** One warm project (every stage cached), copied for each stage, and what each stage took in it. */
let warm: { dir: string; durations: Record<string, number> };

beforeAll(async () => {
  const dir = makeSmsProject({ rows: ROWS });
  const run = await runJson([SMS_PIPELINE], { cwd: dir, env: envFor('train') });
  expect(run.code, run.stderr).toBe(0);
  const durations = Object.fromEntries((run.report.stages as { id: string; duration_ms: number }[]).map((s) => [s.id, s.duration_ms]));
  warm = { dir, durations };
}, 120_000);

describe(`crash consistency: SIGKILL during each stage of the SMS pipeline, ${TRIALS} landed kill(s) per stage (${TRIALS * STAGES.length} in all; the soak runs 20 per stage)`, () => {
  it.concurrent.each(STAGES.map((stage, i) => ({ stage, i })))(`$stage: ${TRIALS} kill(s) inside the stage, and reruns`, async ({ stage, i }) => {
    const rng = new Xoshiro128(SEED + i);
    const dir = tempDir(`tunefile-crash-${stage}-`);
    cpSync(warm.dir, dir, { recursive: true }); // .tunefile included: every stage starts cached
    const env = envFor(stage);
    const duration = Math.max(20, warm.durations[stage]!);
    const attempts: Attempt[] = [];

    for (let t = 0; t < TRIALS; t++) {
      let landed = false;
      for (let k = 0; k < ATTEMPTS && !landed; k++) {
        const args = [SMS_PIPELINE, ...attemptArgs(stage, attempts.length)];
        // The last attempt kills as soon as the start line is seen; the others wait a random part of a range that
        // halves after each miss.
        const delay = k === ATTEMPTS - 1 ? 0 : Math.floor(rng.nextFloat() * duration / 2 ** k);
        const run = startRunUntil(args, dir, new RegExp(`^${stage}: running`, 'm'), env);
        if (!(await run.seen)) {
          const ended = await run.done;
          throw new Error(`${stage}: the run ended without running the stage (${args.join(' ')}):\n${ended.stderr}`);
        }
        // The drawn kill moment. Whether the kill landed inside the stage is checked below, never assumed from it.
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
        run.child.kill('SIGKILL');
        const killed = await run.done;
        const context = `${stage} trial ${t} attempt ${k} (kill ${delay} ms after the start line; the stage took ~${duration} ms in the warm run)`;

        const rerun = await runJson(args, { cwd: dir, env });
        expect(rerun.code, `${context}\n${rerun.stderr}`).toBe(0);
        if (killed.signal !== 'SIGKILL') {
          attempts.push({ delay, landed: false, miss: `the run ended (exit ${killed.code}) before the kill` });
          continue;
        }
        landed = rerun.status[stage] === 'ran';
        attempts.push({ delay, landed, ...(landed ? {} : { miss: `the stage was recorded before the kill (rerun: ${rerun.status[stage]})` }) });
        // Reported only once recorded: a stage the killed run never recorded cannot have printed that it ran.
        if (landed) expect(killed.stderr, context).not.toMatch(new RegExp(`^${stage}: (ran|cached)`, 'm'));

        const verify = await runJson([...args, '--verify'], { cwd: dir, env });
        expect(verify.code, `${context}\n${verify.stderr}`).toBe(0);
        expect(Object.values(verify.status).every((s) => s === 'cached'), `${context}: ${JSON.stringify(verify.status)}`).toBe(true);
        expect(verify.stderr, context).not.toContain('corrupted cache blob');
        checkBlobs(dir);
        expect(() => JSON.parse(readFileSync(join(dir, 'pipelines', 'sms-spam.lock'), 'utf8')), context).not.toThrow();
        const perKey = jobsPerKey(dir);
        expect(Object.values(perKey).every((n) => n === 1), `${context}: jobs per key ${JSON.stringify(perKey)}`).toBe(true);
      }
      if (!landed) {
        const tried = attempts.slice(-ATTEMPTS).map((a) => `${a.delay} ms: ${a.miss}`).join('; ');
        throw new Error(`${stage} trial ${t}: no kill landed inside the stage in ${ATTEMPTS} attempts (${tried})`);
      }
    }
    const misses = attempts.filter((a) => !a.landed);
    const delays = attempts.filter((a) => a.landed).map((a) => a.delay);
    console.log(`crash ${stage}: ${TRIALS} of ${attempts.length} attempt(s) landed inside the stage (~${duration} ms), killed ${delays.join(', ')} ms after its start line`
      + (misses.length ? `; ${misses.length} missed (${misses.map((m) => `${m.delay} ms: ${m.miss}`).join('; ')})` : ''));
  }, 120_000 + TRIALS * 30_000);
});
