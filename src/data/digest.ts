// Fixed-size digests of texts, so dedupe and split keep 16 bytes per row instead of whole strings.
import { createHash } from 'node:crypto';

/** A 16-byte sha256 prefix of the text, as a latin1 string (a compact, collision-safe Map key). */
export function digestText(text: string): string {
  return createHash('sha256').update(text).digest().subarray(0, 16).toString('latin1');
}
