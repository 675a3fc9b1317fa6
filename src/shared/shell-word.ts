// POSIX shell words: an argument quoted so that sh and bash read it back as exactly one word, byte for byte.

/** Characters that never need quoting in sh or bash (no globbing, expansion, word splitting or redirection). */
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;

/**
 * A shell word for `arg`: unchanged when it holds only plain characters, else single-quoted, with each `'` written
 * as `'\''`. Inside single quotes nothing is special (`$()`, backquotes, `\`, newlines), so any text survives.
 * The empty string becomes `''`.
 */
export function quoteArg(arg: string): string {
  return PLAIN_WORD.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** A command line for a shell: each argument quoted by quoteArg, joined by spaces. */
export function quoteCommand(args: readonly string[]): string {
  return args.map(quoteArg).join(' ');
}
