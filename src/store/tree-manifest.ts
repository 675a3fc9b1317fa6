// A tree artifact's manifest: the canonical JSON list of its files (path, blob hash, size, executable bit). The
// manifest is itself a blob, and its hash names the tree, so the name follows the files' content and nothing else.
import { readFileSync } from 'node:fs';
import { canonicalJson } from './hash.ts';

/** One regular file of a tree. */
export interface TreeEntry {
  /** Relative POSIX path inside the folder ('tokenizer/vocab.json'): no '.', '..' or empty parts, no backslash. */
  path: string;
  /** sha256 of the file's bytes: the blob that holds them. */
  hash: string;
  bytes: number;
  /** Whether any execute bit was set. The blob is always 0444; a materialized executable file is a 0555 copy. */
  executable: boolean;
}

/** The manifest format's tag, in the manifest itself, so a later format can never be read as this one. */
export const TREE_FORMAT = 'tunefile-tree/1';

/** The exact bytes of a manifest: canonical JSON (sorted keys) with the entries sorted by path. */
export function formatManifest(entries: readonly TreeEntry[]): string {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return canonicalJson({ format: TREE_FORMAT, entries: sorted.map(({ path, hash, bytes, executable }) => ({ path, hash, bytes, executable })) });
}

/** Why `path` cannot name a file inside a tree (it would escape the folder, or not be portable), or undefined. */
export function unsafeTreePath(path: string): string | undefined {
  if (path === '' || path.startsWith('/')) return 'is not a relative path';
  if (path.includes('\\')) return 'holds a backslash, which is not portable';
  if (path.includes('\0')) return 'holds a NUL character';
  if (path.split('/').some((part) => part === '' || part === '.' || part === '..')) return 'has an empty, "." or ".." part, so it could escape the folder';
  return undefined;
}

/**
 * The entries of a manifest's text.
 * @throws Error when the text is not a manifest of this format (a damaged blob), naming what is wrong
 */
export function parseManifest(text: string): TreeEntry[] {
  const doc = JSON.parse(text) as { format?: unknown; entries?: unknown };
  if (doc === null || typeof doc !== 'object' || doc.format !== TREE_FORMAT || !Array.isArray(doc.entries)) throw new Error(`not a ${TREE_FORMAT} manifest`);
  const seen = new Set<string>();
  return doc.entries.map((raw: unknown) => {
    const e = raw as Partial<TreeEntry>;
    const ok = typeof e.path === 'string' && typeof e.hash === 'string' && /^[0-9a-f]{64}$/.test(e.hash)
      && Number.isSafeInteger(e.bytes) && e.bytes! >= 0 && typeof e.executable === 'boolean';
    if (!ok) throw new Error(`a manifest entry is malformed: ${JSON.stringify(raw)}`);
    const unsafe = unsafeTreePath(e.path!);
    if (unsafe !== undefined) throw new Error(`manifest path ${JSON.stringify(e.path)} ${unsafe}`);
    if (seen.has(e.path!)) throw new Error(`manifest path ${JSON.stringify(e.path)} appears twice`);
    seen.add(e.path!);
    return { path: e.path!, hash: e.hash!, bytes: e.bytes!, executable: e.executable! };
  });
}

/** The entries of the manifest in file `path`. @throws Error when it cannot be read or parsed */
export function readManifestFile(path: string): TreeEntry[] {
  return parseManifest(readFileSync(path, 'utf8'));
}

/** Total bytes of a tree's files: what a tree output records as its `bytes`. */
export function treeBytes(entries: readonly TreeEntry[]): number {
  return entries.reduce((sum, e) => sum + e.bytes, 0);
}
