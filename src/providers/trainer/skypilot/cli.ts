// A driver over SkyPilot's `sky` program for managed jobs: launch a task, list the jobs, find one by name after a
// crash, read its log, cancel it. Runs `sky` with execa (an argument array, no shell); SkyPilot 0.12 or newer
// (`sky jobs queue -o json`). It schedules nothing itself: SkyPilot's jobs controller does.
import { TunefileError } from '../../../errors.ts';
import { redact } from '../../redact.ts';
import type { SkyPilotSpec } from '../types.ts';
import { parseLaunchJobId, parseQueueJson, saysNoJobsController, stripAnsi, stripLogPrefixes, type SkyJob } from './output.ts';
import { splitSkyEnv } from './task.ts';

export type { SkyJob } from './output.ts';

/** Lines of the program's stderr that an error shows. */
const TAIL_LINES = 15;

/** What the driver needs. */
export interface SkyCliOptions {
  /** The `sky` program and any leading arguments. @default ["sky"] */
  command?: SkyPilotSpec['command'];
  /**
   * The train environment. Its credential-named variables reach `sky jobs launch` as `--secret NAME` with the value
   * in the program's environment, never in its arguments; every value is removed from error messages.
   */
  env?: Record<string, string>;
  /** More environment for the `sky` program itself (tests: HOME, SKYPILOT_API_SERVER_LOCAL_PORT). */
  programEnv?: Record<string, string>;
  cwd?: string;
  /** Stops a running `sky` (SIGTERM). A launch stopped this way may still have submitted the job: adopt it by name. */
  signal?: AbortSignal;
}

/** Managed jobs through the `sky` program. */
export interface SkyCli {
  /** Launches the task file as a managed job named `name` and resolves with its id once SkyPilot accepted it. */
  launch(taskPath: string, name: string): Promise<number>;
  /** The user's managed jobs, newest first; none while no jobs controller is up. */
  queue(): Promise<SkyJob[]>;
  /**
   * The managed jobs named `name`, newest first (adoption after a crash). When no jobs controller is up, asks again
   * with `--refresh`, which starts a stopped controller: a job that finished before it autostopped is found too.
   */
  findByName(name: string): Promise<SkyJob[]>;
  /** The last `tail` lines of the job's log, without SkyPilot's `(name, pid=N) ` prefixes. */
  logs(id: number, tail: number): Promise<string>;
  /** Asks SkyPilot to cancel the job (a finished job stays as it is). */
  cancel(id: number): Promise<void>;
}

