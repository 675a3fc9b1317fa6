// The SkyPilot task YAML of one training run: the same train command as the local launcher, on a cluster SkyPilot
// provisions, with the run's inputs mounted from the local run folder and its outputs in a mounted bucket.
// Format: https://docs.skypilot.co/en/latest/reference/yaml-spec.html (schema: sky/utils/schemas.py, get_task_schema).
import { resolve } from 'node:path';
import { Document } from 'yaml';
import { TunefileError } from '../../../errors.ts';
import { quoteCommand } from '../../../shared/shell-word.ts';
import { isSecretName } from '../../redact.ts';
import type { RunLayout, SkyPilotSpec } from '../types.ts';
import { REMOTE_BUCKET_DIR, bucketRoot, remoteLayout, toRemotePath } from './remote.ts';

/** What renderSkyTask turns into a task. */
export interface SkyTaskOptions {
  /** The managed job's name: jobNameForKey(stage key). */
  name: string;
  /** The train command line, its placeholders already expanded with remoteLayout's paths. */
  run: string[];
  /** The run's local layout: the dataset folder and the config file are mounted from it. */
  layout: RunLayout;
  spec: SkyPilotSpec;
  /** The train command's environment. Credential-named variables become SkyPilot secrets (see splitSkyEnv). */
  env: Record<string, string>;
  /** A local checkpoint folder inside layout.outputDir to resume from; its twin in the bucket is what the job reads. */
  resumeFrom?: string;
}

/** Environment variable names SkyPilot accepts in `envs` and `secrets` (its task schema's pattern). */
const ENV_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** SkyPilot's private-registry login variables: it wants all of them in `envs` or all in `secrets` (sky/task.py). */
const DOCKER_LOGIN = ['SKYPILOT_DOCKER_USERNAME', 'SKYPILOT_DOCKER_PASSWORD', 'SKYPILOT_DOCKER_SERVER'];

/** How SkyPilot finds an environment variable in a file_mounts path, which it then replaces (sky/task.py, _fill_in_env_vars). */
const ENV_REFERENCE = /\$\{?\b([a-zA-Z_][a-zA-Z0-9_]*)\b\}?/g;

/**
 * The managed job's name for a stage key: `tunefile-` and the key's first 12 hex digits. It is how adoption finds
 * the job after a crash, and a valid SkyPilot task and cluster name (letters, digits, dashes).
 * @throws TunefileError TUNEFILE_INTERNAL when `key` does not start with 12 lowercase hex digits.
 */
export function jobNameForKey(key: string): string {
  if (!/^[0-9a-f]{12}/.test(key)) throw new TunefileError('TUNEFILE_INTERNAL', `a stage key must start with 12 lowercase hex digits (got '${key.slice(0, 16)}')`);
  return `tunefile-${key.slice(0, 12)}`;
}

/**
 * The train environment split the way the task holds it: plain variables go into `envs` with their values; variables
 * whose names say they hold a credential (`HF_TOKEN`, `WANDB_API_KEY`, ...) go into `secrets` by name only, and their
 * values reach SkyPilot through the launch's own environment (`sky jobs launch --secret NAME`), so the task file
 * never holds them and SkyPilot redacts them in its logs and dashboard.
 */
export function splitSkyEnv(env: Record<string, string>): { envs: Record<string, string>; secrets: Record<string, string> } {
  const envs: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const names = Object.keys(env).sort();
  // The password makes the docker login a secret, and SkyPilot refuses a login split between envs and secrets.
  const dockerSecret = names.some((name) => DOCKER_LOGIN.includes(name) && isSecretName(name));
  for (const name of names) {
    if (!ENV_NAME.test(name)) throw new TunefileError('TUNEFILE_PROVIDER', `provider.env: '${name}' is not a name SkyPilot accepts for an environment variable (letters, digits and _, not starting with a digit)`);
    const secret = isSecretName(name) || (dockerSecret && DOCKER_LOGIN.includes(name));
    (secret ? secrets : envs)[name] = env[name]!;
  }
  return { envs, secrets };
}

