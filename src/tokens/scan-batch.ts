// One batch of JSONL lines scanned for tokencheck (parse, count, per-label and per-error tallies), and its merge.
import type { Tiktoken } from 'js-tiktoken/lite';
import { DataError } from '../errors.ts';
import { describeRow, getCompletionText, isChat } from '../data/records.ts';
import type { DataRecord } from '../data/records.ts';
import { findChatFormatErrors } from './chat-format.ts';
import { countExampleTokens } from './count.ts';

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

/** Parses and scans `lines` (line `first` + i of `path`; blank lines skipped). Throws DataError on invalid JSON. */
export function scanBatch(lines: string[], first: number, path: string, enc: Tiktoken, cache: Map<string, number[]>, limit: number): BatchScan {
  const records: DataRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    if (text === '') continue;
    try {
      records.push(JSON.parse(text) as DataRecord);
    } catch (error) {
      throw new DataError(`${path}:${first + i}: invalid JSON (${(error as Error).message})`);
    }
  }
  const counted = countExampleTokens(records, enc, cache);
  const scan: BatchScan = { total: new Int32Array(records.length), roles: {}, chat: 0, labels: [], overLimit: [], formatErrors: {} };
  const labels = new Map<string, BatchScan['labels'][number]>();
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const c = counted[i]!;
    scan.total[i] = c.total;
    for (const role in c.roles) scan.roles[role] = (scan.roles[role] ?? 0) + c.roles[role]!;
    if (c.total > limit) scan.overLimit.push({ row: describeRow(record), tokens: c.total });
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
      const entry = { label: completion, count: 1, firstToken: c.firstToken, firstText: c.firstToken < 0 ? '' : enc.decode([c.firstToken]), row: describeRow(record) };
      labels.set(completion, entry);
      scan.labels.push(entry);
    }
  }
  return scan;
}
