// JSON record files of the local server (job.json, file.json): written atomically, read tolerantly.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../shared/atomic-write.ts';

/** Writes JSON atomically, pretty-printed for people who look inside the data folder. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Parsed JSON of a file, or undefined when the file does not exist. */
export function readJsonIfExists<T>(path: string): T | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

/** A record (job.json, file.json) that cannot be used: left untouched on disk, named in the log and in errors. */
export interface UnreadableRecord {
  id: string;
  path: string;
  problem: string;
}

/** A JSON record file read at start: its value, why it cannot be used, or undefined when it does not exist. */
export type RecordRead<T> = { value: T } | { problem: string } | undefined;

/**
 * Reads a JSON record (job.json, file.json) without throwing on bad content: garbage, a truncated file or a
 * hand edit that breaks the shape is returned as a problem, so the server can name the file and serve the rest.
 */
export function readJsonRecord<T>(path: string, shapeProblem: (value: unknown) => string | undefined): RecordRead<T> {
  let value: unknown;
  try {
    value = readJsonIfExists<unknown>(path);
  } catch (error) {
    // SyntaxError for bad JSON, or an I/O error such as EACCES: either way this one record is unusable.
    return { problem: (error as Error).message };
  }
  if (value === undefined) return undefined;
  const problem = shapeProblem(value);
  return problem === undefined ? { value: value as T } : { problem };
}
