// `load`: streams JSONL/JSON/CSV/TSV source files into a JSONL dataset of records.
import { resolve } from 'node:path';
import type { StageDef } from '../types.ts';

export interface LoadParams {
  path?: string;
  paths?: string[];
  format?: 'jsonl' | 'json' | 'csv' | 'tsv';
  header: boolean;
  columns?: string[];
  quote: boolean;
  delimiter?: string;
  encoding: 'utf8' | 'latin1' | 'replace';
  prompt: string | number;
  completion: string | number;
  messages?: string;
  keep_fields: string[];
  limit?: number;
  on_error: 'fail' | 'skip';
}

/** The source paths of a load stage, in order (`path` first, then `paths`). */
export function getSourcePaths(p: Partial<LoadParams>): string[] {
  return [...(p.path === undefined ? [] : [p.path]), ...(p.paths ?? [])];
}

export const load: StageDef<LoadParams> = {
  type: 'load',
  version: 1,
  description: 'Stream JSONL, JSON, CSV or TSV files into prompt/completion or chat records.',
  schema: {
    type: 'object',
    additionalProperties: false,
    anyOf: [{ required: ['path'] }, { required: ['paths'] }],
    properties: {
      path: { type: 'string', minLength: 1, description: 'Source file, relative to the pipeline file.' },
      paths: {
        type: 'array', minItems: 1, items: { type: 'string', minLength: 1 },
        description: 'Several source files of the same shape, concatenated in order (after `path`, if given).',
      },
      format: {
        enum: ['jsonl', 'json', 'csv', 'tsv'],
        description: 'Source format. Default: from the extension (.jsonl/.ndjson, .json, .csv, .tsv/.tab).',
      },
      header: { type: 'boolean', default: true, description: 'CSV/TSV: the first row names the columns.' },
      columns: {
        type: 'array', minItems: 1, items: { type: 'string' },
        description: 'CSV/TSV column names: name the columns of a file without header, or replace the header names. Without a header and without columns, columns are named "1", "2", ...',
      },
      quote: {
        type: 'boolean', default: true,
        description: 'CSV/TSV: honour " quoting (quoted delimiters and newlines). Set false for TSV files whose texts contain bare ".',
      },
      delimiter: { type: 'string', minLength: 1, description: 'Field delimiter. Default: "," for csv, a tab for tsv.' },
      encoding: {
        enum: ['utf8', 'latin1', 'replace'], default: 'utf8',
        description: 'utf8 fails on invalid bytes naming the line; latin1 decodes bytes as Latin-1; replace substitutes U+FFFD.',
      },
      prompt: { type: ['string', 'integer'], default: 'prompt', description: 'Source field (or column) holding the prompt.' },
      completion: { type: ['string', 'integer'], default: 'completion', description: 'Source field (or column) holding the completion (the label).' },
      messages: {
        type: 'string',
        description: 'Source field holding chat messages. Default: a JSON row with a `messages` list and no prompt field is read as chat.',
      },
      keep_fields: {
        type: 'array', items: { type: 'string' }, default: [],
        description: 'Extra source fields copied into each record (e.g. for split `group_by`).',
      },
      limit: { type: 'integer', minimum: 1, description: 'Stop after this many records.' },
      on_error: {
        enum: ['fail', 'skip'], default: 'fail',
        description: 'fail: stop at the first bad row with path:line: reason. skip: write bad rows to the `rejects` artifact and count them.',
      },
    },
  },
  inputs: () => [],
  outputs: (p) => (p.on_error === 'skip' ? ['dataset', 'report', 'rejects'] : ['dataset', 'report']),
  workspaceFiles: (p, dir) => getSourcePaths(p).map((f) => resolve(dir, f)),
  checkFiles: async (p, dir) => (await import('./check-files.ts')).checkLoadFiles(p, dir),
  rows: 'source',
  impl: () => import('./run.ts'),
};
