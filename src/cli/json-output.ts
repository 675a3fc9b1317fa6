// The CLI's JSON documents: the `error` member they share, and writing one document to stdout.
import type { JsonError } from '../engine/json-report.ts';
import { TunefileError } from '../errors.ts';
import { redact, redactDeep, secretsInEnv } from '../providers/redact.ts';
import type { CliIO, Command } from './command.ts';

/** An error as the `error` member of a JSON document: code, one-line message, hint, detail lines; secrets redacted. */
export function toJsonError(error: unknown, env: Record<string, string | undefined>): JsonError {
  const secrets = secretsInEnv(env);
  if (error instanceof TunefileError) {
    return { code: error.code, message: redact(error.message, secrets), hint: error.hint === undefined ? null : redact(error.hint, secrets), details: error.details.map((d) => redact(d, secrets)) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'TUNEFILE_INTERNAL', message: redact(message, secrets), hint: 'rerun with --debug for the stack trace', details: [] };
}

/** Writes one JSON document (secrets redacted from every string, as a last line of defence) on stdout. */
export function writeJson(io: CliIO, doc: unknown): void {
  io.stdout.write(JSON.stringify(redactDeep(doc, secretsInEnv(io.env)), null, 2) + '\n');
}

/**
 * `command` with one change: when its argv asks for `--json` and it throws (invalid pipeline, lock held, bad usage),
 * the document `errorDoc` builds is printed on stdout first, so a script always reads one JSON document of the same
 * shape. The error is then thrown on: main.ts prints it on stderr and maps it to the exit code.
 */
export function withJsonErrors(command: Command, errorDoc: (argv: string[], error: JsonError) => unknown): Command {
  return {
    ...command,
    async run(argv, io) {
      try {
        return await command.run(argv, io);
      } catch (error) {
        if (argv.includes('--json')) writeJson(io, errorDoc(argv, toJsonError(error, io.env)));
        throw error;
      }
    },
  };
}
