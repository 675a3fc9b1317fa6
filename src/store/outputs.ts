// A recorded output, file or tree, through one set of functions: where it is read, whether its blobs are all there,
// and whether their bytes still match their names. Every caller that turns a record's output into a path or a cache
// check goes through here, so a tree is never taken for a blob.
import { lstatSync, statSync } from 'node:fs';
import { TunefileError } from '../errors.ts';
import type { BlobStore, PreparedBlob } from './blobs.ts';
import type { StoredOutput } from './state.ts';
import type { TreeOrigin, TreeProblem, TreeStore } from './trees.ts';

/** The blob store and tree store of a project's cache. */
export interface Cache {
  blobs: BlobStore;
  trees: TreeStore;
}

/** What is wrong with an output in the cache: the first bad blob (for a tree, its manifest or one file's). */
export type OutputProblem = TreeProblem;

/**
 * Where an output is read: a file's blob, or a tree's folder under .tunefile/cache/trees/, built from the blobs when
 * `materialize` (the default) and missing or damaged. Without it, the path a tree would have (nothing is written).
 * @throws TunefileError TUNEFILE_STORE when a tree's manifest is missing or damaged (only when materializing)
 */
export function outputPath(cache: Cache, output: StoredOutput, materialize = true): string {
  if (!output.tree) return cache.blobs.pathOf(output.hash);
  return materialize ? cache.trees.materialize(output.hash) : cache.trees.pathOf(output.hash);
}

/** Undefined when the output's blobs are all present with their recorded sizes (sizes only; no bytes read but a tree's manifest). */
export function checkOutput(cache: Cache, output: StoredOutput): OutputProblem | undefined {
  if (output.tree) return cache.trees.check(output.hash, output.bytes);
  const check = cache.blobs.check(output.hash, output.bytes);
  return check === 'ok' ? undefined : { status: check, hash: output.hash };
}

/**
 * checkOutput, then rehashes the blobs whose hash is not in `known`. `verified`: the hashes found right (for a tree,
 * its files' and, when all are right, its own).
 */
export async function verifyOutput(cache: Cache, output: StoredOutput, known: ReadonlySet<string>): Promise<{ problem?: OutputProblem; verified: string[] }> {
  if (output.tree) return cache.trees.verify(output.hash, output.bytes, known);
  const problem = checkOutput(cache, output);
  if (problem) return { problem, verified: [] };
  if (known.has(output.hash)) return { verified: [] };
  return (await cache.blobs.verify(output.hash)) ? { verified: [output.hash] } : { problem: { status: 'corrupt', hash: output.hash }, verified: [] };
}

/** The bad blob of a problem, for messages: `blob 076d408de61c`, or `blob 076d408de61c, file weights/a.bin` in a tree. */
export function describeProblemBlob(problem: OutputProblem): string {
  return `blob ${problem.hash.slice(0, 12)}${problem.path === undefined ? '' : `, file ${problem.path}`}`;
}

/** An output once moved into the cache: what its record holds, and which hashes this ingest knows right. */
export interface IngestedOutput {
  output: StoredOutput;
  /** Hashes of the blobs moved in now (a tree's own hash only when all of its blobs were). */
  known: string[];
}

/**
 * Moves the output a stage wrote at `path` into the cache: a folder as a tree (TreeStore.ingest), a file as a blob
 * (`prepared`: its hash, when already being computed).
 * @throws TunefileError TUNEFILE_STAGE_FAILED for a symbolic link to a folder, or a folder holding what a tree refuses
 */
export async function ingestOutput(cache: Cache, path: string, origin: TreeOrigin, prepared?: Promise<PreparedBlob>): Promise<IngestedOutput> {
  const stat = lstatSync(path);
  if (stat.isDirectory()) {
    const tree = await cache.trees.ingest(path, origin);
    return { output: { hash: tree.hash, bytes: tree.bytes, tree: true, files: tree.files }, known: [...tree.freshEntries, ...(tree.fresh ? [tree.hash] : [])] };
  }
  if (stat.isSymbolicLink() && statSync(path).isDirectory()) {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${origin.address}: output '${origin.output}' is a symbolic link to a folder, which is not cached`, {
      hint: `write the folder itself at the output's path (ctx.output('${origin.output}'))`,
    });
  }
  const blob = await cache.blobs.ingest(path, prepared);
  return { output: { hash: blob.hash, bytes: blob.bytes }, known: blob.fresh ? [blob.hash] : [] };
}
