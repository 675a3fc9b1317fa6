// What the `sky` program prints, read back: the managed job id `sky jobs launch` reports, the records of
// `sky jobs queue -o json`, and SkyPilot's statuses mapped onto OpenAI's. Shapes as SkyPilot 0.14 prints them
// (sky/client/cli/command.py; records: sky/schemas/api/responses.py, ManagedJobRecord).
import type { FineTuningJob } from '../../types.ts';

/** A managed job as tunefile sees it. */
export interface SkyJob {
  /** The managed job id (`sky jobs logs ID`, `sky jobs cancel ID`). */
  id: number;
  name: string;
  /** SkyPilot's status mapped onto OpenAI's job statuses (mapSkyStatus). */
  status: FineTuningJob['status'];
  /** SkyPilot's own status: PENDING, STARTING, RUNNING, RECOVERING, SUCCEEDED, FAILED_SETUP, ... */
  skyStatus: string;
  /** When the job was submitted, in seconds since the epoch; absent while it waits for the controller. */
  submittedAt?: number;
  /** SkyPilot's reason for a failure, when it gives one (`[sky.exceptions.NoCloudAccessError] Cloud access ...`). */
  failureReason?: string;
}

/** ANSI escape sequences (colours, bold) that SkyPilot prints even when its output is not a terminal. */
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** `text` without ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/**
 * SkyPilot's managed job status as an OpenAI job status (sky/jobs/state.py, ManagedJobStatus):
 *
 *   PENDING, SUBMITTED, STARTING                 -> queued     (waiting for the controller, provisioning)
 *   RUNNING, RECOVERING, WINDING_DOWN            -> running    (RECOVERING: preempted, a new cluster is coming)
 *   SUCCEEDED                                    -> succeeded
 *   FAILED, FAILED_SETUP, FAILED_PRECHECKS,
 *   FAILED_NO_RESOURCE, FAILED_CONTROLLER, ...   -> failed
 *   CANCELLING, CANCELLED                        -> cancelled
 *
 * A status this table does not know counts as running: it is never taken for a finished job, so tunefile keeps
 * watching rather than fetch outputs that are not there.
 */
export function mapSkyStatus(status: string): FineTuningJob['status'] {
  switch (status) {
    case 'PENDING':
    case 'SUBMITTED':
    case 'STARTING':
      return 'queued';
    case 'SUCCEEDED':
      return 'succeeded';
    case 'CANCELLING':
    case 'CANCELLED':
      return 'cancelled';
    default:
      return status.startsWith('FAILED') ? 'failed' : 'running';
  }
}

/** The managed job id in `sky jobs launch`'s output (`Managed Job ID: 3`), or undefined when it names none. */
export function parseLaunchJobId(stdout: string): number | undefined {
  const match = /^Managed Job ID: (\d+)\s*$/m.exec(stripAnsi(stdout));
  return match ? Number(match[1]) : undefined;
}

/**
 * The jobs of `sky jobs queue -o json` (a JSON array of ManagedJobRecord), newest first. A job of several tasks
 * has a record per task; tunefile's jobs have one task, so records are taken per job id (the first task's). Lines
 * before the array (`Failed to connect to SkyPilot API server ... Starting a local server.`) are skipped.
 * @throws Error when the output is not such an array (a `sky` older than 0.12, which has no `-o json`).
 */
export function parseQueueJson(stdout: string): SkyJob[] {
  // A `sky` that had to start its local API server first says so on stdout, before the JSON.
  const text = stripAnsi(stdout);
  const start = text.search(/^\[/m);
  const records: unknown = JSON.parse(start < 0 ? text : text.slice(start));
  if (!Array.isArray(records)) throw new Error('sky jobs queue -o json printed no JSON array');
  const jobs = new Map<number, SkyJob>();
  for (const record of records as Record<string, unknown>[]) {
    const id = record.job_id;
    if (typeof id !== 'number' || jobs.has(id)) continue;
    const skyStatus = typeof record.status === 'string' ? record.status : 'UNKNOWN';
    jobs.set(id, {
      id,
      name: typeof record.job_name === 'string' ? record.job_name : typeof record.task_name === 'string' ? record.task_name : '',
      status: mapSkyStatus(skyStatus),
      skyStatus,
      ...(typeof record.submitted_at === 'number' ? { submittedAt: record.submitted_at } : {}),
      ...(typeof record.failure_reason === 'string' ? { failureReason: record.failure_reason } : {}),
    });
  }
  return [...jobs.values()].sort((a, b) => b.id - a.id);
}

/**
 * Whether `sky` refused a query because no jobs controller is up: `sky.exceptions.ClusterNotUpError: No in-progress
 * managed jobs.` (none, or one autostopped after its last job), or, asked with `--refresh` to start one that was
 * never made, `sky.exceptions.ClusterDoesNotExist: Cluster 'sky-jobs-controller-…' does not exist.` Other errors
 * (a controller that does not answer) are real failures.
 */
export function saysNoJobsController(stderr: string): boolean {
  const text = stripAnsi(stderr);
  return /ClusterNotUpError: No in-progress managed jobs\./.test(text) || /ClusterDoesNotExist: Cluster 'sky-jobs-controller-[^']*' does not exist/.test(text);
}

/** `sky jobs logs` lines without SkyPilot's `(task-name, pid=123) ` / `(setup pid=123) ` prefixes, ANSI removed. */
export function stripLogPrefixes(text: string): string {
  return stripAnsi(text).replace(/^\([^()\n]*pid=\d+[^()\n]*\) /gm, '');
}
