// Usage errors in tunefile's words: one line, a did-you-mean for long options, never Node's parser text.
import { describe, expect, it } from 'vitest';
import { parseFlags } from './args.ts';

const OPTIONS = { force: { type: 'boolean' }, jobs: { type: 'string' }, json: { type: 'boolean' }, yes: { type: 'boolean', short: 'y' } } as const;

function usageError(argv: string[]): { message: string; hint?: string } {
  try {
    parseFlags('run', argv, OPTIONS);
  } catch (error) {
    return error as { message: string; hint?: string };
  }
  throw new Error('expected a usage error');
}

describe('parseFlags', () => {
  it('names an unknown option with the closest known one', () => {
    expect(usageError(['--frce']).message).toBe("tunefile run: unknown option '--frce'; did you mean '--force'?");
    expect(usageError(['--jsno']).message).toBe("tunefile run: unknown option '--jsno'; did you mean '--json'?");
    expect(usageError(['--frobnicate']).message).toBe("tunefile run: unknown option '--frobnicate'");
    expect(usageError(['-x']).message).toBe("tunefile run: unknown option '-x'");
    expect(usageError(['--frce']).hint).toBe("see 'tunefile run --help' for its options");
  });

  it('says which option lacks a value or takes none, and which argument is extra', () => {
    expect(usageError(['--jobs']).message).toBe('tunefile run: --jobs needs a value');
    expect(usageError(['--json=yes']).message).toBe('tunefile run: --json takes no value');
    expect(usageError(['a.yaml', 'b.yaml']).message).toBe("tunefile run: unexpected argument 'b.yaml'");
  });
});
