// Content-addressed blobs under .tunefile/cache/blobs/ab/abcd..., moved in atomically.
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fsyncPath, fsyncPathAsync } from '../shared/atomic-write.ts';
import { hashFile } from './hash.ts';

/** Output of a stage, once in the cache. */
export interface BlobInfo {
  hash: string;
  bytes: number;
}

/** A blob once ingested: `fresh` when these bytes were moved in now, false when a blob of that name was already there (its bytes were not read, so not verified). */
export interface IngestedBlob extends BlobInfo {
  fresh: boolean;
}

/** A finished file about to be ingested: its hash and size, and whether it has been fsynced. */
export interface PreparedBlob extends BlobInfo {
  synced?: boolean;
}

/** Hashes a finished file and fsyncs it at the same time (the hash in a thread, the fsync on libuv's pool). */
export async function prepareBlob(file: string): Promise<PreparedBlob> {
  const [info] = await Promise.all([hashFile(file), fsyncPathAsync(file)]);
  return { ...info, synced: true };
}

export class BlobStore {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  /** Absolute path of the blob with this hash (which may not exist). */
  pathOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256 hash: ${JSON.stringify(hash)}`);
    return join(this.root, hash.slice(0, 2), hash);
  }

  /** 'ok' when the blob exists with the expected size, else why not. */
  check(hash: string, bytes: number): 'ok' | 'missing' | 'wrong-size' {
    try {
      return statSync(this.pathOf(hash)).size === bytes ? 'ok' : 'wrong-size';
    } catch {
      return 'missing';
    }
  }

  /** Rehashes a blob; true when its bytes still match its name. */
  async verify(hash: string): Promise<boolean> {
    try {
      return (await hashFile(this.pathOf(hash))).hash === hash;
    } catch {
      return false;
    }
  }

  /**
   * Moves a finished file into the store under its content hash (same file system: atomic rename).
   * The file is fsynced first, so a crash never leaves a visible blob with partial bytes. `prepared`: the file's
   * hash and size when already being computed (the file must not change since), `synced` when it was fsynced meanwhile.
   */
  async ingest(file: string, prepared?: Promise<PreparedBlob>): Promise<IngestedBlob> {
    const { hash, bytes, synced } = (await (prepared ?? hashFile(file))) as PreparedBlob;
    const target = this.pathOf(hash);
    if (this.check(hash, bytes) === 'ok') {
      // The existing blob is kept unread (rehashing it would cost what the dedupe saves): not `fresh`, so a stage
      // that reads it later still verifies it first.
      rmSync(file, { force: true });
      return { hash, bytes, fresh: false };
    }
    mkdirSync(dirname(target), { recursive: true });
    if (!synced) await fsyncPathAsync(file);
    chmodSync(file, 0o444);
    renameSync(file, target);
    fsyncPath(dirname(target));
    return { hash, bytes, fresh: true };
  }

  /** Deletes a blob (corrupt or garbage). */
  remove(hash: string): void {
    const path = this.pathOf(hash);
    if (existsSync(path)) rmSync(path, { force: true });
  }
}
