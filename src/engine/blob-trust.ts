// What one run knows about blobs' bytes: which hashes it has verified (read and found right, or written itself) and
// which it found corrupt. A stage's input blobs are verified before it runs, each hash once per run; a no-op run
// runs nothing and so reads no blob.
import { TunefileError } from '../errors.ts';
import type { PipelineStage } from '../pipeline/types.ts';
import type { ArtifactRef } from '../stages/types.ts';
import { describeProblemBlob, verifyOutput, type Cache } from '../store/index.ts';

/** Per-run knowledge about blobs (see the file comment). */
export interface BlobTrust {
  /** Hashes whose blob this run has rehashed and found right, or moved into the cache itself. */
  verified: Set<string>;
  /**
   * Hashes whose blob this run found corrupt (or gone) and removed. Under `--verify`, a cached result of a stage that
   * read one is not trusted: it may have been made from the corrupt bytes.
   */
  corrupt: Set<string>;
  /** How often each stage was sent back to rerun for a corrupt output, so a failing disk cannot loop a run. */
  reruns: Map<string, number>;
}

/** A fresh BlobTrust for one run. */
export function makeBlobTrust(): BlobTrust {
  return { verified: new Set(), corrupt: new Set(), reruns: new Map() };
}

/** How many times one stage may be rerun to replace a corrupt output within a run. */
export const MAX_PRODUCER_RERUNS = 2;

/** An input blob of a stage about to run is corrupt: its producer must make it again first. */
export class CorruptInputError extends TunefileError {
  readonly input: string;
  readonly hash: string;
  /** The stage that produced the input. */
  readonly producer: string;
  constructor(address: string, input: string, hash: string, producer: string, why: string) {
    super('TUNEFILE_STAGE_FAILED', `${address}: input '${input}' (blob ${hash.slice(0, 12)}, made by stage '${producer}') is ${why === 'missing' ? 'missing from' : `${why} in`} the cache`, {
      hint: `the blob was removed; run again to have '${producer}' make it again (if this repeats, check the disk)`,
    });
    this.name = 'CorruptInputError';
    this.input = input;
    this.hash = hash;
    this.producer = producer;
  }
}

/**
 * Rehashes the input blobs a stage is about to read (every file of a tree input), skipping hashes this run already
 * verified. A corrupt (or vanished) blob is removed, recorded in `trust.corrupt` (with the tree it belongs to) and
 * reported through `warn`.
 * @throws CorruptInputError for the first bad input
 */
export async function verifyInputs(args: {
  address: string;
  stage: PipelineStage;
  inputs: Record<string, ArtifactRef>;
  cache: Cache;
  trust: BlobTrust;
  warn: (message: string) => Promise<void>;
}): Promise<void> {
  const { stage, inputs, cache, trust } = args;
  const pending = Object.entries(inputs).filter(([, ref]) => !trust.verified.has(ref.hash));
  // All at once: large blobs are hashed in the hashing thread while small ones are read here.
  const results = await Promise.all(pending.map(async ([name, ref]) => ({ name, ref, ...(await verifyOutput(cache, ref, trust.verified)) })));
  for (const { verified } of results) for (const hash of verified) trust.verified.add(hash);
  const bad = results.find((r) => r.problem !== undefined);
  if (!bad?.problem) return;
  const { problem } = bad;
  const producer = stage.inputs[bad.name]?.stage ?? '?';
  const missing = problem.status === 'missing';
  const what = missing ? 'is missing from the cache' : 'is corrupt in the cache (its bytes no longer match their hash): removed it';
  for (const hash of new Set([problem.hash, bad.ref.hash])) {
    trust.corrupt.add(hash);
    trust.verified.delete(hash);
  }
  cache.blobs.remove(problem.hash);
  await args.warn(`input '${bad.name}' (${describeProblemBlob(problem)}, made by '${producer}') ${what}; '${producer}' reruns to make it again`);
  throw new CorruptInputError(args.address, bad.name, problem.hash, producer, missing ? 'missing' : 'corrupt');
}

/**
 * Under `--verify`, the input of a stage whose blob this run found corrupt: the stage's cached result cannot be
 * told from one made from the corrupt bytes, so it runs again (remote stages then reuse their files and adopt their
 * job). Undefined without --verify or when every input is clean.
 */
export function suspectInput(inputs: Record<string, ArtifactRef>, trust: BlobTrust, verify: boolean | undefined): string | undefined {
  if (!verify) return undefined;
  return Object.keys(inputs).find((name) => trust.corrupt.has(inputs[name]!.hash));
}

/** The reason shown for a stage that reruns because of suspectInput. */
export function suspectReason(input: string): string {
  return `input '${input}' was corrupt in the cache: its cached result may have been made from the corrupt bytes`;
}
