// `provider: {type: trainer, ...}`: files in .tunefile/trainer/files, jobs as run folders under
// .tunefile/trainer/runs (see jobs.ts), launched on this machine or through SkyPilot, and a model server for evaluate.
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { TunefileError } from '../../errors.ts';
import { getKillGraceMs } from '../../shared/process-group.ts';
import type { Provider, ProviderIdentity } from '../types.ts';
import { trainerFiles } from './file-store.ts';
import { trainerFormat } from './formats/index.ts';
import { trainerJobs } from './jobs.ts';
import { localLauncher } from './launch-local.ts';
import type { Launcher } from './launcher.ts';
import { artifactFiles } from './progress.ts';
import { deployTrained } from './serve.ts';
import { baseModelOf, trainerSettings } from './settings.ts';
import type { TrainerProviderSpec } from './types.ts';

/** This tunefile's CLI as argv words, for `{tunefile}`: node and main.js (main.ts when run from source). */
export const TUNEFILE_ARGV: readonly string[] = [process.execPath, fileURLToPath(new URL(`../../cli/main${extname(fileURLToPath(import.meta.url))}`, import.meta.url))];

/** Where the provider keeps its state and what it runs with. */
export interface TrainerConnectOptions {
  /** .tunefile/trainer */
  dir: string;
  pipelineDir: string;
  env: Record<string, string | undefined>;
  now: () => number;
  identity: ProviderIdentity;
}

/** The trainer provider for `spec`. */
export async function connectTrainer(spec: TrainerProviderSpec, o: TrainerConnectOptions): Promise<Provider> {
  const format = trainerFormat(spec.trainer);
  const graceMs = getKillGraceMs(o.env);
  const files = trainerFiles(join(o.dir, 'files'), o.now);
  const launcher = await launcherFor(spec, graceMs, o.env);
  const tunefile = [...TUNEFILE_ARGV];
  const jobs = trainerJobs({ dir: o.dir, spec, pipelineDir: o.pipelineDir, env: o.env, launcher, files, now: o.now, tunefile });
  // A model restored from the cache may have no job record here (another machine trained it): then the spec tells.
  const recordOf = (model: string) => {
    try {
      return model.startsWith('trainer:') ? jobs.record(model.slice('trainer:'.length)) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    identity: o.identity,
    files,
    jobs,
    // Never used for requests: deployForInference hands evaluate the client of the server it started (or of `endpoint`).
    inference: new OpenAI({ baseURL: spec.endpoint ?? 'http://127.0.0.1:9/v1', apiKey: 'unused' }),
    models: async () => [],
    deployForInference(model, deploy) {
      const record = recordOf(model);
      const settings = record?.settings ?? trainerSettings(spec.trainer, baseModelOf(spec, { model }, o.pipelineDir), { model, training_file: '', validation_file: '' });
      return deployTrained({ spec, format, settings, dir: join(o.dir, 'serve'), cwd: o.pipelineDir, env: o.env, tunefile, graceMs }, deploy);
    },
    trainedModel(job) {
      const dir = jobs.layout(jobs.record(job.id)).outputDir;
      return { dir, files: artifactFiles(dir) };
    },
    close: async () => {},
  };
}

async function launcherFor(spec: TrainerProviderSpec, graceMs: number, env: Record<string, string | undefined>): Promise<Launcher> {
  switch (spec.launcher ?? 'local') {
    case 'local':
      return localLauncher(graceMs);
    case 'skypilot':
      return (await import('./skypilot/launcher.ts')).skyPilotLauncher(spec.skypilot ?? {}, env);
    default:
      throw new TunefileError('TUNEFILE_INVALID_PIPELINE', `provider.launcher: unknown launcher ${JSON.stringify(spec.launcher)}`, { hint: 'local or skypilot' });
  }
}
