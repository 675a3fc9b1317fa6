// Test helper: the processes a run left behind, and the trainer provider's job records, read from the machine.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Live processes (other than this one) whose command line names `dir`: a trainer or server tunefile left behind. */
export function processesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmd.includes(dir) && state !== 'Z') found.push(`${pid}: ${cmd.slice(0, 200)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** What a test reads of a trainer job record (.tunefile/trainer/jobs/<id>.json). */
export interface TrainerJobRecord {
  id: string;
  status: string;
  attempt: number;
  resumed_from: string[];
  run_dir: string;
  launch?: { kind: string; pgid: number };
}

/** The project's trainer job records. */
export function trainerJobRecords(project: string): TrainerJobRecord[] {
  const dir = join(project, '.tunefile', 'trainer', 'jobs');
  return existsSync(dir) ? readdirSync(dir).map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as TrainerJobRecord) : [];
}
