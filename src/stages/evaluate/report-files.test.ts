// The report folder: resolved inside the project, and checked writable before evaluate asks the model anything.
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkReportDir, displayReportDir, resolveReportDir } from './report-files.ts';
import { tempDir } from '../../../test/helpers/temp.ts';

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

describe('resolveReportDir with symbolic links', () => {
  it('compares real paths: a link inside the project that leads out is outside, one that stays in is inside', () => {
    const project = realpathSync(tempDir('tunefile-report-links-'));
    const outside = realpathSync(tempDir('tunefile-report-out-'));
    mkdirSync(join(project, 'pipelines'));
    mkdirSync(join(project, 'real-reports'));
    symlinkSync(outside, join(project, 'out'));
    symlinkSync(join(project, 'real-reports'), join(project, 'in'));
    symlinkSync(join(outside, 'gone'), join(project, 'dangling'));
    const c = { pipelineDir: join(project, 'pipelines'), projectRoot: project, address: 'pipelines/x.yaml:evaluate', allowOutside: false };
    expect(() => resolveReportDir(c, '../out/x')).toThrow(`report folder ../out/x is outside the project (${project}) (through a symbolic link, to ${join(outside, 'x')})`);
    expect(resolveReportDir(c, '../in/x')).toBe(join(project, 'in', 'x'));
    expect(() => resolveReportDir(c, '../dangling/x')).toThrow(`goes through ${join(project, 'dangling')}, a symbolic link that leads nowhere`);
    expect(resolveReportDir({ ...c, allowOutside: true }, '../out/x')).toBe(join(project, 'out', 'x'));
  });

  it('names the folder from the project root in summaries', () => {
    expect(displayReportDir('/p', '/p/reports/x')).toBe('reports/x');
    expect(displayReportDir('/p', '/elsewhere/x')).toBe('/elsewhere/x');
  });
});

describe('checkReportDir', () => {
  const root = tempDir('tunefile-report-dir-');

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
