// The ajv validators for pipeline and config files, compiled once on first use.
import { createRequire } from 'node:module';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { Diagnostic } from './diagnostics.ts';
import { humanizeAjvErrors } from './ajv-messages.ts';
import { buildConfigSchema, buildPipelineSchema } from './schema.ts';
import { loadValidator } from './validator-cache.ts';

const require = createRequire(import.meta.url);

let pipelineValidator: ValidateFunction | undefined;
let configValidator: ValidateFunction | undefined;

/**
 * A new ajv instance with tunefile's options: every error, defaults filled in, error data kept.
 * `strict` turns on the checks that catch mistakes in stage schemas (unknown keywords, bad
 * numbers, tuples), not the stylistic ones (strictTypes, strictRequired).
 */
export function makeAjv(strict: boolean = false, source: boolean = false): Ajv2020 {
  const checks = strict ? { strictSchema: true, strictNumbers: true, strictTuples: true, strictTypes: false, strictRequired: false } : { strict: false };
  // Required here, not imported: a run whose validators are cached (validator-cache.ts) never loads ajv's compiler (~25 ms).
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  return new Ajv({ allErrors: true, useDefaults: true, verbose: true, ...checks, ...(source ? { code: { source: true } } : {}) });
}

/** The options of the validators below, part of their cache key. */
const VALIDATOR_OPTIONS = { allErrors: true, useDefaults: true, verbose: true, strict: false };

/** Validates (and fills defaults into) pipeline data; returns human diagnostics. */
export function checkPipelineSchema(data: unknown): Diagnostic[] {
  pipelineValidator ??= loadValidator(buildPipelineSchema(), VALIDATOR_OPTIONS, () => makeAjv(false, true));
  return pipelineValidator(data) ? [] : humanizeAjvErrors(pipelineValidator.errors ?? [], data);
}

/** Validates (and fills defaults into) config data; returns human diagnostics. */
export function checkConfigSchema(data: unknown): Diagnostic[] {
  configValidator ??= loadValidator(buildConfigSchema(), VALIDATOR_OPTIONS, () => makeAjv(false, true));
  return configValidator(data) ? [] : humanizeAjvErrors(configValidator.errors ?? [], data);
}
