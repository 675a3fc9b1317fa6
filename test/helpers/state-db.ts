// Reads a project's .tunefile/state.db from a test, read-only, closing it again.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

/** The rows `sql` selects from the project's state.db. */
export function stateRows<T>(dir: string, sql: string): T[] {
  const db = new DatabaseSync(join(dir, '.tunefile', 'state.db'), { readOnly: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}
