// Cached standalone validators behave exactly like freshly compiled ones, and a broken cache file is replaced.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPipelineSchema } from './schema.ts';
import { getValidatorCacheDir, loadValidator } from './validator-cache.ts';
import { makeAjv } from './validators.ts';
import { tempDir } from '../../test/helpers/temp.ts';

const dir = tempDir('tunefile-validators-');
const saved = process.env.TUNEFILE_CACHE_DIR;
process.env.TUNEFILE_CACHE_DIR = dir;
afterAll(() => {
  if (saved === undefined) delete process.env.TUNEFILE_CACHE_DIR;
  else process.env.TUNEFILE_CACHE_DIR = saved;
});

const BAD = { version: 1, name: 'x', stages: { split: { with: { valid: 1.5, sed: 3 } }, load: { with: { path: 'a', format: 'tsvv' } } } };
const GOOD = { version: 1, name: 'x', stages: { split: { with: { valid: 0.2 } } } };

/** Runs a validator on a copy of `data`; returns its verdict, errors and the data with defaults filled in. */
function check(validate: ReturnType<typeof loadValidator>, data: object) {
  const copy = structuredClone(data);
  return { ok: validate(copy), errors: JSON.stringify(validate.errors ?? null), data: copy };
}

describe('loadValidator', () => {
  it('compiles once, then loads the saved code with the same errors and defaults', () => {
    const schema = buildPipelineSchema();
    const options = { test: 1 };
    const fresh = makeAjv().compile(schema);
    const first = loadValidator(schema, options, () => makeAjv(false, true));
    const files = readdirSync(getValidatorCacheDir());
    expect(files).toHaveLength(1);
    let compiled = 0;
    const second = loadValidator(schema, options, () => (compiled++, makeAjv(false, true)));
    expect(compiled).toBe(0);
    for (const data of [BAD, GOOD]) {
      expect(check(first, data)).toEqual(check(fresh, data));
      expect(check(second, data)).toEqual(check(fresh, data));
    }
    expect(check(second, BAD).ok).toBe(false);
    expect(check(second, GOOD).data).toMatchObject({ stages: { split: { with: { valid: 0.2, seed: 42 } } } });

    writeFileSync(join(getValidatorCacheDir(), files[0]!), 'this is not javascript {');
    const third = loadValidator(schema, options, () => (compiled++, makeAjv(false, true)));
    expect(compiled).toBe(1);
    expect(check(third, BAD)).toEqual(check(fresh, BAD));
    expect(loadValidator(schema, options, () => (compiled++, makeAjv(false, true)))).toBeTypeOf('function');
    expect(compiled).toBe(1);
  });
});
