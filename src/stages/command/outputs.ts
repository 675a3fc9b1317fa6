// Checks what the program left at each {out.NAME} path, and makes it a private regular file (or a folder) the cache
// may take.
import { copyFileSync, lstatSync, renameSync, statSync } from 'node:fs';
import { TunefileError } from '../../errors.ts';

/** Output names the stage declares: `outputs:` plus every {out.NAME} in `run:`. */
export function outputNames(params: { outputs: string[]; run: string[] }): string[] {
  const names = new Set(params.outputs);
  for (const arg of params.run) for (const m of arg.matchAll(/\{out\.([A-Za-z0-9_-]+)\}/g)) names.add(m[1]!);
  return [...names];
}

/**
 * Makes every output a regular file with one link, or a folder, or fails naming it. The cache moves outputs in and
 * makes them read-only: a symlink or a hard link would have it chmod the user's file (perhaps outside the project)
 * and keep a blob that changes whenever that file does. Such outputs are replaced by a copy of their bytes; the
 * linked file is left as it was. A folder is cached as a tree, whose ingest copies hard-linked files and refuses
 * links inside it (src/store/tree-ingest.ts); a link to a folder, sockets and the like are refused.
 */
export function settleOutputs(address: string, names: string[], pathOf: (name: string) => string): void {
  const missing = names.filter((n) => lstatOrUndefined(pathOf(n)) === undefined);
  if (missing.length > 0) {
    throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: the program exited 0 but did not write output ${missing.map((m) => `'${m}'`).join(', ')}`, {
      hint: 'write each declared output to the path given by {out.NAME}',
    });
  }
  for (const name of names) {
    const path = pathOf(name);
    const link = lstatSync(path);
    const target = link.isSymbolicLink() ? statOrUndefined(path) : link;
    if (target === undefined) {
      throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: output '${name}' is a symbolic link to a file that does not exist`, {
        hint: 'write the output file itself to {out.' + name + '} (a link is not followed into the cache)',
      });
    }
    if (target.isDirectory()) {
      if (!link.isSymbolicLink()) continue; // a folder output: the engine caches it as a tree
      throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: output '${name}' is a symbolic link to a folder; a link is not followed into the cache`, {
        hint: `write the folder itself at {out.${name}} (or copy it there: cp -r SRC {out.${name}})`,
      });
    }
    if (!target.isFile()) {
      throw new TunefileError('TUNEFILE_STAGE_FAILED', `${address}: output '${name}' is not a regular file (a socket, pipe or device)`, {
        hint: `write a regular file to {out.${name}}`,
      });
    }
    if (link.isSymbolicLink() || link.nlink > 1) copyInPlace(path);
  }
}

/** Replaces a link with a private copy of the bytes it points to (copy beside it, then rename over it). */
function copyInPlace(path: string): void {
  const copy = `${path}.copy`;
  copyFileSync(path, copy);
  renameSync(copy, path);
}

function lstatOrUndefined(path: string) {
  try {
    return lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function statOrUndefined(path: string) {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    throw error;
  }
}
