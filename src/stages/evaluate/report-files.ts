// The human copies of the report (report.html, metrics.json, report.md) in the `report:` folder.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
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

/**
 * Checks, before anything is paid for, that the report folder `dir` (shown as `shown`) can be written: it, or the
 * nearest folder above it that exists, is a writable folder.
 * @throws TunefileError naming the stage and the path in the way.
 */
export function checkReportDir(address: string, dir: string, shown: string): void {
  let existing = dir;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const where = existing === dir ? '' : ` (at ${existing})`;
  if (!statSync(existing).isDirectory()) {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: report folder ${shown} cannot be created: ${existing} is a file`, { hint: 'move the file, or choose another report folder' });
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch (error) {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: report folder ${shown} is not writable${where}`, { cause: error, hint: 'fix its permissions, or choose another report folder' });
  }
  const blocked = REPORT_FILES.find((name) => existing === dir && existsSync(join(dir, name)) && statSync(join(dir, name)).isDirectory());
  if (blocked) {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: report folder ${shown} holds a folder named ${blocked}, where the report's copy goes`, { hint: 'move that folder, or choose another report folder' });
  }
}

const REPORT_FILES = ['report.html', 'metrics.json', 'report.md'] as const;

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
