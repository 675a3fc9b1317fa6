// `tunefile init`: scaffold a runnable project (pipeline, config, sample data, .gitignore) without overwriting anything.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TunefileError } from '../errors.ts';
import { getSchemaRef } from './locate.ts';
import { GITIGNORE_LINES, renderConfig, renderDataReadme, renderPipeline } from './templates.ts';

/**
 * The sample data init copies, shipped in the package's assets/ folder (see its README for source and licence).
 * This module sits two folders below the package root both as src/init/*.ts and as dist/init/*.js.
 */
const SAMPLE_FILE = new URL('../../assets/sample/sms-spam-sample.tsv', import.meta.url);

/** What scaffoldProject did. */
export interface ScaffoldResult {
  /** Absolute project folder. */
  dir: string;
  /** Files created, relative to `dir`, in creation order. */
  created: string[];
  /** What happened to .gitignore. */
  gitignore: 'created' | 'appended' | 'unchanged';
}

/**
 * The files init writes, relative path -> content. `packageDir` is the tunefile package the project reaches
 * (locateTunefile); the `$schema` lines point into it, else to where a devDependency's copy will be.
 */
export function renderProjectFiles(dir: string, packageDir?: string): Record<string, string> {
  const sample = readFileSync(SAMPLE_FILE, 'utf8');
  const rows = sample.split('\n').slice(1).filter((line) => line !== '');
  return {
    'pipeline.yaml': renderPipeline(getSchemaRef(dir, packageDir, 'pipeline')),
    'tunefile.config.json': renderConfig(getSchemaRef(dir, packageDir, 'config')),
    'data/sms-spam-sample.tsv': sample,
    'data/README.md': renderDataReadme(rows.length, rows.filter((r) => r.startsWith('spam\t')).length),
  };
}

/**
 * Writes the project into `dir` (created if missing).
 * @throws TunefileError TUNEFILE_USAGE, before writing anything, when any of the files already exists.
 */
export function scaffoldProject(dir: string, packageDir?: string): ScaffoldResult {
  const files = renderProjectFiles(dir, packageDir);
  const existing = Object.keys(files).filter((name) => existsSync(join(dir, name)));
  if (existing.length > 0) {
    throw new TunefileError('TUNEFILE_USAGE', `tunefile init: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''} in ${dir}; nothing was written`, {
      hint: 'choose an empty folder (tunefile init DIR), or move those files away first',
    });
  }
  const created: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { flag: 'wx' });
    created.push(name);
  }
  return { dir, created, gitignore: ensureGitignore(join(dir, '.gitignore')) };
}

/** Adds the missing GITIGNORE_LINES to a .gitignore, creating it if needed. */
function ensureGitignore(path: string): ScaffoldResult['gitignore'] {
  if (!existsSync(path)) {
    writeFileSync(path, `# tunefile's cache, state and local provider (never committed)\n${GITIGNORE_LINES.join('\n')}\n`);
    return 'created';
  }
  const text = readFileSync(path, 'utf8');
  const have = new Set(text.split(/\r?\n/).map((l) => l.trim()));
  const missing = GITIGNORE_LINES.filter((l) => !have.has(l) && !have.has(l.replace(/\/$/, '')) && !have.has(`/${l}`));
  if (missing.length === 0) return 'unchanged';
  appendFileSync(path, `${text === '' || text.endsWith('\n') ? '' : '\n'}# tunefile\n${missing.join('\n')}\n`);
  return 'appended';
}
