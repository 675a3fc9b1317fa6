// The ajv validators for pipeline and config files, compiled once per process on first use. A run with nothing to do
// never gets here: the loaded-pipeline cache (engine/pipeline-cache.ts) hands it the validated pipeline.
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { Diagnostic } from './diagnostics.ts';
import { humanizeAjvErrors } from './ajv-messages.ts';
import { buildConfigSchema, buildPipelineSchema } from './schema.ts';

let pipelineValidator: ValidateFunction | undefined;
let configValidator: ValidateFunction | undefined;

/**
 * A new ajv instance with tunefile's options: every error, defaults filled in, error data kept.
 * `strict` turns on the checks that catch mistakes in stage schemas (unknown keywords, bad
 * numbers, tuples), not the stylistic ones (strictTypes, strictRequired).
 */
export function makeAjv(strict: boolean = false): Ajv2020 {
  const checks = strict ? { strictSchema: true, strictNumbers: true, strictTuples: true, strictTypes: false, strictRequired: false } : { strict: false };
  return new Ajv2020({ allErrors: true, useDefaults: true, verbose: true, ...checks });
}

/** Validates (and fills defaults into) pipeline data; returns human diagnostics. */
export function checkPipelineSchema(data: unknown): Diagnostic[] {
  pipelineValidator ??= makeAjv().compile(buildPipelineSchema());
  return pipelineValidator(data) ? [] : humanizeAjvErrors(pipelineValidator.errors ?? [], data);
}

/** Validates (and fills defaults into) config data; returns human diagnostics. */
export function checkConfigSchema(data: unknown): Diagnostic[] {
  configValidator ??= makeAjv().compile(buildConfigSchema());
  return configValidator(data) ? [] : humanizeAjvErrors(configValidator.errors ?? [], data);
}
