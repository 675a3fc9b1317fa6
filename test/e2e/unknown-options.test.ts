// Issue 14, first-time user: a mistyped option gets tunefile's own one-line error with a did-you-mean and exit 2,
// for every command (Node's parser text, "To specify a positional argument starting with a '-'...", never shows).
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli.ts';

/** [command args, the typo, what it should suggest (undefined: nothing close)]. */
const CASES: [string[], string, string | undefined][] = [
  [['init'], '--frce', undefined],
  [['validate'], '--jsno', '--json'],
  [['run'], '--frce', '--force'],
  [['run'], '--no-wiat', '--no-wait'],
  [['status'], '--jsn', '--json'],
  [['dag'], '--fromat', '--format'],
  [['show', 'load'], '--paht', '--path'],
  [['metrics'], '--dif', '--diff'],
  [['prepare', 'data.jsonl'], '--yse', '--yes'],
  [['serve'], '--prot', '--port'],
  [['gc'], '--dryrun', '--dry-run'],
  [[], '--verison', '--version'],
];

describe('unknown options (issue 14)', () => {
  it.concurrent.each(CASES)('%j %s', async (args, typo, guess) => {
    const dir = makeProject({ 'pipeline.yaml': 'version: 1\nstages:\n  load:\n    with: { path: data.jsonl }\n', 'data.jsonl': '{"prompt":"a","completion":"b"}\n' });
    const result = await runCli([...args, typo], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    const command = args[0] ? `tunefile ${args[0]}` : 'tunefile';
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`error: ${command}: unknown option '${typo}'${guess ? `; did you mean '${guess}'?` : ''}`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^hint: .*--help/)]);
    expect(result.stderr).not.toContain('To specify a positional argument');
    expect(result.stdout).toBe('');
  });
});
