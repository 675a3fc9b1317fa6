// Runs `load`, the source of a pass (src/stages/pass.ts): resolves the sources and formats, then streams them through
// load.ts (in a thread for large sources), each record written going on to `next` as a row.
import { isAbsolute, relative, resolve } from 'node:path';
import { DataError } from '../../errors.ts';
import { loadFilesThreaded } from './load-thread.ts';
import type { LoadReport, LoadSource } from './load.ts';
import { writeJson } from '../../data/jsonl.ts';
import { detectFormat } from '../../data/source.ts';
import type { RowStage, StageContext, StageResult } from '../types.ts';
import { getSourcePaths } from './index.ts';
import type { LoadParams } from './index.ts';

export function open(ctx: StageContext<LoadParams>, next?: RowStage): RowStage {
  return {
    push: () => {
      throw new Error('load is the source of a pass: it has no dataset input');
    },
    end: () => load(ctx, next),
  };
}

async function load(ctx: StageContext<LoadParams>, next: RowStage | undefined): Promise<StageResult> {
  const p = ctx.params;
  const sources = getSourcePaths(p).map((given) => resolveSource(given, p.format, ctx));
  const skip = p.on_error === 'skip';
  const report = await loadFilesThreaded(
    {
      sources, header: p.header, columns: p.columns, quote: p.quote, delimiter: p.delimiter, encoding: p.encoding,
      limit: p.limit, on_error: p.on_error, prompt: String(p.prompt), completion: String(p.completion),
      messages: p.messages, keep_fields: p.keep_fields,
    },
    { dataset: ctx.output('dataset'), rejects: skip ? ctx.output('rejects') : undefined },
    (n) => ctx.progress(`${n.toLocaleString('en-US')} rows`),
    next,
    ctx.signal,
  );
  await writeJson(ctx.output('report'), report);
  for (const w of describeFindings(report)) ctx.warn(w);
  const rows: Record<string, number> = { dataset: report.records };
  if (skip) rows.rejects = report.rejected;
  const from = sources.length === 1 ? sources[0]!.display : `${sources.length} files`;
  return {
    rows,
    summary: `${report.records.toLocaleString('en-US')} records from ${from}${skip ? `, ${report.rejected} rejected` : ''}`,
    lock: skip ? { rejected: report.rejected } : undefined,
  };
}

/** Absolute path, display path (project-relative) and format of one source. */
function resolveSource(given: string, format: LoadParams['format'], ctx: StageContext<LoadParams>): LoadSource {
  const path = resolve(ctx.pipelineDir, given);
  const rel = relative(ctx.projectRoot, path);
  const display = rel.startsWith('..') || isAbsolute(rel) ? given : rel;
  const fmt = format ?? detectFormat(path);
  if (!fmt) {
    throw new DataError(`${display}: cannot tell the format from the extension`, { hint: 'set `format: jsonl | json | csv | tsv`' });
  }
  return { path, display, format: fmt };
}

/** Warnings the user should see: coerced labels, rejects, empty prompts. */
export function describeFindings(report: LoadReport): string[] {
  const out: string[] = [];
  for (const [role, kinds] of Object.entries(report.coerced)) {
    const parts = Object.entries(kinds).map(([kind, n]) => `${n.toLocaleString('en-US')} ${kind}`);
    out.push(`${role}: ${parts.join(', ')} value(s) were converted to strings`);
  }
  if (report.rejected > 0) {
    const first = report.first_rejects[0]!;
    out.push(`${report.rejected} row(s) rejected (see the rejects artifact); first: ${first.file}:${first.row}: ${first.reason}`);
  }
  for (const f of report.files) {
    const q = f.quoting;
    if (q && q.malformed > 0) {
      out.push(`${f.path}: ${q.malformed} row(s) have text after a closing quote (first at line ${q.firstMalformedLine})${q.multiline ? ` and ${q.multiline} quoted field(s) span lines` : ''}; if the texts contain bare ", set \`quote: false\``);
    }
  }
  if (report.empty_prompts > 0) out.push(`${report.empty_prompts} record(s) have an empty prompt`);
  return out;
}