/**
 * The task YAML for one run (deterministic: the same options give the same bytes).
 * - `resources` is spec.resources verbatim; `setup` is spec.setup.
 * - `envs`: TUNEFILE_RUN_DIR, TUNEFILE_OUTPUT_DIR, TUNEFILE_CACHE_DIR (and TUNEFILE_RESUME_FROM), then the train
 *   environment's plain variables; tunefile's own names win. `secrets`: the credential-named ones, by name only.
 * - `file_mounts`: the key's dataset folder and the config file, from the local run folder into REMOTE_RUN_DIR
 *   (SkyPilot uploads them through its own intermediate bucket for managed jobs); the bucket at REMOTE_BUCKET_DIR,
 *   mode MOUNT_CACHED, which SkyPilot flushes before the job counts as finished.
 * - `run`: makes the output and cache folders, enters the run folder, and runs the command, each argument
 *   single-quoted where needed, so no label or path can break it. Paths come from the TUNEFILE_* variables, so the
 *   script runs the same anywhere they point. Not `exec`: SkyPilot appends its MOUNT_CACHED flush to the script,
 *   and it must still run after the trainer exits.
 * @throws TunefileError TUNEFILE_PROVIDER without a usable bucket, for an invalid variable name, or for a mounted
 *   local path SkyPilot would rewrite (one that names a task variable as `$NAME`).
 */
export function renderSkyTask(o: SkyTaskOptions): string {
  const remote = remoteLayout(o);
  const { root } = bucketRoot(o.spec.bucket!);
  const { envs, secrets } = splitSkyEnv(o.env);
  const own: Record<string, string> = {
    TUNEFILE_RUN_DIR: remote.runDir,
    TUNEFILE_OUTPUT_DIR: remote.outputDir,
    TUNEFILE_CACHE_DIR: remote.cacheDir,
    ...(o.resumeFrom === undefined ? {} : { TUNEFILE_RESUME_FROM: toRemotePath(o, o.resumeFrom) }),
  };
  for (const name of Object.keys(own)) {
    delete envs[name];
    delete secrets[name];
  }
  const allEnvs = { ...own, ...envs };
  const fileMounts: Record<string, unknown> = {
    [remote.dataDir]: resolve(o.layout.dataDir),
    [remote.configPath]: resolve(o.layout.configPath),
    [REMOTE_BUCKET_DIR]: { source: root, mode: 'MOUNT_CACHED' },
  };
  refuseRewrittenPaths(fileMounts, allEnvs);
  const run = ['mkdir -p "$TUNEFILE_OUTPUT_DIR" "$TUNEFILE_CACHE_DIR" || exit', 'cd "$TUNEFILE_RUN_DIR" || exit', quoteCommand(o.run)].join('\n');
  const task: Record<string, unknown> = {
    name: o.name,
    ...(o.spec.resources === undefined ? {} : { resources: o.spec.resources }),
    envs: allEnvs,
    ...(Object.keys(secrets).length === 0 ? {} : { secrets: Object.fromEntries(Object.keys(secrets).map((k) => [k, null])) }),
    file_mounts: fileMounts,
    ...(o.spec.setup === undefined ? {} : { setup: o.spec.setup }),
    run: `${run}\n`,
  };
  const doc = new Document(task);
  doc.commentBefore = [
    ` SkyPilot task of tunefile's managed job ${o.name}; written by tunefile for each launch, so edits are lost.`,
    ' Format: https://docs.skypilot.co/en/latest/reference/yaml-spec.html',
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}

/**
 * Refuses file_mounts paths in which SkyPilot would substitute a task variable (`$NAME` or `${NAME}` with NAME in
 * envs): the job would read or write somewhere else than the run folder.
 */
function refuseRewrittenPaths(fileMounts: Record<string, unknown>, envs: Record<string, string>): void {
  const paths = Object.entries(fileMounts).flatMap(([target, source]) => (typeof source === 'string' ? [target, source] : [target]));
  for (const path of paths) {
    const named = [...path.matchAll(ENV_REFERENCE)].map((m) => m[1]!).find((name) => name in envs);
    if (named !== undefined) {
      throw new TunefileError('TUNEFILE_PROVIDER', `the run folder path ${path} contains $${named}, which SkyPilot would replace with the task variable ${named}`, {
        hint: `move the project to a folder without '$' in its path, or rename the variable ${named} in provider.env`,
      });
    }
  }
}
