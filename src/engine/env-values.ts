// Values taken from the environment (`${env.NAME}`) enter keys and lock files as a salted hash, never as plain text.
import { createHmac, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalJson } from '../store/hash.ts';
import type { PipelineStage } from '../pipeline/types.ts';

/** The project's salt file, beside state.db. Deleting .tunefile/ makes a new one (and local stages that read env rerun). */
export const SALT_FILE = 'env-salt';

const salts = new Map<string, Buffer>();

/**
 * The project's secret salt (32 random bytes in `.tunefile/env-salt`, mode 0600), made on first use. Two runs that
 * make it at once agree: each links its own complete file into place, and the one that loses reads the winner's.
 */
export function projectSalt(storeDir: string): Buffer {
  const path = join(storeDir, SALT_FILE);
  const known = salts.get(path);
  if (known) return known;
  let salt: Buffer;
  try {
    salt = readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true });
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, randomBytes(32), { mode: 0o600 });
    try {
      linkSync(temp, path);
    } catch (linkError) {
      if ((linkError as NodeJS.ErrnoException).code !== 'EEXIST') throw linkError;
    } finally {
      rmSync(temp, { force: true });
    }
    salt = readFileSync(path);
  }
  salts.set(path, salt);
  return salt;
}

/** What a value from the environment becomes in a key: `hmac-sha256:<24 hex> (<text as written>)`. */
export function envValueDigest(salt: Buffer, value: unknown, template: string): string {
  const mac = createHmac('sha256', salt).update(canonicalJson(value)).digest('hex').slice(0, 24);
  // The digest comes first: reasons shorten long values, and the part that differs must survive.
  return `hmac-sha256:${mac} (${template})`;
}

/**
 * `params` with every value the stage took from the environment replaced by its digest. The salt is read only
 * when there is such a value. `params` itself is not changed: the stage still runs with the real values.
 */
export function keyedParams(params: Record<string, unknown>, envValues: PipelineStage['envValues'], salt: () => Buffer): Record<string, unknown> {
  if (!envValues || envValues.length === 0) return params;
  const copy = structuredClone(params);
  for (const { path, template } of envValues) {
    let node: unknown = copy;
    for (const segment of path.slice(0, -1)) node = node === null || typeof node !== 'object' ? undefined : (node as Record<string | number, unknown>)[segment];
    const last = path[path.length - 1];
    if (node === null || typeof node !== 'object' || last === undefined || !(last in node)) continue;
    const holder = node as Record<string | number, unknown>;
    holder[last] = envValueDigest(salt(), holder[last], template);
  }
  return copy;
}
