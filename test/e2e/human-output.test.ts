// Issue 14, first-time user: consistent words. A stage's state is written `up-to-date` wherever it is shown (status,
// run --dry-run, JSON), and progress lines put summaries after a dash, never in nested parentheses.
import { describe, expect, it } from 'vitest';
import { makeProject, runCli } from '../helpers/cli.ts';

const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify({ prompt: `message ${i % 30}`, completion: i % 3 ? 'ham' : 'spam' })).join('\n');
const PIPELINE = `version: 1
stages:
  load:
    with: { path: data.jsonl }
  dedupe: {}
  split:
    with: { valid: 0.25, seed: 1 }
`;

describe('human output (issue 14)', () => {
  it('says up-to-date in status and --dry-run alike, and never nests parentheses in progress lines', async () => {
    const dir = makeProject({ 'pipeline.yaml': PIPELINE, 'data.jsonl': rows });
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
