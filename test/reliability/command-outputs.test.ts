// Issue 14: what a command stage's program leaves at {out.NAME}. Output is streamed to a log, never held in memory
// (150 MB of stdout once failed with `maxBuffer exceeded` at ~760 MB RSS). A symlink or hard link output is stored as
// a copy of its bytes, and the linked file (here outside the project) is never chmodded or cached as a link.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, makeProject, runJson } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

const TIME = '/usr/bin/time';
const MB = 1024 * 1024;

/** Writes `mb` MB of numbered lines to stdout (one 1 MB buffer, written again after each drain), then its output. */
const WRITER = `import { writeFileSync } from 'node:fs';
const [out, mb] = process.argv.slice(2);
let text = '';
for (let i = 0; text.length < ${MB} - 100; i++) text += 'line ' + String(i).padStart(10, '0') + ' ' + 'x'.repeat(80) + '\\n';
const chunk = Buffer.from(text.padEnd(${MB} - 1, 'x') + '\\n'); // exactly 1 MB
for (let n = 0; n < Number(mb); n++) {
  if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
}
process.stdout.write('wrote ' + mb + ' MB\\n'); // on stdout: stderr could reach the log before stdout's last chunk
writeFileSync(out, 'done\\n');
`;

/** Runs the CLI under GNU time -v; resolves with its exit code, stderr and peak RSS in MB. */
function runTimed(args: string[], cwd: string): Promise<{ code: number | null; stderr: string; maxRssMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(TIME, ['-v', process.execPath, '--disable-warning=ExperimentalWarning', CLI, ...args], {
      cwd,
      env: { ...process.env, CI: 'true', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      if (!kb) return reject(new Error(`no RSS figure from ${TIME}:\n${stderr}`));
      resolve({ code, stderr, maxRssMb: Number(kb[1]) / 1024 });
    });
  });
}

describe('command stage: output is streamed, not buffered', () => {
  it.skipIf(!existsSync(TIME))('150 MB of stdout: the stage succeeds, peak RSS stays under 300 MB, the log holds every byte', async () => {
    const dir = makeProject({
      'writer.mjs': WRITER,
      'pipeline.yaml': 'version: 1\nname: loud\nstages:\n  loud:\n    uses: command\n    with:\n      run: [node, writer.mjs, "{out.done}", "150"]\n      deps: [writer.mjs]\n',
    });
    const result = await runTimed(['run', '--verbose'], dir);
    expect(result.code, result.stderr).toBe(0);
    // The larger of tunefile and its child (~60 MB). Measured: ~160 MB for 150 MB and for 600 MB of output (a no-op run
    // takes ~90 MB). Before: exit 1 with `maxBuffer exceeded` at ~760 MB.
    expect(result.maxRssMb).toBeLessThan(300);
    const log = join(dir, '.tunefile', 'logs', 'pipeline.yaml', 'loud.log');
    expect(result.stderr).toContain('output in .tunefile/logs/pipeline.yaml/loud.log');
    expect(result.stderr).toContain('| wrote 150 MB'); // --verbose: the output's last lines
    expect(statSync(log).size).toBeGreaterThanOrEqual(150 * MB);
  }, 120_000);
});

describe('command stage: outputs that are links', () => {
  /** A file outside the project, writable by its owner, that the program links to. */
  function outsideFile(): string {
    const file = join(tempDir('tunefile-outside-'), 'precious.txt');
    writeFileSync(file, 'original bytes\n');
    chmodSync(file, 0o644);
    return file;
  }

  it.each([
    ['a symbolic link', 'symlinkSync'],
    ['a hard link', 'linkSync'],
  ])('an output that is %s is stored as a copy; the linked file keeps its mode and later edits never reach the cache', async (_, how) => {
    const target = outsideFile();
    const dir = makeProject({
      'pipeline.yaml': `version: 1\nname: links\nstages:\n  link:\n    uses: command\n    with:\n      run: [node, -e, "require('fs').${how}(process.argv[1], process.argv[2])", ${JSON.stringify(target)}, "{out.data}"]\n`,
    });
    const run = await runJson([], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    expect(statSync(target).mode & 0o777).toBe(0o644); // before: chmod 0444 through the link
    const blob = run.report.stages[0].outputs.data.path as string;
    expect(lstatSync(blob).isFile()).toBe(true);
    expect(lstatSync(blob).nlink).toBe(1);
    expect(readFileSync(blob, 'utf8')).toBe('original bytes\n');
    writeFileSync(target, 'edited later\n');
    expect(readFileSync(blob, 'utf8')).toBe('original bytes\n');
    const verify = await runJson(['--verify'], { cwd: dir });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.status).toEqual({ link: 'cached' });
  });

  it('a symbolic link to nothing fails naming the output', async () => {
    const dir = makeProject({
      'pipeline.yaml': 'version: 1\nname: dangling\nstages:\n  link:\n    uses: command\n    with:\n      run: [node, -e, "require(\'fs\').symlinkSync(\'/nonexistent/tunefile-x\', process.argv[1])", "{out.data}"]\n',
    });
    const run = await runJson([], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.report.stages[0].error).toContain("output 'data' is a symbolic link to a file that does not exist");
  });
});
