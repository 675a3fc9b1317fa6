import { describe, expect, it } from 'vitest';
import { resolveReportDir } from './report-files.ts';

const ctx = (allowOutside: boolean) => ({ pipelineDir: '/p/pipelines', projectRoot: '/p', address: 'pipelines/x.yaml:evaluate', allowOutside });

describe('resolveReportDir', () => {
  it('resolves report folders relative to the pipeline file inside the project', () => {
    expect(resolveReportDir(ctx(false), '../reports/x')).toBe('/p/reports/x');
    expect(resolveReportDir(ctx(false), '..reports')).toBe('/p/pipelines/..reports');
  });
  it('refuses a folder outside the project unless the pipeline opts in with allow_outside', () => {
    expect(() => resolveReportDir(ctx(false), '../../elsewhere')).toThrow(/outside the project/);
    expect(() => resolveReportDir(ctx(false), '/tmp/x')).toThrow(/outside the project/);
    expect(resolveReportDir(ctx(true), '../../elsewhere')).toBe('/elsewhere');
  });
});
