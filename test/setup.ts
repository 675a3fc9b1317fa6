// Runs before every test file (vitest setupFiles). Removes the file's temporary folders when all its tests passed;
// when one failed, keeps them and prints their paths, so the failing project can be inspected.
import { rmSync } from 'node:fs';
import { afterAll } from 'vitest';
import { madeTempDirs } from './helpers/temp.ts';

interface TaskLike {
  name: string;
  result?: { state?: string; errors?: unknown[] };
  tasks?: TaskLike[];
}

function failedIn(task: TaskLike): string[] {
  const own = task.result?.state === 'fail' || (task.result?.errors?.length ?? 0) > 0 ? [task.name] : [];
  return [...own, ...(task.tasks ?? []).flatMap(failedIn)];
}

// Registered first, so it runs after the file's own afterAll hooks (servers stopped, children reaped).
afterAll(({}, suite) => {
  const made = madeTempDirs.splice(0);
  const failed = failedIn(suite as unknown as TaskLike);
  if (failed.length === 0) {
    for (const { dir } of made) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    return;
  }
  if (made.length === 0) return;
  const lines = made.map(({ dir, test }) => `  ${dir}${test ? `  (${test})` : ''}`);
  process.stderr.write(`kept ${made.length} temporary folder(s) of a failing test file (${failed.join('; ')}):\n${lines.join('\n')}\n`);
});
