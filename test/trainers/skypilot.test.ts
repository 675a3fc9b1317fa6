// Trainer tier: tunefile's SkyPilot launcher against the real SkyPilot (pinned in scripts/trainers/setup-skypilot.sh).
// No cloud is reachable here, so:
// 1. Every task YAML tunefile generates (the golden files, rendered over a real run folder, and one per bucket scheme)
//    is validated by SkyPilot's own code (scripts/trainers/check-sky-task.py: schemas, file mounts, bucket mounting
//    rules), and what SkyPilot reads back is what tunefile meant, down to the run script's arguments under bash.
//    `sky launch --dryrun` is not used: it needs SkyPilot's accelerator catalog (from GitHub) and cloud credentials.
// 2. The `sky` driver runs the real `sky` program against a local API server whose jobs controller runs in
//    consolidation mode (on the API server itself), in a HOME and port of the test's own. A job is really submitted,
//    listed, found by name, fails its prechecks (no cloud access), has its log read and is cancelled.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { createSkyCli } from '../../src/providers/trainer/skypilot/cli.ts';
import { renderSkyTask, type SkyTaskOptions } from '../../src/providers/trainer/skypilot/task.ts';
import { GOLDEN_DIR, GOLDEN_ROOT, HOSTILE_ARGS, SKY_TASK_CASES, layoutUnder } from '../helpers/sky-task-cases.ts';
import { tempDir } from '../helpers/temp.ts';

const REPO = join(import.meta.dirname, '..', '..');
const CHECK = join(REPO, 'scripts', 'trainers', 'check-sky-task.py');

let venv = '';

