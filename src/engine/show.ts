// `tunefile show`: find a stage's artifact from the lock file and the cache.
import { existsSync } from 'node:fs';
import { TunefileError, didYouMean } from '../errors.ts';
import type { LoadedPipeline } from '../pipeline/types.ts';
import { BlobStore } from '../store/blobs.ts';
import { join } from 'node:path';
import { readLockFile } from './lockfile.ts';

export interface ArtifactLocation {
  stage: string;
  artifact: string;
  path: string;
  hash: string;
  bytes: number;
  rows?: number;
}

/**
 * The blob of STAGE's ARTIFACT as recorded by the last successful run.
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
  const blobs = new BlobStore(join(pipeline.projectRoot, '.tunefile', 'cache', 'blobs'));
  const path = blobs.pathOf(out.hash);
  if (!existsSync(path)) {
    throw new TunefileError('TUNEFILE_NOT_FOUND', `${stageId}.${name} (${out.hash.slice(0, 12)}) is not in the cache`, { hint: `tunefile run ${pipeline.relFile} restores it` });
  }
  return { stage: stageId, artifact: name, path, hash: out.hash, bytes: out.bytes, ...(out.rows === undefined ? {} : { rows: out.rows }) };
}
