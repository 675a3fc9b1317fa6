// The loaded-pipeline cache: while the pipeline file, the project config, the --set arguments and tunefile's
// own build are unchanged, `run` and `status` read the validated pipeline back from .tunefile/ instead of
// parsing YAML and compiling and running the schema validator, the largest part of a run with nothing to do.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { findPipelineFile } from '../pipeline/find-pipeline.ts';
import type { LoadPipelineOptions } from '../pipeline/load.ts';
import { CONFIG_FILES, findProjectRoot } from '../pipeline/paths.ts';
import type { LoadedPipeline } from '../pipeline/types.ts';
import { stripUrlCredentials } from '../providers/redact.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import { getBuildId } from './build-id.ts';

/** Bumped when the entry's shape or the key's parts change. */
const FORMAT = 2;

/** Config files whose content is code: what they yield cannot be keyed by their bytes. */
const CODE_CONFIG = new Set(['.js', '.mjs', '.cjs', '.ts']);

interface Entry {
  format: number;
  key: string;
  pipeline: LoadedPipeline;
}

/**
 * Loads a pipeline like loadPipeline, through the cache in `<project>/.tunefile/cache/pipelines/`.
 *
 * An entry is used only when its key matches: a sha256 over the pipeline file's path and bytes, the cwd
 * (messages show paths relative to it), the project root, the bytes of every config file there, the --set
 * arguments, the CPU count (the default `jobs`) and tunefile's build (getBuildId: a hash of all of its code and
 * the installed copies of its dependencies), so an entry is never read by code other than the code that wrote it.
 * Nothing is stored for a pipeline that reads the environment (`${env.NAME}`): its values could be
 * secrets and are not in the key; nor for a provider base URL holding a user:password@; nor when `.tunefile/`
 * does not exist yet, nor when the result does not survive JSON unchanged (say `.inf`). Errors are never stored: a broken file fails the same way each time.
 */
export async function loadPipelineCached(options: LoadPipelineOptions): Promise<LoadedPipeline> {
  const file = await findPipelineFile(options.file, options.cwd);
  const text = readFileSync(file, 'utf8');
  const projectRoot = findProjectRoot(dirname(file));
  const storeDir = join(projectRoot, '.tunefile');
  const key = cacheKey(options, file, text, projectRoot);
  const entryPath = join(storeDir, 'cache', 'pipelines', `${sha256(file).slice(0, 32)}.json`);
  if (key !== undefined) {
    const hit = readEntry(entryPath, key);
    if (hit) return hit;
  }
  const { loadPipelineTraced } = await import('../pipeline/load.ts');
  const { pipeline, envNames } = await loadPipelineTraced(options, { file, text });
  // Keyed on the bytes read before the load; the key is taken again so a file edited meanwhile is not stored.
  if (key !== undefined && envNames.length === 0 && !hasUrlCredentials(pipeline) && existsSync(storeDir) && cacheKey(options, file, readFileSync(file, 'utf8'), projectRoot) === key) {
    writeEntry(entryPath, { format: FORMAT, key, pipeline });
  }
  return pipeline;
}

/** Whether the provider's base URL holds a user:password@ (refused when connecting): such a pipeline is not copied into .tunefile/. */
function hasUrlCredentials(pipeline: LoadedPipeline): boolean {
  const url = typeof pipeline.provider === 'object' && pipeline.provider.type !== 'trainer' ? pipeline.provider.base_url : undefined;
  return url !== undefined && stripUrlCredentials(url) !== url;
}

/** The entry's key, or undefined when this load cannot be cached (a config file that is code). */
function cacheKey(options: LoadPipelineOptions, file: string, text: string, projectRoot: string): string | undefined {
  const configs: string[] = [];
  for (const name of CONFIG_FILES) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(projectRoot, name));
    } catch {
      continue; // absent (or unreadable, which the full load reports)
    }
    if (CODE_CONFIG.has(extname(name))) return undefined;
    configs.push(name, sha256(bytes));
  }
  const parts = [FORMAT, getBuildId(), file, options.cwd, projectRoot, availableParallelism(), options.sets ?? [], configs, sha256(text)];
  return sha256(JSON.stringify(parts));
}

function readEntry(path: string, key: string): LoadedPipeline | undefined {
  let entry: Entry;
  try {
    entry = JSON.parse(readFileSync(path, 'utf8')) as Entry;
  } catch {
    return undefined; // absent or damaged: load afresh and overwrite
  }
  return entry?.format === FORMAT && entry.key === key ? entry.pipeline : undefined;
}

function writeEntry(path: string, entry: Entry): void {
  const json = JSON.stringify(entry);
  // Only what comes back from JSON exactly as the loader made it (no Infinity, -0 or undefined values).
  if (!isDeepStrictEqual((JSON.parse(json) as Entry).pipeline, entry.pipeline)) return;
  try {
    writeFileAtomic(path, json);
  } catch {
    // A cache that cannot be written costs the next run a full load, nothing more.
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
