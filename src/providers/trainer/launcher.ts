// Where a train command runs: this machine (a detached process group) or a SkyPilot managed job. The jobs module
// knows runs only through this interface; a launcher's handle on a run (LaunchRef) is kept in the job record.
import type { ExitRecord } from './supervise.ts';
import type { RunLayout } from './types.ts';

/** A launcher's handle on a run, as JSON in the job record. */
export type LaunchRef = { kind: 'local'; pgid: number; started?: string } | { kind: 'skypilot'; name: string; job_id?: number };

/** How a run stands: running, ended (with how), or gone without a trace of how it ended (killed with its supervisor). */
export type LaunchState = { state: 'running' } | { state: 'exited'; exit: ExitRecord } | { state: 'gone' };

/** What a launcher is told to start. */
export interface LaunchOptions {
  cwd: string;
  env: Record<string, string>;
  layout: RunLayout;
  /** 1 for the first start; a resume adds one. */
  attempt: number;
  /** A name derived from the stage key, by which a launcher with its own job list finds the run again. */
  jobName: string;
  /** The provider's own `env:` (without this process's environment): what a remote launcher sends along. */
  ownEnv: Record<string, string>;
}

export interface Launcher {
  /**
   * Where the run's folders are for the train command, when not the local layout (a cluster's paths): the command
   * line and the trainer's config are expanded with it. A local checkpoint folder maps with `toRemote`.
   */
  remote?(layout: RunLayout, jobName: string): { layout: RunLayout; toRemote(localPath: string): string };
  start(argv: string[], o: LaunchOptions): Promise<LaunchRef>;
  state(layout: RunLayout, ref: LaunchRef | undefined): Promise<LaunchState>;
  /** Stops the run and whatever it started. */
  stop(layout: RunLayout, ref: LaunchRef | undefined): Promise<void>;
  /** After the run succeeded elsewhere: brings its output folder (the model) into layout.outputDir. */
  collect?(layout: RunLayout, ref: LaunchRef | undefined): Promise<void>;
}
