// The user's tunefile cache folder, for things derived from tunefile's own code (never from a project's data).
import { homedir } from 'node:os';
import { join } from 'node:path';

/** $TUNEFILE_CACHE_DIR, else $XDG_CACHE_HOME/tunefile, else ~/.cache/tunefile, read from `env`. */
export function userCacheDir(env: Record<string, string | undefined>): string {
  return env.TUNEFILE_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'tunefile');
}
