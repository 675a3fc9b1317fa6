// The lock files gc keeps things for: every tunefile lock under the project root, and a refusal when one cannot be read.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TunefileError } from '../errors.ts';
import { readLockFile, type LockFile } from './lockfile.ts';

const SKIP = new Set(['node_modules', '.git', '.tunefile', 'dist']);

/** A lock file found under the project, with its parsed content. */
export interface FoundLock {
  path: string;
  lock: LockFile;
}

/**
 * Every tunefile `*.lock` file under the project root, parsed.
 * Package managers also write `.lock` files (yarn.lock, Cargo.lock, flake.lock): a file is tunefile's when a pipeline
 * file with its name sits beside it (`pipeline.yaml` for `pipeline.lock`) or its text has a `"stages"` key.
 * @throws TunefileError TUNEFILE_INVALID_PIPELINE when one of tunefile's lock files does not parse (a merge conflict):
 *   gc keeps only what lock files reference, so an unreadable one would make it delete what that lock still needs.
 */
export function findLockFiles(root: string): FoundLock[] {
  const found: FoundLock[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !SKIP.has(entry.name)) walk(path, depth + 1);
      else if (entry.isFile() && entry.name.endsWith('.lock')) {
        const lock = readIfOurs(path);
        if (lock) found.push({ path, lock });
      }
    }
  };
  walk(root, 0);
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** The parsed lock when `path` is one of tunefile's lock files; undefined for other tools' `.lock` files. */
function readIfOurs(path: string): LockFile | undefined {
  const text = readFileSync(path, 'utf8');
  const stem = path.slice(0, -'.lock'.length);
  const ours = existsSync(`${stem}.yaml`) || existsSync(`${stem}.yml`) || /"stages"\s*:/.test(text);
  try {
    const lock = readLockFile(path);
    return lock?.version ? lock : undefined;
  } catch (error) {
    if (!ours) return undefined; // another tool's lock file that is not JSON (yarn.lock, Cargo.lock)
    const conflict = /^(<{7}|={7}|>{7})( |$)/m.test(text);
    throw new TunefileError(
      'TUNEFILE_INVALID_PIPELINE',
      `${path}: ${conflict ? 'the lock file has unresolved merge conflict markers (<<<<<<<)' : 'the lock file does not parse'}; gc deleted nothing`,
      {
        cause: error,
        hint: 'gc keeps only what lock files reference: resolve the conflict (or restore the file from git), then run gc again',
      },
    );
  }
}
