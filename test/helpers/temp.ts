// Temporary folders for tests: removed when every test of the file passed, kept and printed when one failed.
// test/setup.ts registers the cleanup; tempDir() only records what it makes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

/** Folders made by tempDir() in this test file (vitest runs each file in its own module graph). */
export const madeTempDirs: { dir: string; test: string | undefined }[] = [];

/** Makes a fresh folder under the OS temp folder, named `prefix` plus a random part; test/setup.ts cleans it up. */
export function tempDir(prefix = 'tunefile-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  madeTempDirs.push({ dir, test: currentTestName() });
  return dir;
}

/** The running test's name; undefined in a describe body or a beforeAll (and unreliable between concurrent tests). */
function currentTestName(): string | undefined {
  return expect.getState().currentTestName;
}
