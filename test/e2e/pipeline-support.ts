// Support for the pipeline e2e tests: sample projects and a look at the local provider's files and jobs.
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startLocalServer } from '../../src/local/index.ts';
import { scaffoldProject } from '../../src/init/scaffold.ts';
import { makeProject, REPO } from '../helpers/cli.ts';

/** Fast polling for tests (the local provider's defaults are already short). */
export const TEST_CONFIG = { pipeline: 'pipeline.yaml', poll: { interval_ms: 20, max_interval_ms: 100 } };

/** A project scaffolded by `tunefile init` (1,000 SMS messages), with fast polling and `edit` applied to pipeline.yaml. */
export function makeSampleProject(edit: (yaml: string) => string = (y) => y): string {
  const dir = makeProject({}, 'tunefile-pipeline-');
  scaffoldProject(dir);
  writeFileSync(join(dir, 'tunefile.config.json'), JSON.stringify(TEST_CONFIG));
  writeFileSync(join(dir, 'pipeline.yaml'), edit(readFileSync(join(dir, 'pipeline.yaml'), 'utf8')));
  return dir;
}

/** The example pipelines, with the folder of test/data each reads. */
const EXAMPLE_DATA = { 'sms-spam': 'sms-spam', banking77: 'banking77', 'banking77-selfhosted': 'banking77', 'sms-spam-together': 'sms-spam' } as const;

/**
 * A fresh clone of this repository's example pipeline and its data (no .tunefile/, no lock files). Its node_modules
 * is this checkout's (a link), for the example that reads a tokenizer an npm package ships.
 */
export function cloneExample(name: keyof typeof EXAMPLE_DATA): string {
  const dir = makeProject({}, `tunefile-${name}-`);
  mkdirSync(join(dir, 'pipelines'));
  cpSync(join(REPO, 'pipelines', `${name}.yaml`), join(dir, 'pipelines', `${name}.yaml`));
  cpSync(join(REPO, 'test', 'data', EXAMPLE_DATA[name]), join(dir, 'test', 'data', EXAMPLE_DATA[name]), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'tunefile.config.json'), JSON.stringify({ poll: TEST_CONFIG.poll }));
  return dir;
}

/** What the project's local provider holds. */
export interface ProviderState {
  jobs: OpenAI.FineTuning.Jobs.FineTuningJob[];
  /** Files with purpose fine-tune (uploads, not result files). */
  uploads: OpenAI.Files.FileObject[];
}

/** Starts the local server on the project's `.tunefile/local` (no run may be active) and hands an SDK client to `fn`. */
export async function withProvider<T>(project: string, fn: (client: OpenAI) => Promise<T>): Promise<T> {
  const server = await startLocalServer({ dataDir: join(project, '.tunefile', 'local'), apiKey: 'sk-test' });
  try {
    return await fn(new OpenAI({ apiKey: 'sk-test', baseURL: server.url, maxRetries: 0 }));
  } finally {
    await server.close();
  }
}

/** Lists every job and upload of the project's local provider. */
export function readProviderState(project: string): Promise<ProviderState> {
  return withProvider(project, async (client) => {
    const jobs: ProviderState['jobs'] = [];
    for await (const job of client.fineTuning.jobs.list({ limit: 100 })) jobs.push(job);
    const uploads: ProviderState['uploads'] = [];
    for await (const file of client.files.list({ purpose: 'fine-tune' })) uploads.push(file);
    return { jobs, uploads };
  });
}

/** The pipeline's lock file, parsed. */
export function readLock(project: string, file = 'pipeline.lock'): { stages: Record<string, Record<string, any>> } {
  return JSON.parse(readFileSync(join(project, file), 'utf8'));
}
