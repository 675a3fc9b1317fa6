// The `.tunefile/` folder itself: where it is, creating folders in it with clear errors, and clearing scratch space.
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TunefileError } from '../errors.ts';

/** `<projectRoot>/.tunefile`. */
export function storeDirOf(projectRoot: string): string {
  return join(projectRoot, '.tunefile');
}

/**
 * Creates the folder `sub` (say `tmp`) of the store folder `storeDir`, and the folders above it.
 * @throws TunefileError TUNEFILE_STORE naming the path in the way: a file where a folder must be, or no permission
 */
export function makeStoreFolder(storeDir: string, sub: string): string {
  const folder = join(storeDir, sub);
  try {
    mkdirSync(folder, { recursive: true });
    return folder;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      const blocker = fileInTheWay(storeDir, sub) ?? folder;
      throw new TunefileError('TUNEFILE_STORE', `${blocker} is a file, not a folder: tunefile keeps its cache and state in ${storeDir}/`, {
        cause: error,
        hint: `move or delete ${blocker}; tunefile creates the folder itself (it holds only caches and is never committed)`,
      });
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new TunefileError('TUNEFILE_STORE', `cannot create ${folder}: ${code === 'EROFS' ? 'read-only file system' : 'permission denied'}`, {
        cause: error,
        hint: 'tunefile needs to write its cache folder .tunefile/ at the project root; fix its permissions',
      });
    }
    throw error;
  }
}

/** The first existing path from `storeDir` down to `storeDir/sub` that is not a folder. */
function fileInTheWay(storeDir: string, sub: string): string | undefined {
  let path = storeDir;
  for (const part of ['', ...sub.split(/[\\/]/).filter(Boolean)]) {
    path = part ? join(path, part) : path;
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch (error) {
      void error; // absent: nothing is in the way from here down
      return undefined;
    }
    if (!isFolder) return path;
  }
  return undefined;
}

/**
 * Removes everything in the scratch folder `tmpDir`: stage scratch folders left by runs that were killed. Only a
 * caller holding the run lock may do this, since only a live run uses scratch space. Returns how many were removed.
 */
export function clearScratch(tmpDir: string): number {
  let names: string[];
  try {
    names = readdirSync(tmpDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  for (const name of names) rmSync(join(tmpDir, name), { recursive: true, force: true });
  return names.length;
}
