// A whole copy of a project folder, for tests that share one expensive run: each test that runs the CLI again (or
// deletes files) works on its own copy, and the shared project stays exactly as the run left it.
import { cpSync } from 'node:fs';
import { tempDir } from './temp.ts';

/**
 * Copies `dir` with everything in it: .tunefile/ (state.db, the cache, the local provider's files and jobs), lock
 * files and reports. Unlike cloneProject() (a fresh clone), a run in the copy finds what the runs in `dir` did.
 * No run or local server may be active in `dir` while it is copied.
 */
export function copyProject(dir: string, prefix = 'tunefile-copy-'): string {
  const copy = tempDir(prefix);
  cpSync(dir, copy, { recursive: true });
  return copy;
}
