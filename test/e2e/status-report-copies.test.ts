// Issue 14, first-time user: deleting or editing the copies in evaluate's `report:` folder makes `status` say that
// a run restores them (StageDef.restoreWork), instead of "up-to-date"; the run restores them without rerunning.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runJson } from '../helpers/cli.ts';
import { SMS_PIPELINE, makeSmsProject } from '../reliability/sms.ts';

interface StatusStage {
  id: string;
  state: string;
  reasons: string[];
}

async function status(dir: string): Promise<StatusStage[]> {
  const result = await runCli(['status', SMS_PIPELINE, '--json'], { cwd: dir });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).stages as StatusStage[];
}

describe('status and the report folder (issue 14)', () => {
  it('says the report copies will be restored when they are missing or edited, and run restores them from the cache', async () => {
    const dir = makeSmsProject({ rows: 400 });
    const first = await runJson([SMS_PIPELINE], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const reports = join(dir, 'reports', 'sms-spam');
    expect((await status(dir)).every((s) => s.state === 'up-to-date')).toBe(true);

    rmSync(join(reports, 'report.html'));
    rmSync(join(reports, 'report.md'));
    const missing = await status(dir);
    const evaluate = missing.find((s) => s.id === 'evaluate')!;
    expect(evaluate.state).toBe('stale');
    expect(evaluate.reasons).toEqual(['report copies in reports/sms-spam missing (report.html, report.md): run restores them']);
    expect(missing.filter((s) => s.id !== 'evaluate').every((s) => s.state === 'up-to-date')).toBe(true);
    const plain = await runCli(['status', SMS_PIPELINE], { cwd: dir });
    expect(plain.stdout).toMatch(/evaluate\s+stale\n\s+report copies in reports\/sms-spam missing \(report\.html, report\.md\): run restores them/);
    const dry = await runCli(['run', SMS_PIPELINE, '--dry-run'], { cwd: dir });
    expect(dry.stdout).toMatch(/evaluate\s+would restore from cache: report copies in reports\/sms-spam missing/);

    const restore = await runJson([SMS_PIPELINE], { cwd: dir });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.status.evaluate).toBe('cached');
    expect(readFileSync(join(reports, 'report.html'), 'utf8')).toContain('<html');
    expect((await status(dir)).every((s) => s.state === 'up-to-date')).toBe(true);

    writeFileSync(join(reports, 'metrics.json'), readFileSync(join(reports, 'metrics.json'), 'utf8').replace(/\d/, (d) => (d === '9' ? '8' : '9')));
    const edited = (await status(dir)).find((s) => s.id === 'evaluate')!;
    expect(edited.state).toBe('stale');
    expect(edited.reasons).toEqual(['report copies in reports/sms-spam different from the cached report (metrics.json): run restores them']);
  }, 120_000);
});
