// Streams the elements of a top-level JSON array (`[ {...}, {...} ]`) without holding the file in memory.
import { DataError } from '../errors.ts';
import type { LineBatch } from './text-lines.ts';

/** One element's JSON text and the 1-based line where it starts. */
export interface JsonElement {
  text: string;
  line: number;
}

/** Splits a JSON array into element texts (parse them with JSON.parse). Yields batches. */
export async function* splitJsonArray(batches: AsyncIterable<LineBatch>, displayPath: string): AsyncGenerator<JsonElement[]> {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let started = false;
  let ended = false;
  let parts: string[] = [];
  let elementLine = 0;
  for await (const batch of batches) {
    const out: JsonElement[] = [];
    for (let li = 0; li < batch.lines.length; li++) {
      const text = batch.lines[li]!;
      const line = batch.first + li;
      let segmentStart = depth > 1 || (depth === 1 && parts.length > 0) ? 0 : -1;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (inString) {
          if (escaped) escaped = false;
          else if (c === 92) escaped = true;
          else if (c === 34) inString = false;
          continue;
        }
        if (c === 32 || c === 9) continue;
        if (ended) throw new DataError(`${displayPath}:${line}: unexpected text after the end of the JSON array`);
        if (!started) {
          if (c !== 91) throw new DataError(`${displayPath}:${line}: expected a JSON array of records ('[' ...), found '${text[i]}'`);
          started = true;
          depth = 1;
          continue;
        }
        if (depth === 1) {
          if (c === 44 || c === 93) {
            if (parts.length > 0 || segmentStart >= 0) {
              if (segmentStart >= 0) parts.push(text.slice(segmentStart, i));
              out.push({ text: parts.join('\n'), line: elementLine });
              parts = [];
              segmentStart = -1;
            }
            if (c === 93) {
              ended = true;
              depth = 0;
            }
            continue;
          }
          if (segmentStart < 0) {
            segmentStart = i;
            elementLine = line;
          }
        }
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth += 1;
        else if (c === 125 || c === 93) depth -= 1;
      }
      if (segmentStart >= 0) parts.push(text.slice(segmentStart));
    }
    if (out.length > 0) yield out;
  }
  if (!started) return;
  if (!ended) throw new DataError(`${displayPath}: the JSON array is not closed (missing ']')`);
}
