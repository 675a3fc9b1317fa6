// Reading what `sky` prints, from outputs captured from the real SkyPilot 0.14.1 (test/fixtures/skypilot/README.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN_DIR } from '../../../../test/helpers/sky-task-cases.ts';
import { mapSkyStatus, parseLaunchJobId, parseQueueJson, saysNoJobsController, stripAnsi, stripLogPrefixes } from './output.ts';

const captured = (file: string) => readFileSync(join(GOLDEN_DIR, file), 'utf8');

describe('mapSkyStatus', () => {
  // Every ManagedJobStatus of SkyPilot 0.14.1 (sky/jobs/state.py), as `sky jobs queue --status` lists them.
  it.each([
    ['PENDING', 'queued'],
    ['SUBMITTED', 'queued'],
    ['STARTING', 'queued'],
    ['RUNNING', 'running'],
    ['WINDING_DOWN', 'running'],
    ['RECOVERING', 'running'],
    ['CANCELLING', 'cancelled'],
    ['SUCCEEDED', 'succeeded'],
    ['CANCELLED', 'cancelled'],
    ['FAILED', 'failed'],
    ['FAILED_SETUP', 'failed'],
    ['FAILED_PRECHECKS', 'failed'],
    ['FAILED_NO_RESOURCE', 'failed'],
    ['FAILED_CONTROLLER', 'failed'],
  ])('%s -> %s', (sky, openai) => {
    expect(mapSkyStatus(sky)).toBe(openai);
  });

  it('takes a status it does not know for one still running, never for a finished job', () => {
    expect(mapSkyStatus('PAUSED_SOMEHOW')).toBe('running');
  });
});

describe('parseLaunchJobId', () => {
  it("reads the id from `sky jobs launch`'s hint block (colours and box drawing included)", () => {
    expect(parseLaunchJobId(captured('launch.stdout.txt'))).toBe(3);
  });

  it('finds none in output that names no managed job', () => {
    expect(parseLaunchJobId('YAML to run: task.yaml\nLaunching managed job...\n')).toBeUndefined();
    expect(parseLaunchJobId('Managed Job ID: none\n')).toBeUndefined();
  });
});

describe('parseQueueJson', () => {
  it('reads the records, newest first, past the lines of an API server that had to start', () => {
    const text = captured('queue-server-autostart.stdout.txt');
    expect(text).toMatch(/^\x1b\[2mFailed to connect to SkyPilot API server/);
    expect(parseQueueJson(text)).toEqual([
      { id: 4, name: 'tunefile-0123456789ab', status: 'queued', skyStatus: 'STARTING', submittedAt: expect.any(Number) },
      { id: 3, name: 'tunefile-0123456789ab', status: 'failed', skyStatus: 'FAILED_PRECHECKS', submittedAt: expect.any(Number) },
      { id: 2, name: 'tunefile-0123456789ab', status: 'failed', skyStatus: 'FAILED_PRECHECKS', submittedAt: expect.any(Number) },
      { id: 1, name: 'tunefile-0123456789ab', status: 'cancelled', skyStatus: 'CANCELLED' },
    ]);
  });

  it('takes one record per job, and sorts by id whatever the order printed', () => {
    const records = [
      { job_id: 5, task_id: 0, job_name: 'a', status: 'RUNNING', failure_reason: null },
      { job_id: 9, task_id: 0, job_name: 'b', status: 'FAILED_SETUP', failure_reason: 'setup exited 1' },
      { job_id: 5, task_id: 1, job_name: 'a', status: 'PENDING' },
    ];
    expect(parseQueueJson(JSON.stringify(records))).toEqual([
      { id: 9, name: 'b', status: 'failed', skyStatus: 'FAILED_SETUP', failureReason: 'setup exited 1' },
      { id: 5, name: 'a', status: 'running', skyStatus: 'RUNNING' },
    ]);
  });

  it('throws on output that holds no JSON array (a sky without -o json)', () => {
    expect(() => parseQueueJson("Error: No such option: -o\n")).toThrow();
    expect(() => parseQueueJson('{"jobs": []}')).toThrow(/no JSON array/);
  });
});

describe('saysNoJobsController', () => {
  it('knows both ways SkyPilot says there is no jobs controller', () => {
    expect(saysNoJobsController(captured('queue-no-controller.stderr.txt'))).toBe(true);
    expect(saysNoJobsController(captured('queue-refresh-no-controller.stderr.txt'))).toBe(true);
  });

  it('leaves other errors for the caller to report', () => {
    expect(saysNoJobsController('sky.exceptions.ClusterNotUpError: Failed to connect to jobs controller, please try again later.')).toBe(false);
    expect(saysNoJobsController("sky.exceptions.ClusterDoesNotExist: Cluster 'my-dev' does not exist.")).toBe(false);
  });
});

describe('stripLogPrefixes', () => {
  it("removes SkyPilot's per-line prefixes and colours, nothing else", () => {
    const log = "\x1b[36m(tunefile-0123456789ab, pid=2383)\x1b[0m {'loss': 1.25, 'epoch': 0.5}\n(setup pid=2380) Collecting axolotl\n(head, rank=0, pid=12) step 3/8\nplain (pid=1) line\n";
    expect(stripLogPrefixes(log)).toBe("{'loss': 1.25, 'epoch': 0.5}\nCollecting axolotl\nstep 3/8\nplain (pid=1) line\n");
  });

  it('leaves the logs SkyPilot prints for a failed job readable', () => {
    expect(stripAnsi(captured('logs-failed.stdout.txt'))).toContain('Failure reason: [sky.exceptions.NoCloudAccessError] Cloud access is not set up. Run: sky check');
  });
});
