// Which pipeline file a command means: the PIPELINE argument, else ./pipeline.yaml, else the config's `pipeline`.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.ts';
import { displayPath, findProjectRoot } from './paths.ts';

/** Absolute path of the pipeline file to load; a usage error when there is none. */
export async function findPipelineFile(file: string | undefined, cwd: string): Promise<string> {
  if (file !== undefined) {
    let path = resolve(cwd, file);
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'pipeline.yaml');
    if (!existsSync(path)) throw new UsageError(`pipeline file not found: ${displayPath(path, cwd)}`);
    return path;
  }
  const local = join(cwd, 'pipeline.yaml');
  if (existsSync(local)) return local;
  // Only here is the config needed to find the file; imported lazily, it keeps YAML out of a cached load.
  const { loadConfig } = await import('./config.ts');
  const config = await loadConfig(findProjectRoot(cwd), { cwd });
  if (config.pipeline !== undefined && config.filepath) {
    const path = resolve(dirname(config.filepath), config.pipeline);
    if (!existsSync(path)) {
      throw new UsageError(`${displayPath(config.filepath, cwd)} names the pipeline ${config.pipeline}, which does not exist (${displayPath(path, cwd)})`);
    }
    return path;
  }
  throw new UsageError(`no pipeline file: there is no pipeline.yaml in ${displayPath(cwd, cwd) || '.'} and no tunefile config names one`, {
    hint: "pass the PIPELINE argument (e.g. 'pipelines/spam.yaml'), or run 'tunefile init'",
  });
}
