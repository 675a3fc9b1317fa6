// `tunefile show`: find a stage's artifact from the lock file and the cache.
import { TunefileError, didYouMean } from '../errors.ts';
import type { LoadedPipeline } from '../pipeline/types.ts';
import { checkOutput, openCache, outputPath, storeDirOf, type TreeEntry } from '../store/index.ts';
import { readLockFile } from './lockfile.ts';

export interface ArtifactLocation {
  stage: string;
  artifact: string;
  path: string;
  hash: string;
  /** The blob's size, or a tree's total. */
  bytes: number;
  rows?: number;
  /** For a tree (a folder artifact): its files, sorted by path; `path` is then its folder. */
  tree?: TreeEntry[];
}

/**
 * The blob of STAGE's ARTIFACT as recorded by the last successful run, or for a tree its folder (built from the
 * blobs when missing) and its files.
 * Without ARTIFACT, a stage with one output shows it; otherwise the error lists the outputs.
 */
export function locateArtifact(pipeline: LoadedPipeline, stageId: string, artifact?: string): ArtifactLocation {
  const ids = pipeline.stages.map((s) => s.id);
  if (!ids.includes(stageId)) {
    const guess = didYouMean(stageId, ids);
    throw new TunefileError('TUNEFILE_USAGE', `no stage '${stageId}' in ${pipeline.relFile}${guess ? `; did you mean '${guess}'?` : ''}`);
  }
  const entry = readLockFile(pipeline.lockFile)?.stages[stageId];
  if (!entry) {
    throw new TunefileError('TUNEFILE_NOT_FOUND', `stage '${stageId}' has not run yet`, { hint: `tunefile run ${pipeline.relFile} --stage ${stageId}` });
  }
  const names = Object.keys(entry.outputs);
  const name = artifact ?? (names.length === 1 ? names[0]! : undefined);
  if (!name) {
    throw new TunefileError('TUNEFILE_USAGE', `stage '${stageId}' has several outputs; name one: ${names.join(', ')}`);
  }
  const out = entry.outputs[name];
  if (!out) {
    const guess = didYouMean(name, names);
    throw new TunefileError('TUNEFILE_USAGE', `stage '${stageId}' has no output '${name}'${guess ? `; did you mean '${guess}'?` : ''} (outputs: ${names.join(', ')})`);
  }
  const cache = openCache(storeDirOf(pipeline.projectRoot));
  const problem = checkOutput(cache, out);
  if (problem?.status === 'missing') {
    const file = problem.path === undefined ? '' : `: its file ${problem.path} is missing`;
    throw new TunefileError('TUNEFILE_NOT_FOUND', `${stageId}.${name} (${out.hash.slice(0, 12)}) is not in the cache${file}`, { hint: `tunefile run ${pipeline.relFile} restores it` });
  }
  return {
    stage: stageId,
    artifact: name,
    path: outputPath(cache, out),
    hash: out.hash,
    bytes: out.bytes,
    ...(out.rows === undefined ? {} : { rows: out.rows }),
    ...(out.tree ? { tree: cache.trees.entries(out.hash) } : {}),
  };
}
