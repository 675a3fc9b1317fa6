// Issue 14, first-time user in CI or docker: a terminal that reports 0 columns (or 0 rows) gets the progress tree at a
// default size, not one character per line (listr2 wrapped at width 0) or nothing at all (log-update at 0 rows).
import { existsSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, makeTinyProject } from '../helpers/cli.ts';

const SCRIPT = '/usr/bin/script';

/** What a pseudo-terminal of `size` ("cols 0 rows 40") showed while `tunefile run` ran, without escape codes. */
async function runInTerminal(size: string): Promise<string> {
  const dir = makeTinyProject();
  const command = [process.execPath, '--disable-warning=ExperimentalWarning', CLI, 'run'].map((a) => `'${a}'`).join(' ');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm-256color' };
  const result = await execa(SCRIPT, ['-qec', `stty ${size}; ${command}`, '/dev/null'], { cwd: dir, env, extendEnv: false, stdin: 'ignore', reject: false });
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  return stripVTControlCharacters(result.stdout).replaceAll('\r', '');
}

describe.skipIf(!existsSync(SCRIPT))('tunefile run in a terminal of size 0 (issue 14)', () => {
  it.each(['cols 0 rows 40', 'cols 0 rows 0'])('%s: draws whole lines', async (size) => {
    const shown = await runInTerminal(size);
    expect(shown).toMatch(/✔ split: ran in \d+(ms|\.\ds) - /);
    expect(shown).toContain('ok: pipeline.yaml: 3 ran, 0 cached');
    const oneCharacterLines = shown.split('\n').filter((l) => l.trim().length === 1);
    expect(oneCharacterLines.length, shown).toBeLessThan(3);
  }, 60_000);
});
