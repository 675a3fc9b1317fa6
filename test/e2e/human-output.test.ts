// Issue 14, first-time user: consistent words. A stage's state is written `up-to-date` wherever it is shown (status,
// run --dry-run, JSON), and progress lines put summaries after a dash, never in nested parentheses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTinyProject, runCli } from '../helpers/cli.ts';


describe('human output (issue 14)', () => {
  it('says up-to-date in status and --dry-run alike, and never nests parentheses in progress lines', async () => {
    const dir = makeTinyProject();
    const run = await runCli(['run'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    // The test's own count over the project's data (keep: first, texts compared exactly): a repeat of a prompt is a
    // duplicate when its completion is the first one's, a conflicting row otherwise; both are removed.
    const rows = readFileSync(join(dir, 'data.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { prompt: string; completion: string });
    const firstLabel = new Map<string, string>();
    let duplicates = 0;
    let conflicting = 0;
    for (const { prompt, completion } of rows) {
      const label = firstLabel.get(prompt);
      if (label === undefined) firstLabel.set(prompt, completion);
      else if (label === completion) duplicates++;
      else conflicting++;
    }
    expect(run.stderr).toMatch(new RegExp(`^dedupe: ran in \\S+ - removed ${duplicates + conflicting} of ${rows.length} \\(${duplicates} duplicates, ${conflicting} conflicting\\)$`, 'm'));
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
