// Guesses which source fields hold the prompt and the completion, and whether CSV quoting applies.
import { UsageError } from '../errors.ts';
import { readSourceRows } from '../data/source.ts';
import type { SourceFormat, SourceRow } from '../data/source.ts';

const PROMPT_NAMES = ['prompt', 'text', 'sentence', 'input', 'question', 'sms', 'message', 'content', 'query', 'utterance'];
const COMPLETION_NAMES = ['completion', 'label', 'category', 'class', 'intent', 'output', 'answer', 'target'];

export interface DetectedFields {
  prompt: string;
  completion: string;
  guessed: boolean;
  quote: boolean;
  /** Every field name seen. */
  names: string[];
}

/** Samples up to `sample` rows (and scans CSV/TSV quoting over the whole file) to pick the prompt and completion fields and the quoting mode. */
export async function detectFields(path: string, format: SourceFormat, given: { prompt?: string; completion?: string }, sample = 2000): Promise<DetectedFields> {
  let quote = true;
  let rows = await sampleRows(path, format, true, sample);
  if ((format === 'tsv' || format === 'csv') && rows.malformed > 0) {
    quote = false;
    rows = await sampleRows(path, format, false, sample);
  }
  const names = rows.names;
  if (names.includes('messages') && given.prompt === undefined) return { prompt: 'prompt', completion: 'completion', guessed: false, quote, names };
  if (given.prompt !== undefined && given.completion !== undefined) return { prompt: given.prompt, completion: given.completion, guessed: false, quote, names };
  const byName = (candidates: string[], exclude?: string) =>
    candidates.map((c) => names.find((n) => n.toLowerCase() === c && n !== exclude)).find((n) => n !== undefined);
  let prompt = given.prompt ?? byName(PROMPT_NAMES);
  let completion = given.completion ?? byName(COMPLETION_NAMES, prompt);
  if ((prompt === undefined || completion === undefined) && names.length === 2) {
    const [a, b] = names as [string, string];
    const distinct = (n: string) => new Set(rows.rows.map((r) => String(r.values?.[n] ?? ''))).size;
    [completion, prompt] = distinct(a) <= distinct(b) ? [a, b] : [b, a];
  }
  if (prompt === undefined || completion === undefined) {
    throw new UsageError(`${path}: cannot tell which fields hold the prompt and the completion (fields: ${names.join(', ')})`, {
      hint: 'pass --prompt FIELD and --completion FIELD',
    });
  }
  const guessed = !(prompt === 'prompt' && completion === 'completion') && (given.prompt === undefined || given.completion === undefined);
  return { prompt, completion, guessed, quote, names };
}

async function sampleRows(path: string, format: SourceFormat, quote: boolean, sample: number): Promise<{ rows: SourceRow[]; names: string[]; malformed: number }> {
  const rows: SourceRow[] = [];
  let names: string[] = [];
  const stats = { multiline: 0, malformed: 0 };
  for await (const batch of readSourceRows(path, { format, displayPath: path, quote, quoteStats: stats, onColumns: (n) => (names = n) })) {
    if (rows.length < sample) rows.push(...batch.slice(0, sample - rows.length));
    else if (!quote || (format !== 'csv' && format !== 'tsv')) break;
  }
  if (names.length === 0) {
    const keys = new Set<string>();
    for (const r of rows) for (const k of Object.keys(r.values ?? {})) keys.add(k);
    names = [...keys];
  }
  return { rows, names, malformed: stats.malformed };
}
