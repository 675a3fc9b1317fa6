// One batch of JSONL lines scanned for countTokens (in this thread or a worker): parse, count, per-label and per-error tallies.
import { DataError } from '../errors.ts';
import { describeRow, getCompletionText, isChat } from '../data/records.ts';
import type { DataRecord } from '../data/records.ts';
import { findChatFormatErrors } from './chat-format.ts';
import { countExample } from './count.ts';
import type { Conversion } from './format.ts';
import { forEachLine } from '../data/line-chunks.ts';
import type { LineChunk } from '../data/line-chunks.ts';
import type { TokenCounter } from './text-counter.ts';

/** What one batch contributes; plain data, so it crosses threads cheaply. */
export interface BatchScan {
  /** Tokens per example, in input order. */
  total: Int32Array;
  roles: Record<string, number>;
  chat: number;
  /** Completions in order of first occurrence in the batch, with their count, first token and first row. */
  labels: { label: string; count: number; firstToken: number; firstText: string; row: string }[];
  overLimit: { row: string; tokens: number }[];
  formatErrors: Record<string, { count: number; rows: string[] }>;
}

/**
 * Parses and scans a chunk of JSONL lines of `path` (blank lines skipped), counting each record as the line `conv`
 * makes of it (what upload writes). Throws DataError on invalid JSON or UTF-8.
 */
export function scanBatch(chunk: LineChunk, path: string, counter: TokenCounter, limit: number, conv: Conversion): BatchScan {
  let total = new Int32Array(1 << 12);
  let n = 0;
  const scan: BatchScan = { total, roles: {}, chat: 0, labels: [], overLimit: [], formatErrors: {} };
  const labels = new Map<string, BatchScan['labels'][number]>();
  const first = { token: -1 };
  // Line by line, so that only the record being counted is alive (not the whole chunk's lines and records).
  forEachLine(chunk, path, (text, line) => {
    if (text === '') return;
    let record: DataRecord;
    try {
      record = JSON.parse(text) as DataRecord;
    } catch (error) {
      throw new DataError(`${path}:${line}: invalid JSON (${(error as Error).message})`);
    }
    const tokens = countExample(record, conv, counter, scan.roles, first);
    if (n === total.length) {
      const grown = new Int32Array(total.length * 2);
      grown.set(total);
      total = grown;
    }
    total[n++] = tokens;
    if (tokens > limit) scan.overLimit.push({ row: describeRow(record), tokens });
    if (isChat(record)) {
      scan.chat += 1;
      for (const e of findChatFormatErrors(record)) {
        const entry = (scan.formatErrors[e] ??= { count: 0, rows: [] });
        entry.count += 1;
        if (entry.rows.length < 10) entry.rows.push(describeRow(record));
      }
    }
    const completion = getCompletionText(record);
    const label = labels.get(completion);
    if (label) label.count += 1;
    else {
      const entry = { label: completion, count: 1, firstToken: first.token, firstText: counter.tokenText(first.token), row: describeRow(record) };
      labels.set(completion, entry);
      scan.labels.push(entry);
    }
  });
  scan.total = total.slice(0, n);
  return scan;
}
