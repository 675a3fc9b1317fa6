// The report folder: resolved inside the project, and checked writable before evaluate asks the model anything.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReportDir, resolveReportDir } from './report-files.ts';

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

describe('checkReportDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'tunefile-report-dir-'));

  it('accepts a folder that exists or can be created', () => {
    expect(() => checkReportDir('x.yaml:evaluate', root, 'reports')).not.toThrow();
    expect(() => checkReportDir('x.yaml:evaluate', join(root, 'a', 'b'), 'a/b')).not.toThrow();
  });

  it('refuses a path under a file, or a folder where a copy goes, before anything is asked of the model', () => {
    writeFileSync(join(root, 'taken'), 'a file');
    expect(() => checkReportDir('x.yaml:evaluate', join(root, 'taken', 'reports'), 'taken/reports')).toThrow(`x.yaml:evaluate: report folder taken/reports cannot be created: ${join(root, 'taken')} is a file`);
    mkdirSync(join(root, 'r', 'metrics.json'), { recursive: true });
    expect(() => checkReportDir('x.yaml:evaluate', join(root, 'r'), 'r')).toThrow(/holds a folder named metrics\.json/);
  });
});
