import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSchemaFiles } from '../../scripts/build-schemas.ts';
import { STAGES } from '../stages/registry.ts';
import { humanizeAjvErrors } from './ajv-messages.ts';
import { buildPipelineSchema } from './schema.ts';
import { checkPipelineSchema, makeAjv } from './validators.ts';

const ROOT = join(import.meta.dirname, '../..');

describe('published schemas', () => {
  it.each(Object.entries(renderSchemaFiles()))('%s is current', (path, generated) => {
    const committed = readFileSync(join(ROOT, path), 'utf8');
    if (committed !== generated) throw new Error(`${path} is out of date with the stage registry: run npm run schemas`);
  });
  it('compiles in ajv strict mode (catches typos in stage schemas)', () => {
    for (const schema of Object.values(renderSchemaFiles())) expect(() => makeAjv(true).compile(JSON.parse(schema))).not.toThrow();
  });
  it('has a with-schema for every registered stage type, chosen by uses or by id', () => {
    const schema = buildPipelineSchema() as { $defs: Record<string, any>; properties: { stages: { properties: object } } };
    for (const type of Object.keys(STAGES)) expect(schema.$defs[`with_${type}`]).toMatchObject({ type: 'object' });
    expect(schema.$defs.stage.properties.uses.enum).toEqual(Object.keys(STAGES));
    expect(Object.keys(schema.properties.stages.properties)).toEqual(Object.keys(STAGES));
  });
  it('fills defaults and checks `with` by the stage id when uses is absent', () => {
    const data = { stages: { command: { with: { run: ['x'] } } } } as any;
    expect(checkPipelineSchema(data)).toEqual([]);
    expect(data.model).toBe('babbage-002');
    expect(data.allow_outside).toBe(false);
    expect(data.stages.command.with.deps).toEqual([]);
    expect(checkPipelineSchema({ stages: { command: { with: {} } } }).map((d) => d.message)).toEqual(["missing required key 'run'"]);
  });
});

describe('ajv messages', () => {
  const validValue = {
    anyOf: [{ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, { type: 'integer', minimum: 1 }],
  };
  const schema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      valid: validValue,
      epochs: { anyOf: [{ const: 'auto' }, { type: 'integer', minimum: 1 }] },
      mode: { enum: ['first', 'last'] },
      provider: { anyOf: [{ enum: ['local', 'openai'] }, { type: 'object', additionalProperties: false, properties: { base_url: { type: 'string' } } }] },
      name: { type: 'string', minLength: 1 },
      source: { type: 'object', anyOf: [{ required: ['path'] }, { required: ['paths'] }] },
      one: { type: 'object', oneOf: [{ required: ['path'] }, { required: ['paths'] }] },
      stratify: { anyOf: [{ type: 'boolean' }, { const: 'auto' }] },
    },
  };
  const check = (data: Record<string, unknown>) => {
    const validate = makeAjv().compile(schema);
    validate(data);
    return humanizeAjvErrors(validate.errors ?? [], data).map((d) => `${d.path.join('.')}${d.at === 'key' ? ' (key)' : ''}: ${d.message}`);
  };
  it('says what an anyOf expected, once, instead of each branch', () => {
    expect(check({ valid: 1.5 })).toEqual(['valid: must be a number > 0 and < 1, or an integer >= 1 (got 1.5)']);
    expect(check({ epochs: 'auot' })).toEqual(['epochs: must be "auto" or an integer >= 1 (got "auot"); did you mean \'auto\'?']);
  });
  it("descends into the one object branch a value's type selects", () => {
    expect(check({ provider: { base_ulr: 'x' } })).toEqual(["provider.base_ulr (key): unknown key 'base_ulr'; did you mean 'base_url'?"]);
    expect(check({ provider: 'opneai' })).toEqual(['provider: must be "local", "openai" or an object (got "opneai"); did you mean \'openai\'?']);
  });
  it('says which keys are needed for required-only unions', () => {
    expect(check({ source: {}, one: { path: 'a', paths: ['b'] } })).toEqual([
      "source (key): must have 'path' or 'paths'",
      "one (key): must have only one of 'path' or 'paths'",
    ]);
  });
  it('explains YAML 1.1 booleans', () => {
    expect(check({ stratify: 'yes' })).toEqual(['stratify: must be true, false or "auto" (got "yes"); write true or false (YAML 1.2 reads yes as text)']);
  });
  it('handles enums, lengths and unknown keys', () => {
    expect(check({ mode: 'lats', name: '', zzz: 1 })).toEqual([
      "zzz (key): unknown key 'zzz' (allowed: valid, epochs, mode, provider, name, source, one, stratify)",
      'mode: must be "first" or "last" (got "lats"); did you mean \'last\'?',
      'name: must not be empty',
    ]);
  });
});