beforeAll(() => {
  // Idempotent: a minute or two the first time on this machine, then instant.
  const out = execFileSync('bash', [join(REPO, 'scripts', 'trainers', 'setup-skypilot.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  venv = out.trim().split('\n').at(-1)!;
}, 600_000);

/** What SkyPilot read from a task file (check-sky-task.py's JSON). */
interface SkyRead {
  name: string;
  run: string;
  setup: string | null;
  envs: Record<string, string>;
  secrets: string[];
  secret_refs: string[];
  file_mounts: Record<string, string>;
  storage_mounts: Record<string, { source: string; mode: string }>;
  resources: Record<string, unknown>[];
}

/** Has SkyPilot validate task files; what it read from each, or its refusal as `{error}`. */
function skypilotReads(paths: string[]): SkyRead[] | { error: string } {
  try {
    const out = execFileSync(join(venv, 'bin', 'python'), [CHECK, ...paths], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.trim().split('\n').map((line) => JSON.parse(line) as SkyRead);
  } catch (error) {
    return { error: String((error as { stderr?: string }).stderr) };
  }
}

/** A run folder with the files a task mounts from it; returns its root. */
function runFolder(configName: string): string {
  const root = join(tempDir('tunefile-sky-'), 'run');
  const layout = layoutUnder(root, configName);
  mkdirSync(layout.dataDir, { recursive: true });
  writeFileSync(join(layout.dataDir, 'train.jsonl'), '{"messages": []}\n');
  writeFileSync(layout.configPath, 'base_model: x\n');
  return root;
}

/** Renders a task over a real run folder and writes it there; returns its path and text. */
function writeTask(options: (root: string) => SkyTaskOptions, configName = 'axolotl.yaml'): { path: string; text: string; root: string } {
  const root = runFolder(configName);
  const text = renderSkyTask(options(root));
  const path = join(root, 'sky-task.yaml');
  writeFileSync(path, text);
  return { path, text, root };
}

describe('generated task YAML, validated by SkyPilot', () => {
  it('accepts the golden tasks, rendered over real run folders, and reads them as tunefile meant', () => {
    const tasks = SKY_TASK_CASES.map(({ file, options }) => ({ file, ...writeTask(options, options(GOLDEN_ROOT).layout.configPath.split('/').at(-1)) }));
    for (const { file, text, root } of tasks) expect(text.replaceAll(root, GOLDEN_ROOT)).toBe(readFileSync(join(GOLDEN_DIR, file), 'utf8'));
    const reads = skypilotReads(tasks.map((t) => t.path));
    if ('error' in reads) throw new Error(reads.error);
    reads.forEach((read, i) => {
      const meant = parse(tasks[i]!.text) as { name: string; run: string; envs: Record<string, string>; secrets?: Record<string, null>; file_mounts: Record<string, unknown> };
      expect(read.name).toBe(meant.name);
      expect(read.run).toBe(meant.run);
      expect(read.envs).toEqual(meant.envs);
      // tunefile writes secrets by name only: SkyPilot takes them for references that the launch fills in.
      expect(read.secrets).toEqual([]);
      expect(read.secret_refs).toEqual(Object.keys(meant.secrets ?? {}));
      const { '/tunefile/bucket': bucket, ...local } = meant.file_mounts;
      expect(read.file_mounts).toEqual(local);
      expect(read.storage_mounts).toEqual({ '/tunefile/bucket': bucket });
    });
    // SkyPilot's own reading of the resources (its YAML form; _requires_fuse: the bucket is mounted with FUSE).
    expect(reads[0]!.resources).toEqual([{ accelerators: { A100: 1 }, use_spot: true, disk_size: 512, _requires_fuse: true }]);
    expect(reads[1]!.resources).toEqual([expect.objectContaining({ infra: 'gcp/us-central1', accelerators: { L4: 1 } })]);
  });

  it("runs SkyPilot's reading of the run script under bash with every hostile argument intact", () => {
    const printArgs = [process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))'];
    const { path } = writeTask((root) => ({ ...SKY_TASK_CASES[1]!.options(root), run: [...printArgs, ...HOSTILE_ARGS] }), 'local-train.json');
    const reads = skypilotReads([path]);
    if ('error' in reads) throw new Error(reads.error);
    const dir = tempDir();
    const env = { PATH: process.env.PATH, TUNEFILE_RUN_DIR: join(dir, 'run'), TUNEFILE_OUTPUT_DIR: join(dir, 'out'), TUNEFILE_CACHE_DIR: join(dir, 'cache') };
    mkdirSync(env.TUNEFILE_RUN_DIR);
    const out = execFileSync('bash', ['-c', reads[0]!.run], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(JSON.parse(out)).toEqual(HOSTILE_ARGS);
    expect(readdirSync(env.TUNEFILE_RUN_DIR)).toEqual([]);
  });

  it('accepts the bucket mount tunefile writes for every scheme, and refuses a sub-path (so the check is live)', () => {
    const buckets = ['s3://b/p', 'gs://b', 'r2://b/p/q', 'cos://us-east/b/p', 'oci://b/p', 'nebius://b', 'https://acct.blob.core.windows.net/container/p'];
    const tasks = buckets.map((bucket) => writeTask((root) => ({ ...SKY_TASK_CASES[0]!.options(root), spec: { bucket } })));
    const reads = skypilotReads(tasks.map((t) => t.path));
    if ('error' in reads) throw new Error(reads.error);
    expect(reads.map((r) => r.storage_mounts['/tunefile/bucket']!.source)).toEqual(['s3://b', 'gs://b', 'r2://b', 'cos://us-east/b', 'oci://b', 'nebius://b', 'https://acct.blob.core.windows.net/container']);
    // What tunefile avoids: mounting the prefix itself.
    const subPath = tasks[0]!.text.replace('source: s3://b\n', 'source: s3://b/p\n');
    writeFileSync(tasks[0]!.path, subPath);
    expect(skypilotReads([tasks[0]!.path])).toEqual({ error: expect.stringContaining('MOUNT mode does not support mounting specific files from cloud storage') });
  });
});

/** A free TCP port on loopback, for the test's own SkyPilot API server. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the sky driver against the real sky (jobs controller in consolidation mode, no cloud)', () => {
  let programEnv: Record<string, string> = {};
  const sky = () => join(venv, 'bin', 'sky');

  beforeAll(async () => {
    const home = tempDir('tunefile-sky-home-');
    mkdirSync(join(home, '.sky'));
    writeFileSync(join(home, '.sky', 'config.yaml'), 'jobs:\n  controller:\n    consolidation_mode: true\n');
    programEnv = { HOME: home, SKYPILOT_API_SERVER_LOCAL_PORT: String(await freePort()), SKYPILOT_DISABLE_USAGE_COLLECTION: '1' };
    // The first command would start the server anyway; starting it here keeps that half minute out of a test.
    execFileSync(sky(), ['api', 'start'], { env: { ...process.env, ...programEnv }, stdio: 'ignore' });
  }, 180_000);

  afterAll(() => {
    if (programEnv.HOME) execFileSync(sky(), ['api', 'stop'], { env: { ...process.env, ...programEnv }, stdio: 'ignore' });
  }, 60_000);

  it('launches, finds by name, watches the job fail its prechecks, reads its log, cancels', async () => {
    const secret = 'hf_tunefile_test_0123456789';
    const cli = createSkyCli({ command: [sky()], env: { HF_TOKEN: secret, SEED: '3' }, programEnv });
    const { path, text } = writeTask((root) => ({ ...SKY_TASK_CASES[0]!.options(root), spec: { bucket: 's3://b', resources: { cpus: '1+' } }, env: { HF_TOKEN: secret, SEED: '3' } }));
    // No cloud storage here, so the bucket mount goes (SkyPilot refuses a launch that has one); all else is as rendered.
    const task = parse(text) as { file_mounts: Record<string, unknown> };
    delete task.file_mounts['/tunefile/bucket'];
    writeFileSync(path, stringify(task));

    const name = 'tunefile-0123456789ab';
    const id = await cli.launch(path, name);
    expect((await cli.findByName(name)).map((j) => j.id)).toEqual([id]);
    expect(await cli.findByName('tunefile-ffffffffffff')).toEqual([]);
    // Poll until SkyPilot's controller gives up on the job (it cannot reach a cloud); the loop ends on the status,
    // and the count is only a hang guard.
    let job = (await cli.queue()).find((j) => j.id === id)!;
    for (let i = 0; i < 60 && job.status === 'queued'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      job = (await cli.queue()).find((j) => j.id === id)!;
    }
    expect(job).toMatchObject({ id, name, status: 'failed', skyStatus: 'FAILED_PRECHECKS' });
    expect(await cli.logs(id, 20)).toContain('NoCloudAccessError');
    await cli.cancel(id);
    await expect(cli.cancel(id + 1000)).rejects.toMatchObject({ code: 'TUNEFILE_NOT_FOUND' });
    // The secret went as --secret HF_TOKEN with its value in sky's environment: the controller's copy of the job has it.
    const jobFiles = readdirSync(join(programEnv.HOME!, '.sky', 'managed_jobs')).filter((f) => f.endsWith('.yaml'));
    expect(jobFiles.some((f) => readFileSync(join(programEnv.HOME!, '.sky', 'managed_jobs', f), 'utf8').includes(secret))).toBe(true);
    expect(readFileSync(path, 'utf8')).not.toContain(secret);
  }, 300_000);
});
