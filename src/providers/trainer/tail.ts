// The end of a log file, for progress lines and error messages.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { redact } from '../redact.ts';

/** The last `bytes` of a file as text ('' when it does not exist). */
export function tailOf(path: string, bytes: number): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return '';
  }
  const fd = openSync(path, 'r');
  try {
    const length = Math.min(bytes, size);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** `; <what> (<path>) ends:` and its last 15 lines, secrets redacted; '' for an empty or missing log. */
export function logEnding(path: string, what: string): string {
  const text = tailOf(path, 4096).trimEnd().split('\n').slice(-15).join('\n');
  return text ? `; ${what} (${path}) ends:\n${redact(text)}` : '';
}
