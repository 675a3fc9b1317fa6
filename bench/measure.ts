// Runs a command as a child process and records its wall time and peak RSS (GNU time, else /proc polling).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One measured run. */
export interface Measurement {
  wall_s: number;
  /** Peak resident set size of the process, in MB (10^6 bytes). */
  rss_mb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';

/** How peak RSS is measured on this machine. */
export function describeRssMethod(): string {
  return existsSync(GNU_TIME) ? '/usr/bin/time -f %M (max RSS of the measured process; worker threads included)' : '/proc VmHWM polled every 20 ms';
}

/** Runs `command args` in `cwd`; rejects when it exits non-zero unless `allowFailure`. */
export async function measureCommand(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; allowFailure?: boolean } = {}): Promise<Measurement> {
  const useTime = existsSync(GNU_TIME);
  const dir = mkdtempSync(join(tmpdir(), 'tunefile-measure-'));
  const timeFile = join(dir, 'time.txt');
  const [cmd, argv] = useTime ? [GNU_TIME, ['-f', '%M', '-o', timeFile, command, ...args]] : [command, args];
  const started = performance.now();
  const child = spawn(cmd, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let polledKb = 0;
  const poll = useTime ? undefined : setInterval(() => (polledKb = Math.max(polledKb, readHighWaterKb(child.pid))), 20);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  const wall = (performance.now() - started) / 1000;
  if (poll) clearInterval(poll);
  let kb = polledKb;
  if (useTime) kb = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
  rmSync(dir, { recursive: true, force: true });
  if (code !== 0 && !options.allowFailure) {
    throw new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr.slice(-2000)}`);
  }
  return { wall_s: wall, rss_mb: (kb * 1024) / 1e6, code, stdout, stderr };
}

function readHighWaterKb(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Runs `fn` `repeat` times and returns the runs with the median wall time and median peak RSS. */
export async function measureRepeated(repeat: number, fn: (i: number) => Promise<Measurement>): Promise<{ runs: Measurement[]; wall_s: number; rss_mb: number }> {
  const runs: Measurement[] = [];
  for (let i = 0; i < repeat; i++) runs.push(await fn(i));
  return { runs, wall_s: median(runs.map((r) => r.wall_s)), rss_mb: median(runs.map((r) => r.rss_mb)) };
}
