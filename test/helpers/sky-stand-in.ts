// Test helper: a stand-in for SkyPilot's `sky` program, for the few managed-job commands tunefile's SkyPilot driver
// runs. It is not SkyPilot: no cluster, no controller, no scheduling. Its jobs live in a JSON state file that the
// tests edit to move a job through SkyPilot's statuses (a real SkyPilot here can only fail a job, as no cloud is
// reachable). Run as `node test/helpers/sky-stand-in.ts ARGS`, with SKY_STAND_IN_STATE naming the state file.
//
// Output shapes, as SkyPilot 0.14.1 prints them (captured from the real program; see test/fixtures/skypilot/):
// - `jobs launch --yes --detach-run --name NAME [--secret K]... TASK`: "YAML to run: TASK", then the hint block with
//   "Managed Job ID: N" on stdout; a `--secret K` whose K is not in the environment is click's usage error (exit 2).
// - `jobs queue --all --output json [--refresh]`: a JSON array of ManagedJobRecord, newest first. While the state says
//   the controller is down: stderr "sky.exceptions.ClusterNotUpError: No in-progress managed jobs." and exit 1;
//   `--refresh` then starts it, as SkyPilot restarts a stopped controller.
// - `jobs logs --no-follow --tail N ID`: the job's log lines, prefixed "(NAME, pid=PID) " in cyan (SkyPilot's prefix
//   as its docs show it: no job here ever ran, so none was captured); "Job ID not found." (exit 0).
// - `jobs cancel --yes ID`: "Job with ID N is scheduled to be cancelled."; a finished job: "Job N is already in
//   terminal state S. Skipped." and "No job to cancel."; an unknown one: "Job N not found. Skipped." (exit 0 each).
// Every call is recorded in the state (its arguments, and the names of the secrets it found in its environment).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One managed job of the stand-in. */
export interface StandInJob {
  id: number;
  name: string;
  /** A SkyPilot status: PENDING, STARTING, RUNNING, RECOVERING, SUCCEEDED, FAILED_SETUP, CANCELLED, ... */
  status: string;
  submittedAt: number;
  /** What `jobs logs` prints, before its prefixes. */
  log: string[];
  /** The task file's text, as the launch read it. */
  task: string;
}

/** The stand-in's world, in the file SKY_STAND_IN_STATE names. */
export interface StandInState {
  jobs: StandInJob[];
  /** false: no jobs controller is up (queries without --refresh fail as SkyPilot's do). @default true */
  controllerUp?: boolean;
  /** When set, the next command of this verb (launch, queue, logs, cancel) fails: prints `stderr` and exits `code`. */
  fail?: { verb: string; stderr: string; code: number };
  calls: { argv: string[]; secretsInEnv: string[] }[];
}

/** The stand-in's state file's contents (an empty world when it does not exist yet). */
export function readStandIn(path: string): StandInState {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as StandInState) : { jobs: [], calls: [] };
}

/** Replaces the stand-in's state. */
export function writeStandIn(path: string, state: StandInState): void {
  writeFileSync(path, JSON.stringify(state, null, 2));
}

/** A record as `sky jobs queue -o json` prints it: SkyPilot's default fields, the rest null as it prints them. */
function record(job: StandInJob): Record<string, unknown> {
  const terminal = /^(SUCCEEDED|CANCELLED|FAILED)/.test(job.status);
  return {
    task_job_id: null, job_id: job.id, task_id: 0, job_name: job.name, task_name: job.name, job_duration: 0.0,
    workspace: 'default', status: job.status, schedule_state: null, resources: '1x[A100:1]', cluster_resources: null,
    cluster_resources_full: null, cloud: null, region: null, zone: null, infra: null, recovery_count: 0, details: null,
    failure_reason: job.status.startsWith('FAILED') ? 'stand-in failure' : null, user_name: null, user_hash: null,
    submitted_at: job.submittedAt, start_at: null, end_at: terminal ? job.submittedAt + 4 : null, pool: null,
  };
}

