// The load thread: runs loadFiles off the main thread; with `forward`, sends the written lines back in chunks,
// with each line's text digests (TextDigests), at most MAX_IN_FLIGHT unconsumed at a time (the main thread acknowledges each through the shared counters).
import { parentPort, workerData } from 'node:worker_threads';
import { TunefileError } from '../errors.ts';
import { loadFiles } from './load.ts';
import type { LoadOptions, LoadOutputs } from './load.ts';
import { getCompletionText, getPromptText } from './records.ts';
import type { RowConsumer } from './records.ts';
import { textDigestWords } from './digest-table.ts';

export interface LoadWorkerData {
  options: LoadOptions;
  outputs: LoadOutputs;
  forward: boolean;
  /** Int32 [chunks sent, chunks consumed]. */
  counters: SharedArrayBuffer;
}

/** Messages to the main thread. */
export type LoadWorkerMessage =
  | { type: 'rows'; text: string; digests: Uint32Array }
  | { type: 'progress'; n: number }
  | { type: 'done'; report: Awaited<ReturnType<typeof loadFiles>> }
  | { type: 'error'; message: string; code?: string; details?: string[]; hint?: string };

export const MAX_IN_FLIGHT = 8;
const CHUNK_CHARS = 1 << 16;

const data = workerData as LoadWorkerData;
const port = parentPort!;
const counters = new Int32Array(data.counters);
let lines: string[] = [];
let chars = 0;
let digests = new Uint32Array(8 * 1024);

function send(message: LoadWorkerMessage): void {
  port.postMessage(message);
}

function flush(): void {
  if (lines.length === 0) return;
  for (;;) {
    const consumed = Atomics.load(counters, 1);
    if (Atomics.load(counters, 0) - consumed < MAX_IN_FLIGHT) break;
    Atomics.wait(counters, 1, consumed, 1000);
  }
  Atomics.add(counters, 0, 1);
  const words = digests.slice(0, lines.length * 8);
  port.postMessage({ type: 'rows', text: lines.join('\n'), digests: words } satisfies LoadWorkerMessage, [words.buffer]);
  lines = [];
  chars = 0;
}

/** Digest words of short completions seen before (labels repeat), so they are hashed once. */
const shortDigests = new Map<string, Uint32Array>();

function completionDigest(text: string, words: Uint32Array, at: number): void {
  const known = text.length <= 64 ? shortDigests.get(text) : undefined;
  if (known) {
    words.set(known, at);
    return;
  }
  textDigestWords(text, words, at);
  if (text.length <= 64 && shortDigests.size < 10_000) shortDigests.set(text, words.slice(at, at + 4));
}

const next: RowConsumer | undefined = data.forward
  ? {
      push(record, line) {
        const at = lines.length * 8;
        if (at + 8 > digests.length) {
          const grown = new Uint32Array(digests.length * 2);
          grown.set(digests);
          digests = grown;
        }
        // The consumers' digests are computed here, off the main thread (see TextDigests).
        textDigestWords(getPromptText(record), digests, at);
        completionDigest(getCompletionText(record), digests, at + 4);
        lines.push(line);
        chars += line.length;
        if (chars >= CHUNK_CHARS) flush();
      },
    }
  : undefined;

try {
  const report = await loadFiles(data.options, data.outputs, (n) => send({ type: 'progress', n }), next);
  flush();
  send({ type: 'done', report });
} catch (error) {
  if (error instanceof TunefileError) send({ type: 'error', message: error.message, code: error.code, details: error.details, hint: error.hint });
  else send({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}
