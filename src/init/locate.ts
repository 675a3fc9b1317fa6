// Where tunefile is, seen from a new project: the schema path an editor can resolve, and the command that runs it there.
import { accessSync, constants, existsSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join, relative, sep } from 'node:path';
import { quoteArg } from '../shared/shell-word.ts';

/** How a project reaches tunefile, for `init`'s `$schema` lines and its `next:` line. */
export interface TunefileLocation {
  /** The tunefile package folder the project resolves (node_modules/tunefile above it, or the clone that holds it). */
  packageDir: string | undefined;
  /** The command that runs tunefile in the project: `npx tunefile`, `tunefile`, or `node <this CLI>`. */
  command: string;
  /** True when `command` only works on this machine (tunefile is not installed where npx or PATH finds it). */
  machineSpecific: boolean;
}

/** Where editors find a schema when tunefile is not reachable yet: a devDependency's copy, the documented layout. */
export const DEFAULT_SCHEMA_DIR = './node_modules/tunefile/schemas';

/**
 * Locates tunefile for a project in `dir` (which may not exist yet). `packageRoot` is the running tunefile's package
 * folder and `cliPath` its CLI entry point; `pathEnv` is $PATH.
 */
export function locateTunefile(dir: string, o: { packageRoot: string; cliPath: string; pathEnv: string | undefined }): TunefileLocation {
  const packageDir = findPackageDir(dir, o.packageRoot);
  if (npxFinds(dir, o.packageRoot)) return { packageDir, command: 'npx tunefile', machineSpecific: false };
  if (isOnPath(o.pathEnv, o.packageRoot)) return { packageDir, command: 'tunefile', machineSpecific: false };
  return { packageDir, command: `node ${quoteArg(o.cliPath)}`, machineSpecific: true };
}

/** The `$schema` reference for `file` as written in `dir`: relative to the reachable package, else the default layout. */
export function getSchemaRef(dir: string, packageDir: string | undefined, file: 'pipeline' | 'config'): string {
  if (packageDir === undefined) return `${DEFAULT_SCHEMA_DIR}/${file}.schema.json`;
  const rel = relative(dir, join(packageDir, 'schemas', `${file}.schema.json`)).split(sep).join('/');
  return rel.startsWith('../') ? rel : `./${rel}`;
}

/** node_modules/tunefile in `dir` or a folder above it (as Node resolves packages), or the tunefile clone that holds `dir`. */
function findPackageDir(dir: string, packageRoot: string): string | undefined {
  const root = realOrSelf(packageRoot);
  for (let d = dir; ; d = dirname(d)) {
    const installed = join(d, 'node_modules', 'tunefile');
    if (existsSync(join(installed, 'package.json'))) return installed;
    if (realOrSelf(d) === root) return d;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * What `npx tunefile` does in `dir`: npm looks in its local prefix (the nearest folder, from `dir` up, with a
 * package.json or node_modules), at node_modules/.bin and at that package's own bin; anything else goes to the
 * registry, where `tunefile` is somebody else's package.
 */
function npxFinds(dir: string, packageRoot: string): boolean {
  let prefix: string | undefined;
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json')) || existsSync(join(d, 'node_modules'))) {
      prefix = d;
      break;
    }
    if (dirname(d) === d) return false;
  }
  if (existsSync(join(prefix, 'node_modules', '.bin', 'tunefile'))) return true;
  return realOrSelf(prefix) === realOrSelf(packageRoot) && readName(join(prefix, 'package.json')) === 'tunefile';
}

/** True when a `tunefile` on $PATH is this installation (a global install, or a link to it). */
function isOnPath(pathEnv: string | undefined, packageRoot: string): boolean {
  const root = realOrSelf(packageRoot);
  for (const folder of (pathEnv ?? '').split(delimiter).filter(Boolean)) {
    const bin = join(folder, 'tunefile');
    try {
      accessSync(bin, constants.X_OK);
      if (realpathSync(bin).startsWith(root + sep)) return true;
    } catch {
      // Not here (or not executable): the next PATH folder may have it.
    }
  }
  return false;
}

function readName(packageJson: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(packageJson, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined; // no package.json, or not JSON: not tunefile's own
  }
}

/** The real path when it exists (symlinked temp folders, npm links), else the path as given. */
function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path; // does not exist yet: nothing to resolve
  }
}
