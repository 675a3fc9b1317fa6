// Golden files: a test compares what it renders with a checked-in file; UPDATE_GOLDEN=1 rewrites the file instead.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** Compares `text` with the golden `name` in `dir`, or rewrites the golden under UPDATE_GOLDEN=1. */
export function expectGolden(dir: string, name: string, text: string): void {
  const path = join(dir, name);
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, text);
  expect(text, `${path} is stale: run the test with UPDATE_GOLDEN=1 to rewrite it`).toBe(readFileSync(path, 'utf8'));
}
