// File-path helpers shared by pipeline and config loading.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';

/** Config file names tunefile reads (cosmiconfig module `tunefile`), in the order they are tried. */
export const CONFIG_FILES = [
  'package.json',
  '.tunefilerc', '.tunefilerc.json', '.tunefilerc.yaml', '.tunefilerc.yml', '.tunefilerc.js',
  'tunefile.config.json', 'tunefile.config.yaml', 'tunefile.config.yml',
  'tunefile.config.js', 'tunefile.config.mjs', 'tunefile.config.cjs', 'tunefile.config.ts',
];

/** `file` relative to `cwd` when inside it (for messages), else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return file;
  return rel.split(sep).join('/');
}

/** True when `dir` holds a tunefile config file (a package.json counts only with a "tunefile" key). */
export function hasConfigFile(dir: string): boolean {
  return CONFIG_FILES.some((name) => {
    const path = join(dir, name);
    if (!existsSync(path)) return false;
    if (name !== 'package.json') return true;
    try {
      const pkg = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      return pkg !== null && typeof pkg === 'object' && Object.hasOwn(pkg, 'tunefile');
    } catch {
      return false; // an unreadable package.json is not a tunefile config; cosmiconfig reports it if it is read
    }
  });
}

/** Nearest folder from `startDir` upward holding a tunefile config file or `.git`; `startDir` when none. */
export function findProjectRoot(startDir: string): string {
  let dir = startDir;
  for (;;) {
    if (hasConfigFile(dir) || existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return startDir;
    dir = parent;
  }
}
