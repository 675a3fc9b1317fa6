// Finds `run:` arguments that name a project file left out of `deps:`: editing it would not rerun the stage.
import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** The path an argument may name: the whole argument, or the value of `--opt=VALUE`. */
function candidates(arg: string): string[] {
  const eq = /^--?[A-Za-z0-9][\w-]*=(.+)$/.exec(arg);
  return eq ? [arg, eq[1]!] : [arg];
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch (error) {
    // Most arguments are not paths at all (flags, numbers); ENAMETOOLONG and ENOTDIR say the same.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'EACCES') return false;
    throw error;
  }
}

/**
 * Project-relative paths of the files that `run` arguments (resolved against the pipeline's folder) name inside
 * the project, outside `.tunefile/`, and that `deps` (absolute paths) does not list. Arguments holding {in.X} or
 * {out.X} are artifact paths and are skipped.
 */
export function undeclaredFiles(run: string[], deps: string[], pipelineDir: string, projectRoot: string): string[] {
  const declared = new Set(deps);
  const found = new Set<string>();
  for (const arg of run) {
    if (arg === '' || /\{(in|out)\.[A-Za-z0-9_-]+\}/.test(arg)) continue;
    for (const candidate of candidates(arg)) {
      const abs = resolve(pipelineDir, candidate);
      const rel = relative(projectRoot, abs);
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep)[0] === '.tunefile' || rel.split(sep)[0] === '.git') continue;
      if (declared.has(abs) || !isFile(abs)) continue;
      found.add(rel.split(sep).join('/'));
    }
  }
  return [...found];
}
