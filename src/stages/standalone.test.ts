// One stage outside a pipeline through the programmatic API: the params' defaults applied, the outputs left in `out`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { getStageDef, runStandalone } from '../index.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const dupes = resolve(import.meta.dirname, '../../test/fixtures/data/dupes.jsonl');

describe('runStandalone', () => {
  it('runs dedupe on a file with the schema defaults and leaves its outputs in the folder given', async () => {
    const out = tempDir('tf-standalone-');
    const run = await runStandalone(getStageDef('dedupe')!, { dir: out, out, inputs: { dataset: { hash: '', bytes: 0, path: dupes } } });
    expect(run.params).toEqual({ on: 'prompt', keep: 'first', normalize: 'none', conflicts: 'keep-first' });
    const kept = readFileSync(run.output('dataset'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)._row);
    expect(kept).toEqual([1, 2, 3, 6]);
    expect(run.result).toMatchObject({ rows: { dataset: 4 }, lock: { removed: 3 } });
    expect(run.warnings[0]).toMatch(/1 prompt\(s\) have conflicting completions/);
  });

  it('refuses params the schema does not allow, naming the stage type', async () => {
    const out = tempDir('tf-standalone-');
    await expect(runStandalone(getStageDef('dedupe')!, { dir: out, out, params: { keep: 'middle' } })).rejects.toThrow("invalid params for dedupe: with/keep must be equal to one of the allowed values");
  });
});
