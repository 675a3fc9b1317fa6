// The human copies of the report (report.html, metrics.json, report.md) in the `report:` folder.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { TunefileError } from '../../errors.ts';
import { writeFileAtomic } from '../../store/atomic.ts';
import type { StageContext } from '../types.ts';

/** The report folder for `report: DIR` (relative to the pipeline file); outside the project only with allow_outside. */
export function resolveReportDir(ctx: Pick<StageContext, 'pipelineDir' | 'projectRoot' | 'address' | 'allowOutside'>, dir: string): string {
  const abs = resolve(ctx.pipelineDir, dir);
  const rel = relative(ctx.projectRoot, abs);
  const outside = rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
  if (outside && ctx.allowOutside !== true) {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: report folder ${dir} is outside the project (${ctx.projectRoot})`, {
      hint: 'use a folder inside the project, or set `allow_outside: true` at the top of the pipeline file',
    });
  }
  return abs;
}

/** The files of the report folder and their content. */
export interface ReportCopies {
  'report.html': string;
  'metrics.json': string;
  'report.md': string;
}

/** Writes each copy whose content differs (atomically); returns the names written. */
export function writeReportCopies(dir: string, copies: ReportCopies): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, content] of Object.entries(copies)) {
    const path = join(dir, name);
    if (existsSync(path) && readFileSync(path, 'utf8') === content) continue;
    writeFileAtomic(path, content);
    written.push(name);
  }
  return written;
}

/** True when every copy in the folder exists with the given HTML and metrics (the Markdown is checked for presence). */
export function hasReportCopies(dir: string, html: string, metrics: string): boolean {
  const same = (name: string, content: string) => existsSync(join(dir, name)) && readFileSync(join(dir, name), 'utf8') === content;
  return same('report.html', html) && same('metrics.json', metrics) && existsSync(join(dir, 'report.md'));
}

/** The default report title: the pipeline file's name without its extension. */
export function getDefaultTitle(pipelineFile: string): string {
  return `${basename(pipelineFile, extname(pipelineFile))}: evaluation`;
}
