// Flag parsing shared by commands: node's util.parseArgs with usage errors instead of TypeErrors.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses argv for a command; unknown flags and missing values become UsageError naming the command. */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O, maxPositionals = 1) {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (parsed.positionals.length > maxPositionals) {
      throw new UsageError(`tunefile ${command}: unexpected argument '${parsed.positionals[maxPositionals]}'`, { hint: `see 'tunefile ${command} --help'` });
    }
    return parsed;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`tunefile ${command}: ${(error as Error).message}`, { hint: `see 'tunefile ${command} --help'` });
  }
}

/** A positive integer flag value, or a usage error. */
export function parsePositiveInt(command: string, flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`tunefile ${command}: ${flag} needs a whole number >= 1 (got '${value}')`);
  return n;
}
