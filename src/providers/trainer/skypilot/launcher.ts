// `launcher: skypilot`: a run is a SkyPilot managed job named after the stage key. Its task file is written into the
// local run folder; the command and the trainer's config see the cluster's paths (remote.ts); checkpoints and the
// model are written to the bucket, and brought into the local output folder once the job succeeded.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { TunefileError } from '../../../errors.ts';
import { writeFileAtomic } from '../../../shared/atomic-write.ts';
import { redact } from '../../redact.ts';
import type { LaunchRef, LaunchState, Launcher } from '../launcher.ts';
import type { RunLayout, SkyPilotSpec } from '../types.ts';
import { createSkyCli, type SkyCli, type SkyJob } from './cli.ts';
import { checkSkyPilotSpec, outputUrl, remoteLayout, toRemotePath } from './remote.ts';
import { renderSkyTask } from './task.ts';

/** How the output folder comes back from the bucket, per scheme: `{url}` and `{dir}` are replaced. */
const DOWNLOADS: Record<string, string[]> = {
  s3: ['aws', 's3', 'sync', '--only-show-errors', '{url}', '{dir}'],
  gs: ['gcloud', 'storage', 'rsync', '--recursive', '{url}', '{dir}'],
};

/** The SkyPilot launcher for a `skypilot:` block. @throws TunefileError when the block is unusable (no bucket). */
export function skyPilotLauncher(spec: SkyPilotSpec, env: Record<string, string | undefined> = {}): Launcher {
  const problems = checkSkyPilotSpec(spec);
  if (problems.length > 0) throw new TunefileError('TUNEFILE_INVALID_PIPELINE', problems[0]!, { hint: 'see docs/skypilot.md' });
  const programEnv = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
  const cliFor = (ownEnv: Record<string, string> = {}): SkyCli => createSkyCli({ ...(spec.command ? { command: spec.command } : {}), env: ownEnv, programEnv });
  const names = new Map<string, string>();
  const nameOf = (ref: LaunchRef | undefined): string | undefined => (ref?.kind === 'skypilot' ? ref.name : undefined);
  /** The managed job of a ref: by id, else the newest of its name. */
  const find = async (ref: LaunchRef | undefined): Promise<SkyJob | undefined> => {
    if (ref?.kind !== 'skypilot') return undefined;
    const jobs = await cliFor().findByName(ref.name);
    return ref.job_id === undefined ? jobs[0] : jobs.find((j) => j.id === ref.job_id);
  };
  return {
    remote(layout, jobName) {
      names.set(layout.runDir, jobName);
      const o = { name: jobName, layout, spec };
      return { layout: remoteLayout(o), toRemote: (path) => toRemotePath(o, path) };
    },
    async start(argv, o) {
      const cli = cliFor(o.ownEnv);
      // A launch that was accepted before tunefile died is adopted by its name, never launched twice.
      const [running] = (await cli.findByName(o.jobName)).filter((j) => j.status === 'queued' || j.status === 'running');
      if (running) return { kind: 'skypilot', name: o.jobName, job_id: running.id };
      const taskPath = join(o.layout.runDir, `sky-task-${o.attempt}.yaml`);
      mkdirSync(o.layout.runDir, { recursive: true });
      writeFileAtomic(taskPath, renderSkyTask({ name: o.jobName, run: argv, layout: o.layout, spec, env: o.ownEnv }));
      const id = await cli.launch(taskPath, o.jobName);
      return { kind: 'skypilot', name: o.jobName, job_id: id };
    },
    async state(layout, ref): Promise<LaunchState> {
      const job = await find(ref);
      if (!job) return { state: 'gone' };
      if (job.status === 'queued' || job.status === 'running') return { state: 'running' };
      // The run's log lives on the cluster: its end is kept in the local log for messages and people.
      const log = await cliFor().logs(job.id, 200).catch((error: Error) => `[tunefile] sky jobs logs ${job.id} failed: ${error.message}\n`);
      writeFileSync(layout.logPath, redact(log));
      if (job.status === 'succeeded') return { state: 'exited', exit: { code: 0, signal: null } };
      const why = `SkyPilot's managed job ${job.id} (${nameOf(ref)}) ended ${job.skyStatus}${job.failureReason ? `: ${job.failureReason}` : ''}`;
      return { state: 'exited', exit: { code: 1, signal: null, reason: why } };
    },
    async stop(_layout, ref) {
      const job = await find(ref);
      if (job) await cliFor().cancel(job.id);
    },
    async collect(layout, ref) {
      const name = nameOf(ref) ?? names.get(layout.runDir);
      if (!name) return;
      const url = outputUrl({ name, layout, spec });
      const scheme = url.slice(0, url.indexOf(':'));
      const template = spec.download ?? DOWNLOADS[scheme];
      if (!template) {
        throw new TunefileError('TUNEFILE_PROVIDER', `the trained model is in ${url}, and tunefile knows no download command for ${scheme}://`, { hint: 'set provider.skypilot.download: [program, ..., "{url}", "{dir}"]' });
      }
      mkdirSync(layout.outputDir, { recursive: true });
      const [program, ...args] = template.map((a) => a.replaceAll('{url}', url).replaceAll('{dir}', layout.outputDir));
      const result = await execa(program!, args, { env: programEnv, reject: false, stdin: 'ignore' });
      if (result.failed) {
        throw new TunefileError('TUNEFILE_PROVIDER', `could not download the trained model from ${url}: ${program} ${result.exitCode === undefined ? result.shortMessage : `exited ${result.exitCode}`}\n${redact(String(result.stderr).split('\n').slice(-10).join('\n'))}`);
      }
    },
  };
}