interface Ran {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Makes a driver over the `sky` program. */
export function createSkyCli(o: SkyCliOptions = {}): SkyCli {
  const [program, ...lead] = o.command ?? ['sky'];
  if (program === undefined) throw new TunefileError('TUNEFILE_PROVIDER', 'provider.skypilot.command must name a program (or be left out: ["sky"])');
  const env = o.env ?? {};
  const hidden = Object.values(env);
  const { secrets } = splitSkyEnv(env);

  /** Runs `sky ARGS`; resolves with its output when it exited 0 or `accept` takes it, else throws with its stderr's tail. */
  async function sky(args: string[], extraEnv: Record<string, string> = {}, accept: (r: Ran) => boolean = () => false): Promise<Ran> {
    const { execa } = await import('execa');
    const shown = `${[program, ...lead].join(' ')} ${args.slice(0, 2).join(' ')}`;
    const result = await execa(program!, [...lead, ...args], {
      env: { ...o.programEnv, ...extraEnv },
      extendEnv: true,
      shell: false,
      reject: false,
      stdin: 'ignore',
      stripFinalNewline: false,
      ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
      ...(o.signal === undefined ? {} : { cancelSignal: o.signal }),
    });
    const ran: Ran = { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1 };
    if (result.isCanceled || o.signal?.aborted) throw new TunefileError('TUNEFILE_INTERRUPTED', `'${shown}' was interrupted`);
    if (result.code === 'ENOENT') {
      throw new TunefileError('TUNEFILE_PROVIDER', `SkyPilot's '${program}' program was not found`, {
        hint: 'install SkyPilot (pip install skypilot, then sky check), or give its path in provider.skypilot.command',
      });
    }
    if (ran.exitCode === 0 || accept(ran)) return ran;
    const why = result.exitCode !== undefined ? `exited with code ${result.exitCode}` : result.signal ? `was killed by ${result.signal}` : `could not be started (${result.code ?? 'unknown error'})`;
    const tail = redact(stripAnsi(ran.stderr || ran.stdout), hidden).trimEnd().split('\n').slice(-TAIL_LINES).filter((l) => l.trim() !== '');
    // Not execa's message: it quotes the whole command line.
    throw new TunefileError('TUNEFILE_PROVIDER', `'${shown}' ${why}`, { details: tail.length > 0 ? ['stderr (last lines):', ...tail.map((l) => `  ${l}`)] : [] });
  }

  /** `sky jobs queue -a -o json`, or 'no-controller' when SkyPilot says no jobs controller is up. */
  async function query(refresh: boolean): Promise<SkyJob[] | 'no-controller'> {
    const ran = await sky(['jobs', 'queue', '--all', '--output', 'json', ...(refresh ? ['--refresh'] : [])], {}, (r) => saysNoJobsController(r.stderr));
    if (ran.exitCode !== 0) return 'no-controller';
    try {
      return parseQueueJson(ran.stdout);
    } catch (error) {
      throw new TunefileError('TUNEFILE_PROVIDER', `'sky jobs queue --output json' printed no job list: ${(error as Error).message}`, {
        cause: error,
        hint: 'tunefile needs SkyPilot 0.12 or newer (pip install -U skypilot)',
      });
    }
  }

  return {
    async launch(taskPath, name) {
      const flags = Object.keys(secrets).flatMap((k) => ['--secret', k]);
      const ran = await sky(['jobs', 'launch', '--yes', '--detach-run', '--name', name, ...flags, taskPath], secrets);
      const id = parseLaunchJobId(ran.stdout);
      if (id === undefined) {
        const tail = redact(stripAnsi(ran.stdout), hidden).trimEnd().split('\n').slice(-TAIL_LINES);
        throw new TunefileError('TUNEFILE_PROVIDER', `'sky jobs launch' printed no managed job id for ${name}`, {
          details: ['output (last lines):', ...tail.map((l) => `  ${l}`)],
          hint: `see whether the job was submitted: sky jobs queue (tunefile adopts a job named ${name} on its next run)`,
        });
      }
      return id;
    },
    async queue() {
      const jobs = await query(false);
      return jobs === 'no-controller' ? [] : jobs;
    },
    async findByName(name) {
      let jobs = await query(false);
      if (jobs === 'no-controller') jobs = await query(true);
      return jobs === 'no-controller' ? [] : jobs.filter((job) => job.name === name);
    },
    async logs(id, tail) {
      const ran = await sky(['jobs', 'logs', '--no-follow', '--tail', String(tail), String(id)]);
      refuseUnknownJob(ran.stdout, id);
      return stripLogPrefixes(ran.stdout);
    },
    async cancel(id) {
      const ran = await sky(['jobs', 'cancel', '--yes', String(id)]);
      refuseUnknownJob(ran.stdout, id);
    },
  };
}

/** `sky jobs logs` and `sky jobs cancel` exit 0 for a job id they do not know, and say `Job 7 not found.` */
function refuseUnknownJob(stdout: string, id: number): void {
  if (new RegExp(`^Job ${id} not found\\.`, 'm').test(stripAnsi(stdout))) {
    throw new TunefileError('TUNEFILE_NOT_FOUND', `SkyPilot has no managed job ${id}`, { hint: 'list the managed jobs: sky jobs queue' });
  }
}
