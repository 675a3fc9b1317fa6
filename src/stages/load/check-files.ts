// `validate` for load: each source's format is known and the fields named by prompt/completion/messages are in it.
import { resolve } from 'node:path';
import { TunefileError } from '../../errors.ts';
import { describeMissingField, findMissingField, readSourceFields } from './columns.ts';
import { detectFormat } from '../../data/source.ts';
import type { FieldMapping } from './mapping.ts';
import { getSourcePaths } from './index.ts';
import type { LoadParams } from './index.ts';

type Problem = { path: (string | number)[]; message: string };

/**
 * Reads the start of every source (CSV/TSV: the header; JSONL/JSON: the first record) and checks the fields the
 * params name. A JSON file's first record stands for the file: later rows may differ, which load reports per row.
 * keep_fields are checked against CSV/TSV headers only, for the same reason.
 */
export async function checkLoadFiles(p: LoadParams, pipelineDir: string): Promise<Problem[]> {
  const problems: Problem[] = [];
  const mapping: FieldMapping = { prompt: String(p.prompt), completion: String(p.completion), messages: p.messages, keep_fields: p.keep_fields };
  const given = getSourcePaths(p);
  for (let i = 0; i < given.length; i++) {
    const display = given[i]!;
    const at = p.path === undefined ? ['paths', i] : i === 0 ? ['path'] : ['paths', i - 1];
    const abs = resolve(pipelineDir, display);
    const format = p.format ?? detectFormat(abs);
    if (!format) {
      problems.push({ path: at, message: `cannot tell the format of ${display} from its extension; set \`format: jsonl | json | csv | tsv\`` });
      continue;
    }
    let fields;
    try {
      fields = await readSourceFields(abs, { format, displayPath: display, encoding: p.encoding, header: p.header, columns: p.columns, quote: p.quote, delimiter: p.delimiter });
    } catch (error) {
      // The start of the file cannot be read (invalid UTF-8, a NUL byte, a duplicate column, EACCES): load would fail alike.
      const code = (error as NodeJS.ErrnoException).code;
      if (!(error instanceof TunefileError) && code === undefined) throw error;
      problems.push({ path: at, message: error instanceof TunefileError ? error.message : `cannot read ${display} (${code}: ${(error as Error).message})` });
      continue;
    }
    if (!fields) continue;
    const tabular = format === 'csv' || format === 'tsv';
    const missing = findMissingField(fields.names, mapping, tabular);
    if (!missing) continue;
    const where = fields.where === 'first record' ? `first record, line ${fields.line}` : fields.where;
    const option = missing.option === 'keep_fields' ? ['keep_fields', p.keep_fields.indexOf(missing.field)] : [missing.option];
    problems.push({ path: option, message: `${display}: ${describeMissingField(missing, tabular ? 'column' : 'field', fields.names, where)}` });
  }
  return problems;
}
