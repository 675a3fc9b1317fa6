// Issue 14, first-time user: consistent words. A stage's state is written `up-to-date` wherever it is shown (status,
// run --dry-run, JSON), and progress lines put summaries after a dash, never in nested parentheses.
import { describe, expect, it } from 'vitest';
import { makeTinyProject, runCli } from '../helpers/cli.ts';


describe('human output (issue 14)', () => {
  it('says up-to-date in status and --dry-run alike, and never nests parentheses in progress lines', async () => {
    const dir = makeTinyProject();
    const run = await runCli(['run'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^dedupe: ran in \S+ - removed 10 of 40 \(10 duplicates, 0 conflicting\)$/m);
    expect(run.stderr).toMatch(/^load: running - never run$/m);
    for (const line of run.stderr.split('\n')) expect(line, 'nested parentheses').not.toMatch(/\([^()]*\(/);

    const status = await runCli(['status'], { cwd: dir });
    const dry = await runCli(['run', '--dry-run'], { cwd: dir });
    for (const out of [status.stdout, dry.stdout]) {
      expect(out).toMatch(/^split\s+up-to-date$/m);
      expect(out).not.toContain('up to date');
    }
  });
});
