// CLI contract: help for every command, exit codes, corrupt cache entries, interrupts.
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, runJson, startCli, waitFor } from '../helpers/cli.ts';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'engine');
const files = () => ({
  'pipeline.yaml': readFileSync(join(FIXTURE, 'pipeline.yaml'), 'utf8'),
  'work.mjs': readFileSync(join(FIXTURE, 'work.mjs'), 'utf8'),
});

const COMMANDS = ['init', 'validate', 'run', 'status', 'dag', 'show', 'metrics', 'prepare', 'serve', 'gc'];

describe('tunefile CLI basics', () => {
  it('prints help for tunefile and every command, and rejects unknown commands with exit 2', async () => {
    const dir = makeProject();
    const top = await runCli(['--help'], { cwd: dir });
    expect(top.code).toBe(0);
    for (const name of COMMANDS) expect(top.stdout).toContain(name);
    for (const name of COMMANDS) {
      const r = await runCli([name, '--help'], { cwd: dir });
      expect(r.code, name).toBe(0);
      expect(r.stdout, name).toMatch(new RegExp(`Usage: tunefile ${name}`));
      expect(r.stdout, name).not.toContain('PLACEHOLDER');
    }
    const unknown = await runCli(['rnu'], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("did you mean 'run'?");
  });

  it('treats a corrupt cached blob as a miss with a warning: by size always, by hash with --verify', async () => {
    const dir = makeProject(files());
    const first = await runJson([], { cwd: dir });
    expect(first.code).toBe(0);
    const blob = first.report.stages[1].outputs.scaled.path as string;
    const original = readFileSync(blob, 'utf8');
    chmodSync(blob, 0o644);
    writeFileSync(blob, original.slice(0, -2));
    const truncated = await runJson([], { cwd: dir });
    expect(truncated.status).toEqual({ gen: 'cached', scale: 'ran', total: 'cached', report: 'cached' });
    expect(truncated.report.stages[1].warnings.join(' ')).toMatch(/corrupted cache blob .* wrong-size/);
    expect(readFileSync(blob, 'utf8')).toBe(original);

    chmodSync(blob, 0o644);
    writeFileSync(blob, original.replace('2', '9'));
    const sameSize = await runJson([], { cwd: dir });
    expect(sameSize.status.scale).toBe('cached');
    const verified = await runJson(['--verify'], { cwd: dir });
    expect(verified.status.scale).toBe('ran');
    expect(verified.report.stages[1].warnings.join(' ')).toMatch(/corrupted cache blob .* corrupt/);
    expect(readFileSync(blob, 'utf8')).toBe(original);
  });

  it('exits 130 on Ctrl-C, stops the running program, and caches nothing for the interrupted stage', async () => {
    const dir = makeProject({
      ...files(),
      'pipeline.yaml': `version: 1
name: interrupt
stages:
  slow:
    uses: command
    with: { run: [node, work.mjs, hold, "{out.x}", slow] }
`,
    });
    const run = startCli(['run', '--json'], { cwd: dir });
    // The program announces itself and then waits for slow.release, which never comes: Ctrl-C lands mid-stage.
    await waitFor(() => existsSync(join(dir, 'slow.started')), 30_000, 'the program to start (slow.started)');
    const { pid } = JSON.parse(readFileSync(join(dir, 'slow.started'), 'utf8')) as { pid: number };
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    const report = JSON.parse(result.stdout);
    expect(report.interrupted).toBe(true);
    expect(report.stages[0].status).toBe('failed');
    const status = await runCli(['status', '--json'], { cwd: dir });
    expect(JSON.parse(status.stdout).stages[0].state).toBe('never-run');
    // The program was stopped, not left waiting: signal 0 to its pid finds no process.
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('prints a clean one-line error without a stack trace, and the stack with --debug', async () => {
    const dir = makeProject({ 'pipeline.yaml': 'version: 1\nstages:\n  a:\n    uses: command\n    with: { run: [no-such-program-xyz, --flag], outputs: [x] }\n' });
    const plain = await runCli(['run'], { cwd: dir });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain("'no-such-program-xyz' could not be started: 'no-such-program-xyz' was not found");
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const invalid = await runCli(['run', 'nope.yaml'], { cwd: dir });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^error: pipeline file not found: nope.yaml/);
    const debug = await runCli(['run', 'nope.yaml', '--debug'], { cwd: dir });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
