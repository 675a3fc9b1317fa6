// Loads one or more source files into a JSONL dataset (and rejects), streaming: the load stage's algorithm.
import { DataError } from '../../errors.ts';
import { checkColumns } from './columns.ts';
import { JsonlWriter } from '../../data/jsonl.ts';
import { mapRow } from './mapping.ts';
import type { Coercions, FieldMapping, MappedRow } from './mapping.ts';
import { readSourceRows } from '../../data/source.ts';
import type { SourceFormat } from '../../data/source.ts';
import type { TextEncoding } from '../../data/text-lines.ts';
import type { QuoteStats } from '../../data/csv.ts';
import type { DataRecord } from '../../data/records.ts';
import type { WrittenLine } from '../../data/encoded-rows.ts';

export interface LoadSource {
  /** Absolute path. */
  path: string;
  /** Path used in messages and in `_file` (relative, so artifacts stay portable). */
  display: string;
  format: SourceFormat;
}

export interface LoadOptions extends FieldMapping {
  sources: LoadSource[];
  header: boolean;
  columns?: string[];
  quote: boolean;
  delimiter?: string;
  encoding: TextEncoding;
  limit?: number;
  on_error: 'fail' | 'skip';
}

/** One rejected row, as written to the `rejects` artifact. */
export interface Reject {
  file: string;
  row: number;
  reason: string;
  raw: string;
}

/** The `load` report artifact. */
export interface LoadReport {
  records: number;
  rejected: number;
  /** Rows per source file. */
  files: {
    path: string; format: SourceFormat; records: number; rejected: number; columns?: string[];
    /** CSV/TSV with quoting on: rows spanning lines and fields with text after a closing quote. */
    quoting?: QuoteStats;
  }[];
  /** Values turned into strings, by role and type, e.g. `{completion: {integer: 5574}}`. */
  coerced: Coercions;
  /** Source fields that were not used (legacy "extra columns"). */
  extra_fields: string[];
  empty_prompts: number;
  chat: number;
  /** The first rejects (at most 20) for messages. */
  first_rejects: Reject[];
  limited: boolean;
}

export interface LoadOutputs {
  dataset: string;
  rejects?: string;
}

/**
 * Where loadFiles sends each record it writes, with its line (JSON.stringify(record)) and the writer that has just
 * written it (the load thread copies the line's bytes from there).
 */
export interface LoadedRecords {
  push(record: DataRecord, line: string, written: WrittenLine): Promise<void> | void;
}

/** Streams the sources into `outputs.dataset` (and each record, as written, into `next`); throws `path:line: reason` on the first bad row unless on_error is skip. */
export async function loadFiles(options: LoadOptions, outputs: LoadOutputs, progress?: (n: number) => void, next?: LoadedRecords): Promise<LoadReport> {
  const dataset = new JsonlWriter(outputs.dataset);
  const rejects = outputs.rejects ? new JsonlWriter(outputs.rejects) : undefined;
  const report: LoadReport = {
    records: 0, rejected: 0, files: [], coerced: {}, extra_fields: [], empty_prompts: 0, chat: 0, first_rejects: [], limited: false,
  };
  const used = new Set([options.prompt, options.completion, options.messages ?? 'messages', ...options.keep_fields]);
  const extra = new Set<string>();
  const several = options.sources.length > 1;
  let lastProgress = 0;
  try {
    outer: for (const source of options.sources) {
      const file: LoadReport['files'][number] = { path: source.display, format: source.format, records: 0, rejected: 0 };
      report.files.push(file);
      const quoting: QuoteStats = { multiline: 0, malformed: 0 };
      if (options.quote && (source.format === 'csv' || source.format === 'tsv')) file.quoting = quoting;
      const rows = readSourceRows(source.path, {
        format: source.format, displayPath: source.display, encoding: options.encoding, header: options.header,
        columns: options.columns, quote: options.quote, delimiter: options.delimiter, quoteStats: quoting,
        onColumns: (names, line, fromHeader) => {
          checkColumns(names, options, { display: source.display, line, fromHeader });
          file.columns = names;
          for (const n of names) if (!used.has(n)) extra.add(n);
        },
      });
      for await (const batch of rows) {
        for (const row of batch) {
          if (options.limit !== undefined && report.records >= options.limit) {
            report.limited = true;
            break outer;
          }
          const mapped: MappedRow = row.values ? mapRow(row.values, options, report.coerced) : { reason: row.error ?? 'unreadable row' };
          if ('reason' in mapped) {
            if (options.on_error === 'fail' || !rejects) {
              // A field missing from the file's first row is most likely a misspelt option, not a bad row.
              const misnamed = mapped.option !== undefined && file.records === 0 && file.rejected === 0;
              throw new DataError(`${source.display}:${row.line}: ${mapped.reason}${mapped.detail ?? ''}`, {
                hint: misnamed
                  ? `check \`${mapped.option}:\` in the load stage: it names the field that holds the ${mapped.option}; if only some rows lack it, fix them or set \`on_error: skip\``
                  : 'fix the row, or set `on_error: skip` to write bad rows to the `rejects` artifact',
              });
            }
            const reject: Reject = { file: source.display, row: row.line, reason: mapped.reason, raw: row.raw };
            await rejects.write(reject);
            if (report.first_rejects.length < 20) report.first_rejects.push(reject);
            report.rejected += 1;
            file.rejected += 1;
            continue;
          }
          if (row.values && file.format !== 'csv' && file.format !== 'tsv') {
            for (const k of Object.keys(row.values)) if (!used.has(k)) extra.add(k);
          }
          const record = mapped.record;
          if (record.messages) report.chat += 1;
          else if (record.prompt === '') report.empty_prompts += 1;
          record._row = row.line;
          if (several) record._file = source.display;
          const line = JSON.stringify(record);
          await dataset.writeLine(line);
          if (next) await next.push(record, line, dataset);
          report.records += 1;
          file.records += 1;
        }
        if (progress && report.records - lastProgress >= 10_000) {
          lastProgress = report.records;
          progress(report.records);
        }
      }
    }
  } finally {
    await dataset.close();
    await rejects?.close();
  }
  report.extra_fields = [...extra].sort();
  if (report.records === 0) {
    const where = options.sources.map((s) => s.display).join(', ');
    throw new DataError(`${where}: no records were loaded${report.rejected ? ` (${report.rejected} rows rejected)` : ''}`, {
      hint: report.first_rejects[0] ? `first reject: ${report.first_rejects[0].file}:${report.first_rejects[0].row}: ${report.first_rejects[0].reason}` : undefined,
    });
  }
  return report;
}
