// The supervisor of one training run: `node supervise.js SPEC`. tunefile starts it detached, as the leader of a new
// process group; it runs the trainer through execa in that group, appends its output to the run's log, and writes
// the exit (code or signal) to the run folder. So a trainer outlives a tunefile that is killed or interrupted, and the
// next run knows how it ended: finished, failed, or killed (then it resumes from the last checkpoint).
import { appendFileSync, readFileSync } from 'node:fs';
import { execa } from 'execa';
import { writeFileAtomic } from '../../shared/atomic-write.ts';

/** What the supervisor is told to run (written by launch-local.ts). The environment is the supervisor's own, never in the file: it holds secrets. */
export interface SuperviseSpec {
  argv: string[];
  cwd: string;
  /** Appended to: the trainer's stdout and stderr. */
  logPath: string;
  /** Written once the trainer has exited: an ExitRecord. */
  exitPath: string;
}

/** How the trainer ended. */
export interface ExitRecord {
  code: number | null;
  signal: string | null;
  /** Set when the program could not be started at all (not found, not executable). */
  error?: string;
  /** How it ended, in words, when a launcher knows better than a code (SkyPilot's status and failure reason). */
  reason?: string;
}

async function main(specPath: string): Promise<void> {
  const spec = JSON.parse(readFileSync(specPath, 'utf8')) as SuperviseSpec;
  const [file, ...args] = spec.argv;
  const log = { file: spec.logPath, append: true } as const;
  let exit: ExitRecord;
  try {
    const child = execa(file!, args, { cwd: spec.cwd, extendEnv: true, stdin: 'ignore', stdout: log, stderr: log, reject: false, cleanup: false });
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
    const result = await child;
    exit = { code: result.exitCode ?? null, signal: result.signal ?? null, ...(result.failed && result.exitCode === undefined && !result.signal ? { error: result.shortMessage } : {}) };
  } catch (error) {
    exit = { code: null, signal: null, error: (error as Error).message };
  }
  if (exit.error) appendFileSync(spec.logPath, `\n[tunefile] could not run ${file}: ${exit.error}\n`);
  writeFileAtomic(spec.exitPath, JSON.stringify(exit) + '\n');
}

const specPath = process.argv[2];
if (specPath) await main(specPath);
