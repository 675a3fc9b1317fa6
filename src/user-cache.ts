// The user's tunefile cache folder, for things derived from tunefile's own code (never from a project's data).
import { homedir } from 'node:os';
import { join } from 'node:path';

/** $TUNEFILE_CACHE_DIR, else $XDG_CACHE_HOME/tunefile, else ~/.cache/tunefile. */
export function userCacheDir(): string {
  return process.env.TUNEFILE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tunefile');
}
