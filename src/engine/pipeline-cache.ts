// The loaded-pipeline cache: while the pipeline file, the project config, the --set arguments and tunefile's
// own loader are unchanged, `run` and `status` read the validated pipeline back from .tunefile/ instead of
// parsing YAML and running the schema validator (about 40 ms of a 100 ms run with nothing to do).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { findPipelineFile } from '../pipeline/find-pipeline.ts';
import type { LoadPipelineOptions } from '../pipeline/load.ts';
import { CONFIG_FILES, findProjectRoot } from '../pipeline/paths.ts';
import type { LoadedPipeline } from '../pipeline/types.ts';
import { stripUrlCredentials } from '../providers/redact.ts';
import { writeFileAtomic } from '../store/atomic.ts';

/** Bumped when the entry's shape or the key's parts change. */
const FORMAT = 1;

const OWN_FILE = fileURLToPath(import.meta.url);
/** src/ or dist/. */
const CODE_ROOT = dirname(dirname(OWN_FILE));

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
 * arguments, the CPU count (the default `jobs`) and the stat of each module the loader is made of.
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
  const url = typeof pipeline.provider === 'object' ? pipeline.provider.base_url : undefined;
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
  const parts = [FORMAT, loaderFingerprint(), file, options.cwd, projectRoot, availableParallelism(), options.sets ?? [], configs, sha256(text)];
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
    // A cache that cannot be written costs the next run 40 ms, nothing more.
  }
}

/**
 * Size and mtime of every module the loader is made of under `root` (src/ or dist/: the pipeline folder,
 * the stage registry and each stage type's definition, errors, the graph), and of the YAML and JSON-schema
 * packages: a rebuilt or upgraded tunefile never reads an entry written by another.
 */
export function loaderFingerprint(root: string = CODE_ROOT): string {
  const ext = extname(OWN_FILE);
  const files = [join(root, `errors${ext}`), join(root, 'engine', `graph${ext}`)];
  for (const name of readdirSync(join(root, 'pipeline'))) files.push(join(root, 'pipeline', name));
  for (const entry of readdirSync(join(root, 'stages'), { withFileTypes: true })) {
    files.push(entry.isDirectory() ? join(root, 'stages', entry.name, `index${ext}`) : join(root, 'stages', entry.name));
  }
  for (const name of ['yaml', 'ajv']) files.push(dependencyManifest(name, root));
  const stats = files.map((path) => {
    try {
      const s = statSync(path);
      return `${path}:${s.size}:${s.mtimeMs}`;
    } catch {
      return `${path}:-`;
    }
  });
  return sha256(stats.join('\n'));
}

/** Where Node finds package `name` from `dir`: the first node_modules/<name>/package.json upward (require.resolve costs 2 ms). */
function dependencyManifest(name: string, dir: string): string {
  for (;;) {
    const path = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(path) || dirname(dir) === dir) return path;
    dir = dirname(dir);
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
