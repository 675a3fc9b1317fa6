// Real folders built from a tree's blobs: hard links where the file system allows (copies otherwise, and always for
// executable files, whose blob is 0444), built in a temp folder beside the target, fsynced, then renamed into place.
import { chmodSync, constants, copyFileSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fsyncPath, syncDir } from '../shared/atomic-write.ts';
import type { BlobStore } from './blobs.ts';
import type { TreeEntry } from './tree-manifest.ts';

/** Link errors after which a file is copied instead: another file system, or one without hard links. */
const NO_LINK = new Set(['EXDEV', 'EPERM', 'EMLINK', 'ENOTSUP', 'EOPNOTSUPP', 'EACCES']);

/**
 * Whether `dest` holds exactly the tree's files: no other file, each a regular file of the right size and executable
 * bit; a non-executable file on the blob's device must be a hard link of its blob (so a folder left from before its
 * blob was found corrupt and made again is rebuilt, not trusted). Content is not read: blobs are verified instead.
 */
export function isIntact(dest: string, entries: readonly TreeEntry[], blobs: BlobStore): boolean {
  let listing;
  try {
    listing = readdirSync(dest, { recursive: true, withFileTypes: true });
  } catch {
    return false; // absent, or not a folder: rebuilt
  }
  if (listing.filter((d) => !d.isDirectory()).length !== entries.length) return false;
  for (const e of entries) {
    let file, blob;
    try {
      file = lstatSync(join(dest, e.path));
      blob = statSync(blobs.pathOf(e.hash));
    } catch {
      return false;
    }
    if (!file.isFile() || file.size !== e.bytes || ((file.mode & 0o111) !== 0) !== e.executable) return false;
    if (!e.executable && file.dev === blob.dev && file.ino !== blob.ino) return false;
  }
  return true;
}

/**
 * Builds the folder `dest` holding the tree's files, replacing whatever is there; readers see the old folder or the
 * whole new one. `link`: hard-link the blobs where possible (read-only files that share the cache's bytes); `copy`:
 * private read-only copies (reflinks where the file system can make them).
 * @throws Error when a blob is missing (the caller checked the tree first)
 */
export function buildTree(dest: string, entries: readonly TreeEntry[], blobs: BlobStore, how: 'link' | 'copy'): void {
  const parent = dirname(dest);
  mkdirSync(parent, { recursive: true });
  const tmp = mkdtempSync(join(parent, `.${basename(dest).slice(0, 16)}-`));
  try {
    const folders = new Set([tmp]);
    for (const e of entries) {
      const target = join(tmp, ...e.path.split('/'));
      for (let d = dirname(target); !folders.has(d); d = dirname(d)) folders.add(d);
      mkdirSync(dirname(target), { recursive: true });
      placeFile(blobs.pathOf(e.hash), target, how === 'link' && !e.executable, e.executable);
    }
    for (const folder of folders) syncDir(folder);
    replaceFolder(tmp, dest);
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
}

/** A hard link of the blob at `target`, or a fsynced read-only copy. */
function placeFile(blob: string, target: string, link: boolean, executable: boolean): void {
  if (link) {
    try {
      linkSync(blob, target);
      return;
    } catch (error) {
      if (!NO_LINK.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  }
  copyFileSync(blob, target, constants.COPYFILE_FICLONE);
  chmodSync(target, executable ? 0o555 : 0o444);
  fsyncPath(target);
}

/** Renames the finished folder `tmp` onto `dest`; a folder already there (damaged) is moved aside and removed. */
function replaceFolder(tmp: string, dest: string): void {
  try {
    renameSync(tmp, dest);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'ENOTDIR' && code !== 'EISDIR') throw error;
    const old = `${tmp}.old`;
    renameSync(dest, old);
    renameSync(tmp, dest);
    rmSync(old, { recursive: true, force: true });
  }
  syncDir(dirname(dest));
}
