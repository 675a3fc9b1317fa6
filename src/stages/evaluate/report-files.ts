// The human copies of the report (report.html, metrics.json, report.md) in the `report:` folder.
import { accessSync, constants, existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { TunefileError } from '../../errors.ts';
import { writeFileAtomic } from '../../shared/atomic-write.ts';
import type { StageContext } from '../types.ts';

/**
 * The report folder for `report: DIR` (relative to the pipeline file); outside the project only with allow_outside.
 * Real paths are compared, so a symbolic link inside the project (`reports -> /elsewhere`) cannot lead the copies out.
 * @throws TunefileError naming the stage and the folder.
 */
export function resolveReportDir(ctx: Pick<StageContext, 'pipelineDir' | 'projectRoot' | 'address' | 'allowOutside'>, dir: string): string {
  const abs = resolve(ctx.pipelineDir, dir);
  if (ctx.allowOutside === true) return abs;
  const real = realPathOf(abs, ctx.address, dir);
  const root = realPathOf(ctx.projectRoot, ctx.address, dir);
  if (isOutside(root, real)) {
    const via = isOutside(ctx.projectRoot, abs) ? '' : ` (through a symbolic link, to ${real})`;
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${ctx.address}: report folder ${dir} is outside the project (${ctx.projectRoot})${via}`, {
      hint: 'use a folder inside the project, or set `allow_outside: true` at the top of the pipeline file',
    });
  }
  return abs;
}

/** True when `path` is not `root` or below it. */
function isOutside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/** The real path of `abs`: the deepest part of it that exists, with every link resolved, plus the rest as written. */
function realPathOf(abs: string, address: string, shown: string): string {
  let existing = abs;
  const rest: string[] = [];
  while (!exists(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  try {
    return join(realpathSync(existing), ...rest);
  } catch (error) {
    // lstat found it but it cannot be followed: a link to nothing (or a loop); where it would write is unknown.
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: report folder ${shown} goes through ${existing}, a symbolic link that leads nowhere`, {
      cause: error, hint: 'remove or fix the link, or choose another report folder',
    });
  }
}

/**
 * lstat, not stat: a dangling link exists (and must not be walked past as if it were missing). Any other failure
 * (ENOENT, ENOTDIR under a file, EACCES) means the walk goes up; checkReportDir then names what is in the way.
 */
function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false; // see above: not there (or not visible), so the walk goes up
  }
}

/** How the evaluate summary names the report folder: relative to the project root, like every path a run prints. */
export function displayReportDir(projectRoot: string, abs: string): string {
  const rel = relative(projectRoot, abs);
  return rel === '' ? '.' : isOutside(projectRoot, abs) ? abs : rel.split(sep).join('/');
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

/** The default report title: the pipeline's `name`. */
export function getDefaultTitle(pipelineName: string): string {
  return `${pipelineName}: evaluation`;
}
