// e2e (issue 14): the report a first run writes is titled with the pipeline's `name`, the run names its folder the
// way every other path in the output is named (from the project root, not from the pipeline file), and its training
// charts mark the job's epochs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { SMS_PIPELINE, makeSmsProject } from '../reliability/sms.ts';

describe('the evaluation report of pipelines/sms-spam.yaml', () => {
  it("is titled '<name>: evaluation', is announced as reports/..., and marks epoch boundaries", async () => {
    const dir = makeSmsProject({ rows: 400, edits: [['name: sms-spam', 'name: spam-filter']] });
    const run = await runCli(['run', SMS_PIPELINE], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    // The pipeline says `report: ../reports/sms-spam`; from the project root, where the command runs, that is reports/sms-spam.
    expect(run.stdout + run.stderr).toMatch(/^evaluate: ran .*; report in reports\/sms-spam$/m);
    expect(run.stdout + run.stderr).not.toContain('report in ../');
    const html = readFileSync(join(dir, 'reports', 'sms-spam', 'report.html'), 'utf8');
    expect(html).toContain('<title>spam-filter: evaluation</title>');
    expect(html).toContain('<h1>spam-filter: evaluation</h1>');
    expect(readFileSync(join(dir, 'reports', 'sms-spam', 'report.md'), 'utf8')).toContain('spam-filter: evaluation');
    // n_epochs: 4 in the pipeline: three boundaries, on both training charts.
    for (const epoch of ['epoch 2', 'epoch 3', 'epoch 4']) expect(html.split(`>${epoch}</text>`)).toHaveLength(3);
    expect(html).toContain('Dashed lines mark where each of the 4 epochs starts.');
  }, 120_000);
});
