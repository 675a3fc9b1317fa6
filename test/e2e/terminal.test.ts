// e2e: `tunefile run` in a real terminal (util-linux `script` gives the CLI a pseudo-terminal).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { CLI, makeTinyProject } from '../helpers/cli.ts';

const SCRIPT = '/usr/bin/script';

/** Runs the CLI with `args` in a pseudo-terminal, stdout optionally redirected to `stdoutFile`; returns what the terminal showed, without escape codes and CRs. */
async function inTerminal(cwd: string, args: string[], stdoutFile?: string): Promise<string> {
  const command = [process.execPath, '--disable-warning=ExperimentalWarning', CLI, ...args].map((a) => `'${a}'`).join(' ');
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TERM: 'xterm-256color', COLUMNS: '120', LINES: '40' };
  const result = await execa(SCRIPT, ['-qec', `stty cols 120 rows 40; ${command}${stdoutFile ? ` > '${stdoutFile}'` : ''}`, '/dev/null'], { cwd, env, extendEnv: false, stdin: 'ignore', reject: false });
  expect(result.exitCode, result.stdout + result.stderr).toBe(0);
  return stripVTControlCharacters(result.stdout).replaceAll('\r', '');
}

describe.skipIf(!existsSync(SCRIPT))('tunefile run in a terminal', () => {
  it('draws the tree while stages run, prints plain lines when everything is cached, and keeps --json on stdout clean', async () => {
    const dir = makeTinyProject();
    const cold = await inTerminal(dir, ['run']);
    expect(cold).toMatch(/✔ split: ran in \d+/); // listr2's tree
    expect(cold).toContain('ok: pipeline.yaml: 3 ran, 0 cached');

    const noop = await inTerminal(dir, ['run']);
    expect(noop).toContain('load: cached\ndedupe: cached\nsplit: cached\nok: pipeline.yaml: 0 ran, 3 cached');
    expect(noop).not.toContain('✔');

    const out = join(dir, 'report.json');
    const json = await inTerminal(dir, ['run', '--force', 'split', '--json'], out);
    expect(JSON.parse(readFileSync(out, 'utf8')).stages.map((s: { status: string }) => s.status)).toEqual(['cached', 'cached', 'ran']);
    expect(json).toContain('split: ran in');
  }, 60_000);
});
