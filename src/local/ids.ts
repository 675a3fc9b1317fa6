// Random object ids in OpenAI's style (`file-…`, `ftjob-…`), and the clock in Unix seconds.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `prefix` followed by 24 random base-62 characters. */
export function newId(prefix: string): string {
  const bytes = randomBytes(24);
  let out = prefix;
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

/** The current time in whole Unix seconds, as OpenAI objects carry it. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
