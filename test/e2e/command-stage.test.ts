// Issue 14, a first-time user's command stage: a script named in `run:` but left out of `deps:` draws a warning;
// the output goes to .tunefile/logs/ (named on success, its last lines with --verbose, its tail on failure).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeProject, runCli, runJson } from '../helpers/cli.ts';

const SCRIPT = `import { writeFileSync } from 'node:fs';
const [out, config] = process.argv.slice(2);
for (let i = 1; i <= 40; i++) console.log('epoch ' + i + ' loss ' + (1 / i).toFixed(3));
if (process.env.FAIL) { console.error('CUDA out of memory'); process.exit(4); }
writeFileSync(out, 'model trained with ' + config + '\\n');
`;

const pipeline = (deps: string) => `version: 1
name: first-steps
stages:
  train_own:
    uses: command
    with:
      run: [node, train.mjs, "{out.model}", --config=conf/train.yaml]
      deps: ${deps}
      env: { FAIL: "\${params.fail}" }
params:
  fail: ""
`;

describe('command stage: what a first-time user sees', () => {
  it('warns about each run: argument that names a project file missing from deps, and not once they are listed', async () => {
    const dir = makeProject({ 'train.mjs': SCRIPT, 'conf/train.yaml': 'lr: 0.1\n', 'pipeline.yaml': pipeline('[]') });
    const run = await runJson([], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const warnings = run.report.stages[0].warnings as string[];
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('run: names the project file train.mjs, which is not in deps');
    expect(warnings[0]).toContain('editing it will not rerun this stage (add it to with.deps)');
    expect(warnings[1]).toContain('conf/train.yaml');
    const plain = await runCli(['run', '--force'], { cwd: dir });
    expect(plain.stderr).toContain('train_own: warning: run: names the project file train.mjs');

    writeFileSync(join(dir, 'pipeline.yaml'), pipeline('[train.mjs, conf/train.yaml]'));
    const declared = await runJson([], { cwd: dir });
    expect(declared.code, declared.stderr).toBe(0);
    expect(declared.status).toEqual({ train_own: 'ran' });
    expect(declared.report.stages[0].warnings).toEqual([]);
    // Now an edit of the config reruns the stage.
    writeFileSync(join(dir, 'conf/train.yaml'), 'lr: 0.2\n');
    expect((await runJson([], { cwd: dir })).status).toEqual({ train_own: 'ran' });
  });

  it('says where the output is; --verbose also prints its last lines; a failure shows the stderr tail and the log', async () => {
    const dir = makeProject({ 'train.mjs': SCRIPT, 'conf/train.yaml': 'lr: 0.1\n', 'pipeline.yaml': pipeline('[train.mjs, conf/train.yaml]') });
    const quiet = await runCli(['run'], { cwd: dir });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toMatch(/^train_own: ran in \S+ .*node exited 0; output in \.tunefile\/logs\/pipeline\.yaml\/train_own\.log\W*$/m);
    expect(quiet.stderr).not.toContain('epoch 40');
    const log = readFileSync(join(dir, '.tunefile', 'logs', 'pipeline.yaml', 'train_own.log'), 'utf8');
    expect(log.split('\n').filter(Boolean)).toHaveLength(40);

    const verbose = await runCli(['run', '--force', '--verbose'], { cwd: dir });
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toContain('  | epoch 31 loss 0.032\n');
    expect(verbose.stderr).toContain('  | epoch 40 loss 0.025\n');
    expect(verbose.stderr).not.toContain('epoch 30 ');

    const failed = await runCli(['run', '--set', 'params.fail=boom'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain("train_own: 'node' exited with code 4");
    expect(failed.stderr).toContain('CUDA out of memory');
    expect(failed.stderr).toContain('full output: .tunefile/logs/pipeline.yaml/train_own.log');
    expect(failed.stderr).not.toMatch(/^ {4}at /m);
  });
});
