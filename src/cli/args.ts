// Flag parsing shared by commands: node's util.parseArgs with tunefile's own one-line usage errors and did-you-mean.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMean, UsageError } from '../errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes (main.ts handles them before the command's parser sees argv). */
const GLOBAL_FLAGS = ['--help', '--debug'];

/** Parses argv for a command; unknown flags, missing values and extra arguments become UsageError naming the command. */
export function parseFlags<O extends Options>(command: string, argv: string[], options: O, maxPositionals = 1) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw toUsageError(command, error, options);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`tunefile ${command}: unexpected argument '${parsed.positionals[maxPositionals]}'`, { hint: `see 'tunefile ${command} --help'` });
  }
  return parsed;
}

/**
 * Node's parser errors ("Unknown option '--frce'. To specify a positional argument starting with a '-', place it
 * at the end of the command after '--', ...") as one line in tunefile's words, with a did-you-mean.
 */
export function toUsageError(command: string, error: unknown, options: Options): UsageError {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message;
  const hint = `see 'tunefile ${command} --help' for its options`;
  const flag = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) {
    // Long options only: for a one-letter flag every other letter is "close".
    const long = knownFlags(options).filter((f) => f.startsWith('--'));
    const guess = flag.startsWith('--') ? didYouMean(flag.slice(2), long.map((f) => f.slice(2))) : undefined;
    const named = guess === undefined ? undefined : `--${guess}`;
    return new UsageError(`tunefile ${command}: unknown option '${flag}'${named ? `; did you mean '${named}'?` : ''}`, { hint });
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    const name = flag.split('=')[0]!;
    if (/argument missing/.test(message)) return new UsageError(`tunefile ${command}: ${name} needs a value`, { hint });
    return new UsageError(`tunefile ${command}: ${name} takes no value`, { hint });
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const value = /'([^']*)'/.exec(message)?.[1];
    return new UsageError(`tunefile ${command}: unexpected argument${value ? ` '${value}'` : ''}`, { hint });
  }
  return new UsageError(`tunefile ${command}: ${message.split('\n')[0]}`, { hint });
}

/** `--name` and `-x` for each option, plus the global flags. */
function knownFlags(options: Options): string[] {
  const flags = Object.entries(options).flatMap(([name, o]) => [`--${name}`, ...(o.short ? [`-${o.short}`] : [])]);
  return [...flags, ...GLOBAL_FLAGS];
}

/** A positive integer flag value, or a usage error. */
export function parsePositiveInt(command: string, flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`tunefile ${command}: ${flag} needs a whole number >= 1 (got '${value}')`);
  return n;
}
