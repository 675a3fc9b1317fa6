// Issue 14: a symbolic link inside the project cannot carry evaluate's report copies outside it; paths are compared
// as real paths (the deepest existing folder, links resolved), and a link that leads nowhere is named.
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.ts';
import { SMS_PIPELINE, makeSmsProject } from './sms.ts';
import { tempDir } from '../helpers/temp.ts';

/** The evaluate stage's error from a `run --json` report. */
const evaluateError = (run: Awaited<ReturnType<typeof runJson>>) => run.report.stages.find((s: { id: string }) => s.id === 'evaluate').error as string;

describe('report folders behind symbolic links', () => {
  it('refuses a report folder whose real path is outside the project, writes nothing there, and allows it with allow_outside', async () => {
    const outside = tempDir('tunefile-linked-outside-');
    const dir = makeSmsProject({ rows: 400 });
    // report: ../reports/sms-spam, where the project's `reports` folder is a link to a folder outside.
    symlinkSync(outside, join(dir, 'reports'), 'dir');
    const refused = await runJson([SMS_PIPELINE], { cwd: dir });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.status).toMatchObject({ train: 'ran', evaluate: 'failed' });
    expect(evaluateError(refused)).toContain('report folder ../reports/sms-spam is outside the project');
    expect(evaluateError(refused)).toContain(`through a symbolic link, to ${join(outside, 'sms-spam')}`);
    expect(readdirSync(outside)).toEqual([]);

    // The report folder itself a link (the deepest existing part of the path).
    mkdirSync(join(dir, 'out'));
    symlinkSync(outside, join(dir, 'out', 'report'), 'dir');
    const direct = await runJson([SMS_PIPELINE, '--set', 'evaluate.with.report=../out/report'], { cwd: dir });
    expect(direct.code).toBe(1);
    expect(evaluateError(direct)).toContain('report folder ../out/report is outside the project');
    expect(readdirSync(outside)).toEqual([]);

    // A link to nothing: where it would write is unknown, so it is named, in one clean line.
    symlinkSync(join(outside, 'missing', 'deeper'), join(dir, 'dangling'), 'dir');
    const plain = await runCli(['run', SMS_PIPELINE, '--set', 'evaluate.with.report=../dangling/report'], { cwd: dir });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`report folder ../dangling/report goes through ${join(dir, 'dangling')}, a symbolic link that leads nowhere`);
    expect(plain.stderr).not.toContain('This is a bug');
    expect(plain.stderr).not.toMatch(/^ {4}at /m);
    expect(existsSync(join(outside, 'missing'))).toBe(false);

    const allowed = await runJson([SMS_PIPELINE, '--set', 'allow_outside=true'], { cwd: dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(existsSync(join(outside, 'sms-spam', 'report.html'))).toBe(true);
  }, 120_000);
});
