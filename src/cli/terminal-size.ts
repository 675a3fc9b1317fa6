// The terminal stream the progress tree draws on, with a reported size of 0 taken as unknown.
import { Writable } from 'node:stream';

/** A stream as progress renderers see it: a terminal has a size. */
export type TerminalStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };

/** Width and height used when a terminal reports none, as listr2 and log-update default to. */
const DEFAULT_SIZE = { columns: 80, rows: 24 };

/**
 * `stream` itself when it reports a usable size; otherwise a pass-through stream to it whose size is the default.
 * Some CI and docker terminals report 0 columns (and 0 rows): listr2 then wraps every line at width 0, one character
 * per line, and log-update prints nothing at all for 0 rows. A later resize to a real size is followed.
 */
export function withKnownSize<S extends TerminalStream>(stream: S): S | TerminalStream {
  if ((stream.columns ?? 1) > 0 && (stream.rows ?? 1) > 0) return stream;
  const sized = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      // Done at once, as a terminal write is: waiting for the stream's callback would queue later frames behind it,
      // after lines the CLI writes to the terminal directly.
      stream.write(chunk);
      callback();
    },
  }) as Writable & { isTTY: boolean; columns: number; rows: number };
  const refresh = () => {
    sized.columns = stream.columns || DEFAULT_SIZE.columns;
    sized.rows = stream.rows || DEFAULT_SIZE.rows;
  };
  sized.isTTY = stream.isTTY ?? false;
  refresh();
  stream.on('resize', () => {
    refresh();
    sized.emit('resize');
  });
  return sized;
}
