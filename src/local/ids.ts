// Random object ids in OpenAI's style (`file-…`, `ftjob-…`), and times in Unix seconds.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `prefix` followed by 24 random base-62 characters. */
export function newId(prefix: string): string {
  const bytes = randomBytes(24);
  let out = prefix;
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** A time in ms as whole Unix seconds, as OpenAI objects carry it. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
