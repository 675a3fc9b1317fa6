// Where a training run lives on the SkyPilot cluster: fixed remote folders for the run's inputs, and the outputs in a
// bucket mounted on the cluster, so checkpoints outlive the cluster (a preempted or recovered managed job finds them).
import { basename, isAbsolute, relative, sep } from 'node:path';
import { TunefileError } from '../../../errors.ts';
import type { RunLayout, SkyPilotSpec } from '../types.ts';

/** The run folder on the cluster: the key's dataset and the trainer's config are mounted into it from the local run folder. */
export const REMOTE_RUN_DIR = '/tunefile/run';

/** Where the bucket is mounted on the cluster (the whole bucket: SkyPilot mounts no sub-path of one, see bucketRoot). */
export const REMOTE_BUCKET_DIR = '/tunefile/bucket';

/**
 * The bucket schemes SkyPilot mounts (`file_mounts` with `source:` and mode MOUNT or MOUNT_CACHED), as its storage
 * module lists them (sky/data/storage.py, 0.14), less `hf://` (a Hugging Face repository, not a place for checkpoints).
 */
const BUCKET_SCHEMES = ['s3', 'gs', 'r2', 'cos', 'oci', 'nebius', 'cw', 'vastdata', 'https'] as const;

/** A bucket URL split into what SkyPilot mounts (the bucket itself) and the folder inside it tunefile writes under. */
export interface BucketUrl {
  /** `s3://my-bucket`; `cos://region/bucket`; `https://account.blob.core.windows.net/container`. */
  root: string;
  /** The folder inside the bucket, without leading or trailing slashes; '' for the bucket's top. */
  prefix: string;
}

/**
 * `spec.bucket` split into the mountable bucket and a prefix: SkyPilot refuses to MOUNT a sub-path
 * ("MOUNT mode does not support mounting specific files from cloud storage"), so tunefile mounts the bucket and
 * writes below the prefix. IBM COS URLs name a region first and Azure URLs a container, so their root keeps one
 * more path segment.
 * @throws TunefileError TUNEFILE_PROVIDER when the URL is not a bucket URL of a scheme SkyPilot mounts.
 */
export function bucketRoot(url: string): BucketUrl {
  const match = /^([a-z0-9]+):\/\/([^/\s]+)((?:\/[^/\s]+)*)\/*$/.exec(url);
  const scheme = match?.[1] as (typeof BUCKET_SCHEMES)[number] | undefined;
  if (!match || scheme === undefined || !BUCKET_SCHEMES.includes(scheme)) {
    throw new TunefileError('TUNEFILE_PROVIDER', `provider.skypilot.bucket must be a bucket URL that SkyPilot can mount (got ${url})`, {
      hint: `write it as ${BUCKET_SCHEMES.filter((s) => s !== 'https').map((s) => `${s}://NAME`).join(', ')}, or an Azure container URL https://ACCOUNT.blob.core.windows.net/CONTAINER, optionally followed by /a/folder`,
    });
  }
  const segments = match[3]!.split('/').filter((s) => s !== '');
  const kept = scheme === 'cos' || scheme === 'https' ? 1 : 0;
  if (segments.length < kept) {
    throw new TunefileError('TUNEFILE_PROVIDER', `provider.skypilot.bucket ${url} names no ${scheme === 'cos' ? 'bucket after the region' : 'container'}`, {
      hint: scheme === 'cos' ? 'write it as cos://REGION/BUCKET' : 'write it as https://ACCOUNT.blob.core.windows.net/CONTAINER',
    });
  }
  return { root: [`${scheme}://${match[2]}`, ...segments.slice(0, kept)].join('/'), prefix: segments.slice(kept).join('/') };
}

/**
 * The problems of a `launcher: skypilot` block, as messages (empty: none). A managed job's cluster is torn down when
 * the job ends, so the model and its checkpoints can only come back through a bucket: `bucket` is required.
 */
export function checkSkyPilotSpec(spec: SkyPilotSpec | undefined): string[] {
  const problems: string[] = [];
  if (spec?.bucket === undefined) {
    problems.push('launcher: skypilot needs provider.skypilot.bucket (s3://..., gs://..., r2://...): a SkyPilot managed job\'s cluster is torn down when the job ends, so the trained model and its checkpoints must be written to a bucket');
  } else {
    try {
      bucketRoot(spec.bucket);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (spec?.command !== undefined && spec.command.length === 0) problems.push('provider.skypilot.command must name a program (or be left out: ["sky"])');
  return problems;
}

/** What remoteLayout needs: the managed job's name, the local run's layout, the SkyPilot block. */
export interface RemoteLayoutOptions {
  /** The managed job's name (jobNameForKey): the run's folder in the bucket. */
  name: string;
  layout: RunLayout;
  spec: SkyPilotSpec;
}

/**
 * The run's layout on the cluster. Placeholders of `run` and the trainer's config are expanded with these paths.
 * Inputs sit in REMOTE_RUN_DIR under fixed names (the config keeps its file name); the output folder is
 * `<REMOTE_BUCKET_DIR>/<prefix>/<name>`, inside the mounted bucket; the trainer's caches stay on the cluster's disk.
 * @throws TunefileError TUNEFILE_PROVIDER without a usable bucket (see checkSkyPilotSpec).
 */
export function remoteLayout(o: RemoteLayoutOptions): RunLayout {
  const problems = checkSkyPilotSpec(o.spec);
  if (problems.length > 0) throw new TunefileError('TUNEFILE_PROVIDER', problems[0]!);
  const { prefix } = bucketRoot(o.spec.bucket!);
  return {
    runDir: REMOTE_RUN_DIR,
    dataDir: `${REMOTE_RUN_DIR}/data`,
    outputDir: [REMOTE_BUCKET_DIR, ...(prefix === '' ? [] : [prefix]), o.name].join('/'),
    configPath: `${REMOTE_RUN_DIR}/${basename(o.layout.configPath)}`,
    logPath: `${REMOTE_RUN_DIR}/${basename(o.layout.logPath)}`,
    cacheDir: `${REMOTE_RUN_DIR}/cache`,
  };
}

/** The bucket URL of the run's output folder (what the trained model is fetched from once the job succeeded). */
export function outputUrl(o: RemoteLayoutOptions): string {
  const { root, prefix } = bucketRoot(o.spec.bucket!);
  return [root, ...(prefix === '' ? [] : [prefix]), o.name].join('/');
}

/**
 * The cluster's path for a local path inside the run's output folder (a checkpoint to resume from), or for one of the
 * layout's own paths.
 * @throws TunefileError TUNEFILE_PROVIDER for any other path: the cluster has no copy of it.
 */
export function toRemotePath(o: RemoteLayoutOptions, localPath: string): string {
  const remote = remoteLayout(o);
  for (const key of ['configPath', 'logPath', 'runDir', 'dataDir', 'cacheDir', 'outputDir'] as const) {
    const inside = relative(o.layout[key], localPath);
    if (inside === '') return remote[key];
    // Below the run folder itself, only the folders the cluster has: the mounted dataset, the bucket, the caches.
    const folder = key === 'dataDir' || key === 'cacheDir' || key === 'outputDir';
    if (folder && inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside)) return [remote[key], ...inside.split(sep)].join('/');
  }
  throw new TunefileError('TUNEFILE_PROVIDER', `the SkyPilot cluster has no copy of ${localPath}: it has the run's dataset folder, its config file, its caches and its output folder (in the bucket), from ${o.layout.runDir}`);
}
