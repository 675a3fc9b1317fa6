// The trainer provider's "files": upload keeps each split's bytes under .tunefile/trainer/files/, named by content,
// so upload, its reuse check and train's verified adoption work as they do against a hosted provider.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../shared/atomic-write.ts';
import type { ProviderFiles, RemoteFile } from '../types.ts';

/** A file record: what retrieve() answers. */
interface FileRecord extends RemoteFile {
  created_at: number;
}

/** An error with the status the stages test for a missing file (isNotFound). */
export function notFound(what: string): Error {
  return Object.assign(new Error(`${what} not found`), { status: 404 });
}

/** Files in `dir`: `<id>.jsonl` and `<id>.json` (the record). Ids are `file-` + 24 hex of the bytes' sha256. */
export function trainerFiles(dir: string, now: () => number): ProviderFiles & { pathOf(id: string): string } {
  const record = (id: string): FileRecord => {
    if (!/^file-[0-9a-f]{24}$/.test(id)) throw notFound(`file ${id}`);
    try {
      return JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as FileRecord;
    } catch {
      throw notFound(`file ${id}`);
    }
  };
  const pathOf = (id: string): string => {
    record(id);
    return join(dir, `${id}.jsonl`);
  };
  return {
    pathOf,
    retrieve: async (id) => {
      const { id: i, filename, bytes, status } = record(id);
      return { id: i, filename, bytes, status };
    },
    async *list() {
      if (!existsSync(dir)) return;
      const ids = readdirSync(dir).filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
      const records = ids.flatMap((id) => {
        try {
          return [record(id)];
        } catch {
          return [];
        }
      });
      for (const r of records.sort((a, b) => b.created_at - a.created_at || a.id.localeCompare(b.id))) yield { id: r.id, filename: r.filename, bytes: r.bytes, status: r.status };
    },
    content: async (id) => new Response(readFileSync(pathOf(id))),
    async upload(path, filename) {
      const bytes = readFileSync(path);
      const id = `file-${createHash('sha256').update(bytes).digest('hex').slice(0, 24)}`;
      if (!existsSync(join(dir, `${id}.json`))) {
        const target = join(dir, `${id}.jsonl`);
        writeFileAtomic(target, bytes);
        const r: FileRecord = { id, filename, bytes: bytes.byteLength, status: 'processed', created_at: Math.floor(now() / 1000) };
        writeFileAtomic(join(dir, `${id}.json`), JSON.stringify(r) + '\n');
      }
      return { id, filename, bytes: bytes.byteLength, status: 'processed' };
    },
  };
}
