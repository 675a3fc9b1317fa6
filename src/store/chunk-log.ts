// Append-only logs of binary chunks in state.db, one per namespace (the token-count cache): read whole, appended in
// one transaction, bounded by dropping the oldest chunks.
import type { DatabaseSync } from 'node:sqlite';

export const CHUNKS_SCHEMA = `
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY,
  namespace TEXT NOT NULL,
  data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_namespace ON chunks (namespace, id);
`;

/** One namespace's chunks. Callers validate what they read: a chunk is whatever bytes were appended. */
export interface ChunkLog {
  /** Every chunk, oldest first. */
  read(): Uint8Array[];
  /**
   * In one transaction: drops every chunk first when `replace`, appends `chunks` in order, then drops the oldest
   * chunks until at most `maxBytes` remain (the newest chunk is always kept).
   */
  append(chunks: Uint8Array[], options?: { maxBytes?: number; replace?: boolean }): void;
  /** Total bytes of the namespace's chunks. */
  bytes(): number;
  /** Drops every chunk. */
  clear(): void;
}

/** The chunk log `namespace` on an open state database (CHUNKS_SCHEMA applied). */
export function openChunkLog(db: DatabaseSync, namespace: string): ChunkLog {
  const transaction = (body: () => void) => {
    db.exec('BEGIN IMMEDIATE');
    try {
      body();
      db.exec('COMMIT');
    } catch (error) {
      if (db.isTransaction) db.exec('ROLLBACK');
      throw error;
    }
  };
  const clear = () => void db.prepare('DELETE FROM chunks WHERE namespace = ?').run(namespace);
  return {
    read: () => (db.prepare('SELECT data FROM chunks WHERE namespace = ? ORDER BY id').all(namespace) as { data: Uint8Array }[]).map((r) => r.data),
    append: (chunks, options = {}) => {
      transaction(() => {
        if (options.replace) clear();
        const insert = db.prepare('INSERT INTO chunks (namespace, data) VALUES (?, ?)');
        for (const chunk of chunks) insert.run(namespace, chunk);
        if (options.maxBytes === undefined) return;
        const sizes = db.prepare('SELECT id, length(data) AS n FROM chunks WHERE namespace = ? ORDER BY id DESC').all(namespace) as { id: number; n: number }[];
        let total = 0;
        for (let i = 0; i < sizes.length; i++) {
          total += sizes[i]!.n;
          if (total > options.maxBytes && i > 0) {
            db.prepare('DELETE FROM chunks WHERE namespace = ? AND id <= ?').run(namespace, sizes[i]!.id);
            break;
          }
        }
      });
    },
    bytes: () => (db.prepare('SELECT coalesce(sum(length(data)), 0) AS n FROM chunks WHERE namespace = ?').get(namespace) as { n: number }).n,
    clear,
  };
}
