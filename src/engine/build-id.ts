// The identity of the running tunefile's code, for caches that hold what that code computed (the loaded-pipeline
// cache): a hash of every module, never a hand-kept list of the ones that seem to matter, so no edit, new import or
// rebuild can leave an entry that another build reads.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The file the build writes next to the compiled code (`npm run build`, scripts/write-build-id.ts). */
export const BUILD_ID_FILE = 'build-id.json';

const OWN_FILE = fileURLToPath(import.meta.url);
/** src/ (the TypeScript sources, as the tests run them) or dist/ (the build). */
const CODE_ROOT = dirname(dirname(OWN_FILE));

let memo: string | undefined;

/**
 * The running code's identity, together with the installed copies of its runtime dependencies (an `npm update`
 * of yaml or ajv changes what the same code yields).
 *
 * From dist/ it is the id the build recorded in dist/build-id.json, used only when that file is at least as new
 * as this module: a compile run after the build (plain `tsc`) rewrites every module and makes it older, and
 * then, as from src/ (where no build writes one), the code tree is hashed on the spot (slower, never stale).
 */
export function getBuildId(): string {
  memo ??= sha256([readBuildId(CODE_ROOT) ?? hashCodeTree(CODE_ROOT), ...dependencyStamps(dirname(CODE_ROOT))].join('\n'));
  return memo;
}

/** `root`/build-id.json's id when it is at least as new as `module` (compiled with the rest of the tree), else undefined. */
export function readBuildId(root: string, module: string = OWN_FILE): string | undefined {
  const path = join(root, BUILD_ID_FILE);
  try {
    if (statSync(path).mtimeMs < statSync(module).mtimeMs) return undefined;
    const { id } = JSON.parse(readFileSync(path, 'utf8')) as { id?: unknown };
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined; // no build id (the sources, or a build by plain tsc): hash the tree instead
  }
}

/**
 * sha256 over the relative path and bytes of every module under `root`, in sorted order. Tests (`*.test.ts`),
 * declaration files and the build id itself are left out: they never run.
 */
export function hashCodeTree(root: string): string {
  const hash = createHash('sha256');
  for (const path of listModules(root)) hash.update(`${relative(root, path).split(sep).join('/')}\0`).update(readFileSync(path)).update('\0');
  return hash.digest('hex');
}

function listModules(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listModules(path));
    else if (entry.isFile() && entry.name !== BUILD_ID_FILE && !/\.test\.ts$|\.d\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** Size and mtime of each runtime dependency's package.json, as Node finds it from the package folder. */
function dependencyStamps(packageDir: string): string[] {
  let names: string[];
  try {
    names = Object.keys((JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { dependencies?: object }).dependencies ?? {}).sort();
  } catch {
    return []; // no readable package.json: the code's own hash still keys the entry
  }
  return names.map((name) => {
    const path = dependencyManifest(name, packageDir);
    try {
      const s = statSync(path);
      return `${name}:${s.size}:${s.mtimeMs}`;
    } catch {
      return `${name}:-`;
    }
  });
}

/** Where Node finds package `name` from `dir`: the first node_modules/<name>/package.json upward (require.resolve is slower). */
function dependencyManifest(name: string, dir: string): string {
  for (;;) {
    const path = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(path) || dirname(dir) === dir) return path;
    dir = dirname(dir);
  }
}

function sha256(data: string): string {
  return createHash('sha256').update(data).digest('hex');
}
