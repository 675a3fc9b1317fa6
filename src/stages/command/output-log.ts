// A program's stdout and stderr, streamed to a log file as they arrive; only a bounded tail stays in memory.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** Bytes of each tail kept in memory: enough for the last lines of an error, whatever the output's size. */
const TAIL_BYTES = 64 * 1024;

/** The last bytes written to a stream, in a bounded buffer. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size > 2 * TAIL_BYTES) {
      const all = Buffer.concat(this.chunks);
      this.chunks = [all.subarray(all.length - TAIL_BYTES)];
      this.size = TAIL_BYTES;
    }
  }

  /** The last `n` non-empty lines (a first line cut by the bound is dropped). */
  lines(n: number): string[] {
    const all = Buffer.concat(this.chunks);
    const start = all.length > TAIL_BYTES ? all.indexOf(10, all.length - TAIL_BYTES) + 1 : 0;
    // Carriage returns (progress bars redrawing one line) end lines too; ANSI colours are noise in a message.
    const text = all.subarray(start).toString('utf8').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
    return text.split(/\r\n|\r|\n/).map((l) => l.trimEnd()).filter((l) => l !== '').slice(-n);
  }
}

/** Streams a program's output to `path`; keeps the tails of stderr and of both streams together. */
export class OutputLog {
  readonly path: string;
  readonly stderr = new Tail();
  readonly all = new Tail();
  bytes = 0;
  private readonly file: WriteStream;
  private readonly sources: Promise<void>[] = [];
  private readonly paused = new Set<Readable>();
  /** Why the log file could not be written (disk full): the output is then only drained, and close() reports it. */
  private failure: Error | undefined;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    this.file = createWriteStream(path);
    this.file.on('error', (error) => {
      this.failure ??= error;
      // No 'drain' will come: let the program go on writing into the void rather than block on a full pipe.
      for (const stream of this.paused) stream.resume();
      this.paused.clear();
    });
  }

  /** Copies `stream` into the log as it arrives, pausing the program's pipe while the file catches up. */
  attach(stream: Readable | null | undefined, kind: 'stdout' | 'stderr'): void {
    if (!stream) return;
    stream.on('data', (chunk: Buffer) => {
      this.bytes += chunk.length;
      this.all.push(chunk);
      if (kind === 'stderr') this.stderr.push(chunk);
      if (this.failure) return;
      if (!this.file.write(chunk)) {
        stream.pause();
        this.paused.add(stream);
        this.file.once('drain', () => {
          this.paused.delete(stream);
          stream.resume();
        });
      }
    });
    this.sources.push(finished(stream).catch(() => undefined)); // a pipe cut by a kill still ends the log
  }

  /** Waits for the attached streams to end, then flushes and closes the file; the write error, if any. */
  async close(): Promise<Error | undefined> {
    await Promise.all(this.sources);
    if (!this.failure) {
      this.file.end();
      await finished(this.file).catch((error: Error) => (this.failure ??= error));
    } else {
      this.file.destroy();
    }
    return this.failure;
  }
}
