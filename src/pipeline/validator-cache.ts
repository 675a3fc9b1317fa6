// Compiled ajv validators kept as standalone code in the user's cache folder, so a no-op run skips the compile (~150 ms).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { userCacheDir } from '../user-cache.ts';
import type { ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

/** Where validators are cached: `validators` in the user's tunefile cache folder. */
export function getValidatorCacheDir(): string {
  return join(userCacheDir(), 'validators');
}

/** The cache file name for a schema under ajv options: sha256 of both and of ajv's version. */
function cacheKey(schema: object, options: object): string {
  const { version } = require('ajv/package.json') as { version: string };
  return createHash('sha256').update(JSON.stringify({ version, options, schema })).digest('hex');
}

/** Runs standalone validator code with tunefile's own `require` (for ajv's runtime helpers). */
function instantiate(code: string): ValidateFunction {
  const module = { exports: {} as { default?: ValidateFunction } };
  new Function('require', 'module', 'exports', code)(require, module, module.exports);
  return module.exports.default ?? (module.exports as unknown as ValidateFunction);
}

/**
 * A validator for `schema`: loaded from the cache when present, else compiled by `makeAjv({ code: { source: true } })`
 * and saved (atomically; any file error only means no caching).
 */
export function loadValidator(schema: object, options: object, makeAjv: () => Ajv2020): ValidateFunction {
  const dir = getValidatorCacheDir();
  const file = join(dir, `${cacheKey(schema, options)}.cjs`);
  try {
    return instantiate(readFileSync(file, 'utf8'));
  } catch {
    // not cached yet, or unreadable: compile below
  }
  const ajv = makeAjv();
  const validate = ajv.compile(schema);
  try {
    const mod = require('ajv/dist/standalone/index.js') as { default?: unknown };
    const generate = (mod.default ?? mod) as (a: Ajv2020, v: ValidateFunction) => string;
    const code = generate(ajv, validate);
    mkdirSync(dir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, code);
    renameSync(temp, file);
  } catch {
    // a read-only home or a schema standalone code cannot express: the compiled validator still works
  }
  return validate;
}
