// `command`: run an external program (execa, argument array, no shell) as a stage.
import { resolve } from 'node:path';
import type { StageDef } from '../types.ts';

export interface CommandParams {
  /** Program and arguments. `{in.NAME}` and `{out.NAME}` are replaced by file paths. */
  run: string[];
  /** Output artifact names the program must write. */
  outputs: string[];
  /** Input artifact names consumed (wired like any other input). */
  consumes: string[];
  /** Workspace files whose content enters the key, relative to the pipeline file. */
  deps: string[];
  /** Extra environment variables for the program. Values from `${env.NAME}` enter the key as a salted hash. */
  env: Record<string, string>;
}

export const command: StageDef<CommandParams> = {
  type: 'command',
  version: 1,
  description: 'Run an external program with named input and output files.',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['run'],
    properties: {
      run: {
        type: 'array', minItems: 1, items: { type: 'string' },
        description: 'Program and arguments, no shell. {in.NAME} and {out.NAME} become file paths.',
      },
      outputs: {
        type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' }, uniqueItems: true, default: [],
        description: 'Artifact names the program must write.',
      },
      consumes: {
        type: 'array', items: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$' }, uniqueItems: true, default: [],
        description: 'Artifact names read from upstream stages (also inferred from {in.NAME} in run).',
      },
      deps: {
        type: 'array', items: { type: 'string' }, default: [],
        description: 'Workspace files that enter the cache key, relative to the pipeline file.',
      },
      env: {
        type: 'object', additionalProperties: { type: 'string' }, default: {},
        description: 'Environment variables for the program, added to tunefile\'s own. Values enter the key; a value taken from ${env.NAME} enters it as a salted hash, never as plain text.',
      },
    },
  },
  inputs: (p) => {
    const names = new Set(p.consumes ?? []);
    for (const arg of p.run ?? []) for (const m of arg.matchAll(/\{in\.([A-Za-z0-9_-]+)\}/g)) names.add(m[1]!);
    return [...names];
  },
  outputs: (p) => {
    const names = new Set(p.outputs ?? []);
    for (const arg of p.run ?? []) for (const m of arg.matchAll(/\{out\.([A-Za-z0-9_-]+)\}/g)) names.add(m[1]!);
    return [...names];
  },
  workspaceFiles: (p, dir) => (p.deps ?? []).map((d) => resolve(dir, d)),
  // The program gets copies of its inputs, so `sed -i {in.x}` cannot rewrite the cache.
  privateInputs: true,
  impl: () => import('./run.ts'),
};
