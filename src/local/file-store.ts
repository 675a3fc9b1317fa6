// Uploaded files on disk: files/<id>/content plus files/<id>/file.json (written last, the commit marker).
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from './http.ts';
import { newId, unixSeconds } from './ids.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';
import { readJsonRecord, writeJsonAtomic, type UnreadableRecord } from './json-records.ts';

/**
 * OpenAI's file object. `expires_at` and `status_details` are left out: the published schema types them integer and
 * string, not nullable, and these files neither expire nor fail processing.
 */
export interface FileObject {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: 'processed';
}

/** The file object as served: a file.json from an older server has `expires_at: null` and `status_details: null`. */
function servedFile(file: FileObject & { expires_at?: unknown; status_details?: unknown }): FileObject {
  const { expires_at: _expires, status_details: _details, ...served } = file;
  return served;
}

/** Why a parsed file.json is not the record of file `id`, or undefined when it is one. */
export function fileShapeProblem(value: unknown, id: string): string | undefined {
  const record = value as { file?: Partial<FileObject>; seq?: unknown } | null;
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  if (typeof record.file !== 'object' || record.file === null || record.file.id !== id) return `no "file" object with id ${JSON.stringify(id)}`;
  return typeof record.seq === 'number' ? undefined : 'no "seq" number';
}

/** Every stored file, kept in memory and on disk. */
export class FileStore {
  readonly dir: string;
  /** Files whose file.json is garbage: left on disk, named in the log and in errors for that file. */
  readonly unreadable = new Map<string, UnreadableRecord>();
  private readonly files = new Map<string, FileObject>();
  /** Creation order, so files made in the same second still list in a stable order. */
  private readonly seqs = new Map<string, number>();
  private nextSeq = 0;
  private readonly now: () => number;

  constructor(dataDir: string, now: () => number) {
    this.now = now;
    this.dir = join(dataDir, 'files');
    mkdirSync(this.dir, { recursive: true });
    for (const id of readdirSync(this.dir)) {
      const path = join(this.dir, id, 'file.json');
      const read = readJsonRecord<{ file: FileObject; seq: number }>(path, (value) => fileShapeProblem(value, id));
      // A folder without file.json is an upload that was cut short: drop it.
      if (!read) rmSync(join(this.dir, id), { recursive: true, force: true });
      else if ('problem' in read) this.unreadable.set(id, { id, path, problem: read.problem });
      else {
        this.files.set(id, servedFile(read.value.file));
        this.seqs.set(id, read.value.seq);
        this.nextSeq = Math.max(this.nextSeq, read.value.seq + 1);
      }
    }
  }

  /** Stores bytes as a new file (or replaces the file `id` when given, for idempotent result files). */
  create(bytes: Uint8Array, filename: string, purpose: string, id = newId('file-')): FileObject {
    const file: FileObject = { id, object: 'file', bytes: bytes.byteLength, created_at: unixSeconds(this.now()), filename, purpose, status: 'processed' };
    writeFileAtomic(this.contentPath(id), bytes);
    const seq = this.seqs.get(id) ?? this.nextSeq++;
    writeJsonAtomic(join(this.dir, id, 'file.json'), { file, seq });
    this.files.set(id, file);
    this.seqs.set(id, seq);
    return file;
  }

  /** The file object; 404 when unknown, 500 naming the file when its file.json cannot be read. */
  get(id: string, param = 'file_id'): FileObject {
    const file = this.files.get(id);
    const bad = file ? undefined : this.unreadable.get(id);
    if (bad) throw new ApiError(500, `file ${id} cannot be read: ${bad.path} is not a valid file record (${bad.problem})`, { param, code: 'file_record_unreadable', retry: false });
    if (!file) throw new ApiError(404, `No such File object: ${id}`, { param, code: 'file_not_found' });
    return file;
  }

  /** Where a file's bytes are. */
  contentPath(id: string): string {
    return join(this.dir, id, 'content');
  }

  /** A file's bytes. */
  read(id: string): Buffer {
    this.get(id);
    return readFileSync(this.contentPath(id));
  }

  /** Removes a file (meta first, so a crash never leaves a listed file without content). */
  delete(id: string): void {
    this.get(id);
    rmSync(join(this.dir, id, 'file.json'), { force: true });
    rmSync(join(this.dir, id), { recursive: true, force: true });
    this.files.delete(id);
    this.seqs.delete(id);
  }

  /** Files, newest first (or oldest first with order 'asc'), optionally of one purpose. */
  list(purpose?: string, order: 'asc' | 'desc' = 'desc'): FileObject[] {
    const all = [...this.files.values()].filter((f) => !purpose || f.purpose === purpose);
    all.sort((a, b) => this.seqs.get(a.id)! - this.seqs.get(b.id)!);
    return order === 'desc' ? all.reverse() : all;
  }
}
