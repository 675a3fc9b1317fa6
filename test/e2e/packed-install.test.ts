// e2e (issue 14): tunefile outside its own clone. The README's path for one's own project, for real: `npm pack`,
// install the tarball as a devDependency of an empty project, `npx tunefile init`, then run the `next:` line it prints.
// npx must find tunefile in the project (never the registry's unrelated `tunefile`), and the `$schema` paths resolve.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.ts';
import { tempDir } from '../helpers/temp.ts';

const work = tempDir('tunefile-packed-');
/** This Node first on PATH (npm runs the bin's `#!/usr/bin/env node` with it), CI mode, no colours. */
const env = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}`, CI: 'true', NO_COLOR: '1' };

/** Runs a command in `cwd`; never rejects, so a failure shows its output. */
const sh = (file: string, args: string[], cwd: string) => execa(file, args, { cwd, env, reject: false, stdin: 'ignore' });

/** The `$schema` path of a scaffolded file: the yaml-language-server comment, or the JSON key. */
function schemaRef(path: string): string {
  const text = readFileSync(path, 'utf8');
  return path.endsWith('.json') ? (JSON.parse(text) as { $schema: string }).$schema : /\$schema=(\S+)/.exec(text)![1]!;
}

describe('tunefile installed from a packed tarball into a project of its own', () => {
  it('packs, installs as a devDependency, and `npx tunefile init` / its next: line run offline there', async () => {
    // The tarball must carry dist/ (with the build id the pipeline cache is keyed by), schemas/ and assets/ (init's
    // sample data). --ignore-scripts: `prepare` would rebuild dist/, which `npm test`
    // has just built (run `npm run build` first when running this file alone).
    const pack = await sh('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], REPO);
    expect(pack.exitCode, `npm pack failed:\n${pack.stderr}`).toBe(0);
    const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    const files = packed!.files.map((f) => f.path);
    for (const needed of ['dist/cli/main.js', 'dist/index.js', 'dist/local/trainer/worker.js', 'dist/build-id.json', 'schemas/pipeline.schema.json', 'schemas/config.schema.json', 'assets/sample/sms-spam-sample.tsv', 'assets/sample/README.md']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);

    const project = join(work, 'my-exp');
    await sh('mkdir', [project], work);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-exp', version: '1.0.0', private: true }, null, 2));
    const tarball = join(work, packed!.filename);
    // Dependencies from the npm cache only; a cache that lacks their metadata (a clean CI machine) falls back to the
    // registry with --prefer-offline, which uses every cached copy without asking whether it is current.
    let install = await sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '-D', tarball], project);
    if (install.exitCode !== 0 && /ENOTCACHED/.test(install.stderr)) install = await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '-D', tarball], project);
    expect(install.exitCode, `npm install failed:\n${install.stderr}`).toBe(0);
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).devDependencies.tunefile).toMatch(/tunefile-.*\.tgz$/);

    // --no: npx must find tunefile in the project; it may not fetch anything.
    const init = await sh('npx', ['--no', 'tunefile', 'init'], project);
    expect(init.exitCode, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/^next: npx tunefile run$/m);
    expect(readFileSync(join(project, 'data', 'sms-spam-sample.tsv'), 'utf8')).toBe(readFileSync(join(REPO, 'assets', 'sample', 'sms-spam-sample.tsv'), 'utf8'));
    expect(schemaRef(join(project, 'pipeline.yaml'))).toBe('./node_modules/tunefile/schemas/pipeline.schema.json');
    for (const file of ['pipeline.yaml', 'tunefile.config.json']) expect(existsSync(resolve(project, schemaRef(join(project, file)))), file).toBe(true);

    // A project in a subfolder reaches the same installation: the schema path goes up, and npx still finds it.
    const sub = await sh('npx', ['--no', 'tunefile', 'init', 'experiments/second'], project);
    expect(sub.stdout).toMatch(/^next: cd experiments\/second && npx tunefile run$/m);
    expect(schemaRef(join(project, 'experiments', 'second', 'pipeline.yaml'))).toBe('../../node_modules/tunefile/schemas/pipeline.schema.json');

    const next = /^next: (.*)$/m.exec(init.stdout)![1]!.split(' ');
    const run = await sh(next[0]!, ['--no', ...next.slice(1)], project);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ok: pipeline\.yaml: 8 ran, 0 cached$/m);
    expect(readFileSync(join(project, 'reports', 'sms-spam', 'report.html'), 'utf8')).toContain('<h1>sms-spam: evaluation</h1>');
  }, 180_000);
});
