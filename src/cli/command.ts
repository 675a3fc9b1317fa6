// The shape of one CLI command module: parse flags, call the API, print. No logic beyond that.
import type { Readable, Writable } from 'node:stream';

/** The outside world, injected so commands are testable in-process. */
export interface CliIO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  cwd: string;
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** --debug was given: print stacks. */
  debug: boolean;
}

export interface Command {
  name: string;
  /** One line for `tunefile --help`. */
  summary: string;
  /** Full help text for `tunefile <name> --help`. */
  help: string;
  /** Runs the command; returns the exit code. Throws TunefileError for reported failures. */
  run(argv: string[], io: CliIO): Promise<number>;
}
