// Issue 14, the CLI's JSON documents: one document of one shape on stdout in every case (ok, a failed stage, an
// invalid pipeline, a held lock, a missing lock file), each validated against its published schema in schemas/.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, makeProject, runCli, type CliResult } from '../helpers/cli.ts';
import { SMS_PIPELINE, makeSmsProject } from '../reliability/sms.ts';

const schema = (name: string) => JSON.parse(readFileSync(join(REPO, 'schemas', name), 'utf8'));
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
ajv.addSchema(schema('cli-error.schema.json'));
const validators = {
  run: ajv.compile(schema('run-report.schema.json')),
  plan: ajv.compile(schema('run-plan.schema.json')),
  status: ajv.compile(schema('status.schema.json')),
  metrics: ajv.compile(schema('metrics.schema.json')),
};

/** The one JSON document on stdout, checked against its schema. */
function documentOf(kind: keyof typeof validators, result: CliResult): any {
  let doc: unknown;
  try {
    doc = JSON.parse(result.stdout);
  } catch {
    throw new Error(`not one JSON document on stdout (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  const validate = validators[kind];
  expect(validate(doc), `${kind}: ${JSON.stringify(validate.errors, null, 2)}\n${result.stdout}`).toBe(true);
  return doc;
}

const FAILING = `version: 1
stages:
  gen:
    uses: command
    with: { run: [node, -e, "require('fs').writeFileSync(process.argv[1], 'x')", "{out.data}"], outputs: [data] }
  broken:
    uses: command
    needs: [gen]
    with: { run: [node, -e, "process.exit(3)"], outputs: [out] }
  after:
    uses: command
    needs: [broken]
    with: { run: [node, -e, "0"], outputs: [] }
`;

describe('JSON documents (issue 14)', () => {
  it('the published schemas compile in ajv strict mode', () => {
    expect(Object.keys(validators)).toHaveLength(4);
  });

  describe('a full run with evaluate (SMS spam, 300 rows, local provider)', () => {
    let dir: string;
    let run: CliResult;
    beforeAll(async () => {
      dir = makeSmsProject({ rows: 300 });
      run = await runCli(['run', SMS_PIPELINE, '--json'], { cwd: dir });
    }, 180_000);

    it('run --json: counts and the evaluate metrics, as in the lock file', () => {
      expect(run.code, run.stderr).toBe(0);
      const doc = documentOf('run', run);
      expect(doc).toMatchObject({ ok: true, error: null, counts: { ran: 8, cached: 0, failed: 0, skipped: 0 } });
      const lock = JSON.parse(readFileSync(join(dir, 'pipelines', 'sms-spam.lock'), 'utf8'));
      expect(doc.metrics).toEqual({ evaluate: lock.stages.evaluate.metrics });
      expect(doc.metrics.evaluate.accuracy).toBeGreaterThan(0.5);
    });

    it('a cached rerun still reports the metrics; status and metrics --json match their schemas', async () => {
      const again = documentOf('run', await runCli(['run', SMS_PIPELINE, '--json'], { cwd: dir }));
      expect(again.counts).toEqual({ ran: 0, cached: 8, failed: 0, skipped: 0 });
      expect(again.metrics.evaluate.accuracy).toBeGreaterThan(0.5);
      const status = documentOf('status', await runCli(['status', SMS_PIPELINE, '--json'], { cwd: dir }));
      expect(status).toMatchObject({ ok: true, pipeline: SMS_PIPELINE, error: null });
      expect(status.stages.every((s: { state: string }) => s.state === 'up-to-date')).toBe(true);
      const metrics = documentOf('metrics', await runCli(['metrics', SMS_PIPELINE, '--json'], { cwd: dir }));
      expect(metrics).toMatchObject({ ok: true, lock: 'pipelines/sms-spam.lock', metrics: again.metrics, error: null });
      documentOf('plan', await runCli(['run', SMS_PIPELINE, '--dry-run', '--json'], { cwd: dir }));
    });
  });

  it('run --json with a failed stage: its error, a skipped dependent and the counts', async () => {
    const dir = makeProject({ 'pipeline.yaml': FAILING });
    const result = await runCli(['run', '--json'], { cwd: dir });
    expect(result.code).toBe(1);
    const doc = documentOf('run', result);
    expect(doc).toMatchObject({ ok: false, error: null, metrics: {}, counts: { ran: 1, cached: 0, failed: 1, skipped: 1 } });
    expect(doc.stages.map((s: { status: string }) => s.status)).toEqual(['ran', 'failed', 'skipped']);
  });

  it('an invalid pipeline: run, run --dry-run and status print one document with ok false and the error (exit 2)', async () => {
    const dir = makeProject({ 'pipeline.yaml': FAILING.replace('version: 1', 'version: 2') });
    for (const [kind, args] of [['run', ['run', '--json']], ['plan', ['run', '--dry-run', '--json']], ['status', ['status', '--json']]] as const) {
      const result = await runCli([...args], { cwd: dir });
      expect(result.code, result.stderr).toBe(2);
      const doc = documentOf(kind, result);
      expect(doc).toMatchObject({ ok: false, pipeline: null, stages: [], error: { code: 'TUNEFILE_INVALID_PIPELINE', message: 'pipeline.yaml: 1 error' } });
      expect(doc.error.details.join('\n')).toContain('pipeline.yaml:1:10 version: must be 1 (got 2)');
      expect(result.stderr).toContain('error: pipeline.yaml: 1 error');
    }
    const missing = await runCli(['run', 'nope.yaml', '--json'], { cwd: dir });
    expect(documentOf('run', missing).error.code).toMatch(/^TUNEFILE_/);
  });

  it('run --json --no-wait while another run holds the lock: ok false, TUNEFILE_LOCKED (exit 1)', async () => {
    const dir = makeProject({ 'pipeline.yaml': FAILING });
    mkdirSync(join(dir, '.tunefile'));
    writeFileSync(join(dir, '.tunefile', 'run.lock'), JSON.stringify({ pid: 4242, host: 'build-agent-7', since: '2026-01-01T00:00:00.000Z' }));
    const result = await runCli(['run', '--json', '--no-wait'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(documentOf('run', result)).toMatchObject({ ok: false, pipeline: null, error: { code: 'TUNEFILE_LOCKED' } });
  });

  it('metrics --json: a missing lock file and an unknown revision are documents too; --diff rounds the change', async () => {
    const lock = (accuracy: number, n: number) => JSON.stringify({ version: 1, pipeline: 'p', stages: { evaluate: { metrics: { accuracy, n } } } });
    const dir = makeProject({ 'pipeline.yaml': FAILING, 'pipeline.lock': lock(0.875, 1115) });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: dir });
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, '.git'), { recursive: true });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'first');
    writeFileSync(join(dir, 'pipeline.lock'), lock(0.8, 1034));

    const diff = documentOf('metrics', await runCli(['metrics', '--diff', 'HEAD', '--json'], { cwd: dir }));
    expect(diff).toEqual({ ok: true, lock: 'pipeline.lock', rev: 'HEAD', diff: { evaluate: { accuracy: { old: 0.875, new: 0.8, change: -0.075 }, n: { old: 1115, new: 1034, change: -81 } } }, error: null });
    const badRev = await runCli(['metrics', '--diff=no-such-rev', '--json'], { cwd: dir });
    expect(badRev.code).toBe(2);
    expect(documentOf('metrics', badRev)).toMatchObject({ ok: false, rev: 'no-such-rev', diff: null, error: { code: expect.stringMatching(/^TUNEFILE_/) } });
    rmSync(join(dir, 'pipeline.lock'));
    const missing = await runCli(['metrics', '--json'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(documentOf('metrics', missing)).toMatchObject({ ok: false, lock: null, metrics: null, error: { message: 'pipeline.lock does not exist' } });
  });
});
