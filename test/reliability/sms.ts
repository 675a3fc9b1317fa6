// Shared by the reliability suites: a temp project holding the real SMS spam pipeline, and checks of its state.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, makeProject, startCli, type CliResult } from '../helpers/cli.ts';

export const SMS_PIPELINE = 'pipelines/sms-spam.yaml';
const SMS_DATA = join(REPO, 'test', 'data', 'sms-spam', 'SMSSpamCollection.tsv');

export interface SmsProjectOptions {
  /** Keep only the header and the first `rows` data rows (a smaller, faster slice). */
  rows?: number;
  /** Replace text in the pipeline file: [from, to] pairs, each of which must occur. */
  edits?: [string, string][];
}

/** A fresh project (own .git root) with pipelines/sms-spam.yaml and its data at the path the pipeline names. */
export function makeSmsProject(options: SmsProjectOptions = {}, prefix = 'tunefile-rel-'): string {
  let pipeline = readFileSync(join(REPO, SMS_PIPELINE), 'utf8');
  for (const [from, to] of options.edits ?? []) {
    if (!pipeline.includes(from)) throw new Error(`pipeline edit: '${from}' not found in ${SMS_PIPELINE}`);
    pipeline = pipeline.replace(from, to);
  }
  const dir = makeProject({ [SMS_PIPELINE]: pipeline }, prefix);
  mkdirSync(join(dir, 'test', 'data', 'sms-spam'), { recursive: true });
  let data = readFileSync(SMS_DATA, 'utf8');
  if (options.rows !== undefined) data = data.split('\n').slice(0, options.rows + 1).join('\n') + '\n';
  writeFileSync(join(dir, 'test', 'data', 'sms-spam', 'SMSSpamCollection.tsv'), data);
  return dir;
}

/** Every blob under .tunefile/cache/blobs; throws when one does not hash to its name. */
export function checkBlobs(dir: string): number {
  const root = join(dir, '.tunefile', 'cache', 'blobs');
  if (!existsSync(root)) return 0;
  let n = 0;
  for (const shard of readdirSync(root)) {
    for (const name of readdirSync(join(root, shard))) {
      const actual = createHash('sha256').update(readFileSync(join(root, shard, name))).digest('hex');
      if (actual !== name) throw new Error(`blob ${shard}/${name} holds bytes hashing to ${actual}`);
      n++;
    }
  }
  return n;
}

/** The local provider's jobs on disk (<project>/.tunefile/local/jobs/<id>/job.json, or <dataDir>/jobs for a served folder). */
export function localJobs(dir: string, isDataDir = false): { id: string; status: string; key: string | undefined }[] {
  const root = isDataDir ? join(dir, 'jobs') : join(dir, '.tunefile', 'local', 'jobs');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((id) => existsSync(join(root, id, 'job.json')))
    .map((id) => {
      const record = JSON.parse(readFileSync(join(root, id, 'job.json'), 'utf8')) as { job: { id: string; status: string; metadata?: Record<string, string> | null } };
      return { id: record.job.id, status: record.job.status, key: record.job.metadata?.tunefile_key };
    });
}

/** Job counts per tunefile_key. */
export function jobsPerKey(dir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const job of localJobs(dir)) counts[job.key ?? '(none)'] = (counts[job.key ?? '(none)'] ?? 0) + 1;
  return counts;
}

/** Every file under `root` (relative paths), skipping nothing. */
export function listFiles(root: string, base = root): string[] {
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path, base));
    else out.push(path.slice(base.length + 1));
  }
  return out;
}

/**
 * Starts `tunefile run`; `seen` resolves true as soon as its stderr matches `pattern` (on the output event itself,
 * no polling), or false if the run ends first.
 */
export function startRunUntil(args: string[], cwd: string, pattern: RegExp, env: Record<string, string> = {}) {
  const run = startCli(['run', ...args], { cwd, env });
  const seen = run.until(pattern).then(() => true, () => false);
  return { ...run, seen };
}

export type { CliResult };