const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

/** Runs one command; returns the exit code. */
function main(argv: string[], env: NodeJS.ProcessEnv): number {
  const statePath = env.SKY_STAND_IN_STATE;
  if (!statePath) {
    process.stderr.write('sky-stand-in: SKY_STAND_IN_STATE is not set\n');
    return 2;
  }
  const state = readStandIn(statePath);
  const secrets = argv.flatMap((a, i) => (argv[i - 1] === '--secret' ? [a] : []));
  state.calls.push({ argv, secretsInEnv: secrets.filter((k) => env[k] !== undefined) });
  const out = (text: string) => process.stdout.write(text);
  const finish = (code: number) => {
    writeStandIn(statePath, state);
    return code;
  };
  const [group, verb] = argv;
  if (group !== 'jobs' || verb === undefined) {
    process.stderr.write(`sky-stand-in: only 'jobs launch|queue|logs|cancel' (got ${argv.join(' ')})\n`);
    return finish(2);
  }
  if (state.fail?.verb === verb) {
    process.stderr.write(state.fail.stderr);
    const { code } = state.fail;
    delete state.fail;
    return finish(code);
  }
  const idArg = Number(argv.at(-1));
  const job = state.jobs.find((j) => j.id === idArg);
  switch (verb) {
    case 'launch': {
      const name = argv[argv.indexOf('--name') + 1]!;
      const taskPath = argv.at(-1)!;
      const missing = secrets.find((k) => env[k] === undefined);
      if (missing !== undefined) {
        process.stderr.write(`Usage: sky jobs launch [OPTIONS] ENTRYPOINT...\nTry 'sky jobs launch -h' for help.\n\nError: ${missing} is not set in local environment.\n`);
        return finish(2);
      }
      const id = Math.max(0, ...state.jobs.map((j) => j.id)) + 1;
      state.jobs.push({ id, name, status: 'PENDING', submittedAt: 1796659205 + id, log: [], task: readFileSync(taskPath, 'utf8') });
      out(`YAML to run: ${taskPath}\n${YELLOW}Launching managed job '${name}'...${RESET}\n\n📋 Useful Commands\nManaged Job ID: ${id}\n`);
      out(`├── To cancel the job:\t\tsky jobs cancel ${id}\n├── To stream job logs:\t\tsky jobs logs ${id}\n`);
      out(`├── To stream controller logs:\tsky jobs logs --controller ${id}\n└── To view all managed jobs:\tsky jobs queue\n`);
      return finish(0);
    }
    case 'queue': {
      if (state.controllerUp === false && !argv.includes('--refresh')) {
        process.stderr.write('sky.exceptions.ClusterNotUpError: No in-progress managed jobs.\n');
        return finish(1);
      }
      state.controllerUp = true;
      out(`${JSON.stringify([...state.jobs].sort((a, b) => b.id - a.id).map(record), null, 2)}\n`);
      return finish(0);
    }
    case 'logs': {
      if (!job) {
        out(`Job ${idArg} not found.\n`);
        return finish(0);
      }
      const tail = Number(argv[argv.indexOf('--tail') + 1]);
      out(job.log.slice(-tail).map((line) => `\x1b[36m(${job.name}, pid=2383)\x1b[0m ${line}\n`).join(''));
      return finish(0);
    }
    case 'cancel': {
      if (!job) out(`Job ${idArg} not found. Skipped.\nNo job to cancel.\n`);
      else if (/^(SUCCEEDED|CANCELLED|FAILED)/.test(job.status)) out(`Job ${job.id} is already in terminal state ${job.status}. Skipped.\nNo job to cancel.\n`);
      else {
        job.status = 'CANCELLED';
        out(`Job with ID ${job.id} is scheduled to be cancelled.\n`);
      }
      return finish(0);
    }
    default:
      process.stderr.write(`sky-stand-in: no command 'jobs ${verb}'\n`);
      return finish(2);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2), process.env);
