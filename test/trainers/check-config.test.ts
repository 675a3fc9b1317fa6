// scripts/trainers/check_config.py parses trainer configs with each trainer's own parser: it accepts every config
// tunefile renders (the goldens of test/fixtures/trainer-configs/, and the small ones of test/trainers/configs/) and
// rejects a copy of each with one unknown key.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { tempDir } from '../helpers/temp.ts';
import { capture, ROOT, trainerEnv, venvBin, venvBins, type VenvName } from './helpers.ts';

const GOLDENS = join(ROOT, 'test', 'fixtures', 'trainer-configs');
const OWN = join(ROOT, 'test', 'trainers', 'configs');
const CHECKER = join(ROOT, 'scripts', 'trainers', 'check_config.py');

/** check_config.py's trainer argument for a config file, by its name; undefined: no parser checks it. */
function checkerFor(file: string): { checker: string; venv: VenvName } | undefined {
  const name = basename(file);
  if (!/\.(ya?ml|json)$/.test(name) || name.includes('dataset_info')) return undefined;
  const m = /^(trl|llamafactory-serve|llamafactory|axolotl)[-.]/.exec(name);
  if (!m) return undefined; // command-*.json: tunefile's own format, checked by its TypeScript tests
  return { checker: m[1]!, venv: m[1] === 'llamafactory-serve' ? 'llamafactory' : (m[1] as VenvName) };
}

function configFiles(): string[] {
  const dirs = [OWN, ...(existsSync(GOLDENS) ? [GOLDENS] : [])];
  return dirs.flatMap((dir) => readdirSync(dir).sort().map((name) => join(dir, name)));
}

/** A copy of the config with one key no trainer has. */
function withUnknownKey(file: string, dir: string): string {
  const text = readFileSync(file, 'utf8');
  const copy = join(dir, `${basename(file).replace(/(\.\w+)$/, '')}-unknown${file.match(/\.\w+$/)![0]}`);
  if (file.endsWith('.json')) writeFileSync(copy, JSON.stringify({ ...JSON.parse(text), tunefile_unknown_key: 1 }, null, 2));
  else writeFileSync(copy, stringify({ ...parse(text), tunefile_unknown_key: 1 }));
  return copy;
}

test('the rendered goldens are there to check', ({ skip }) => {
  if (!existsSync(GOLDENS)) skip(`${GOLDENS} is absent: only test/trainers/configs/ is checked (the formats' golden configs land later)`);
  expect(configFiles().filter((f) => f.startsWith(GOLDENS) && checkerFor(f)).length).toBeGreaterThan(0);
});

/** The files of each venv, by checker: one check_config.py process per venv (its imports are most of the time). */
const byVenv = new Map<VenvName, { checker: string; file: string }[]>();
for (const file of configFiles()) {
  const c = checkerFor(file);
  if (c) byVenv.set(c.venv, [...(byVenv.get(c.venv) ?? []), { checker: c.checker, file }]);
}

describe.concurrent.for([...byVenv.entries()])('check_config.py in the %s venv', ([venv, jobs]) => {
  test(`accepts ${jobs.map((j) => basename(j.file)).join(', ')} and rejects each with an unknown key`, async ({ skip }) => {
    if (venvBins()[venv] === undefined) skip(`no ${venv} venv: scripts/trainers/setup.sh could not make it`);
    const dir = tempDir(`tunefile-check-${venv}-`);
    const bad = jobs.map((j) => ({ checker: j.checker, file: withUnknownKey(j.file, dir) }));
    const args = [...jobs, ...bad].flatMap((j) => [j.checker, j.file]);
    const r = await capture(join(venvBin(venv), 'python'), [CHECKER, ...args], { env: trainerEnv(dir) });
    const verdicts = (text: string) => text.split('\n').filter((l) => l.startsWith('check_config: '));
    expect(r.code, r.stderr).toBe(1); // 1: some file was rejected (the copies), not 2 (usage) or a crash
    expect(verdicts(r.stdout)).toEqual(jobs.map((j) => `check_config: ${j.checker} accepts ${j.file}`));
    const rejected = verdicts(r.stderr);
    expect(rejected).toHaveLength(bad.length);
    bad.forEach((j, i) => {
      expect(rejected[i]!.startsWith(`check_config: ${j.checker} rejects ${j.file}`), rejected[i]).toBe(true);
      expect(rejected[i]).toContain('tunefile_unknown_key');
    });
  });
});
