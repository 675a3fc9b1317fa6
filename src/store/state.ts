// .tunefile/state.db on node:sqlite: run records, the stat cache, the remote-job journal, small key/value tables and chunk logs.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CHUNKS_SCHEMA, openChunkLog } from './chunk-log.ts';
import type { ChunkLog } from './chunk-log.ts';
import { cannotOpenError, damagedError, isDamage, markDamaged, moveAside, readDamageMarker, reasonOf } from './state-damage.ts';

/** Small persistent key/value storage in state.db, namespaced per use. Values are JSON. */
export interface StageKv {
  get<T = unknown>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  /** Sets every entry in one transaction (thousands per second, where separate sets wait for a disk sync each). */
  setMany(entries: Iterable<[key: string, value: unknown]>): void;
  delete(key: string): void;
}

/** The remote-job journal (state.db): written before anything else once a job is created. */
export interface JobJournal {
  get(stageKey: string): JournalEntry | undefined;
  put(entry: JournalEntry): void;
  /** Drop the entry (e.g. after the job failed, so a rerun creates a new job). */
  remove(stageKey: string): void;
}

/** One remote job started for a stage key. */
export interface JournalEntry {
  stageKey: string;
  /** Provider identity string (`local` or `openai:<base_url>`). */
  provider: string;
  jobId: string;
  status: string;
}

/**
 * One output of a run record (and of a lock entry): a blob named by the sha256 of its bytes, or a tree (a folder,
 * `tree: true`) named by the sha256 of its manifest blob, with `bytes` the total of its files and `files` their count.
 */
export interface StoredOutput {
  hash: string;
  bytes: number;
  /** Record count, for JSONL datasets. */
  rows?: number;
  /** The output is a folder (src/store/trees.ts). */
  tree?: true;
  /** A tree's number of files. */
  files?: number;
}

/** A stage's run record: exactly the lock entry it produced. */
export interface RunRecord {
  type: string;
  version: number;
  key: string;
  params: Record<string, unknown>;
  inputs: Record<string, string>;
  outputs: Record<string, StoredOutput>;
  deps?: Record<string, string>;
  provider?: string;
  [extra: string]: unknown;
}

/** A stat-cache row: identifies one version of a file without reading it. */
export interface StatKey {
  path: string;
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  /** Status-change time: every write moves it, and utimes cannot set it back (an mtime can be restored). */
  ctimeNs: bigint;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  key TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  record TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS stat_cache (
  path TEXT PRIMARY KEY,
  dev TEXT NOT NULL, ino TEXT NOT NULL, size TEXT NOT NULL, mtime_ns TEXT NOT NULL,
  hash TEXT NOT NULL, ctime_ns TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS jobs (
  stage_key TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  job_id TEXT NOT NULL,
  status TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
  namespace TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (namespace, key)
);
`;

/** How to open state.db. */
export interface StateDbOptions {
  /**
   * Called when state.db was damaged and has been moved aside for a fresh one (the warning to show). Without it, a
   * damaged state.db is an error: only `run`, which holds the run lock, rebuilds it.
   */
  repair?: (message: string) => void;
  /** The wall clock in ms (names the moved-aside file). @default Date.now */
  now?: () => number;
}

/** Opens the database file and applies the schema; a handle that fails half-way is closed (it would hold a lock). */
function openDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { timeout: 10_000 });
  try {
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
    db.exec(SCHEMA);
    db.exec(CHUNKS_SCHEMA);
    addStatCtime(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * A state.db made before the stat cache recorded ctime gets the column; its rows hold '' there, which matches no
 * file, so each source file is hashed once more. Two processes may add it at once: the loser's duplicate is fine.
 */
function addStatCtime(db: DatabaseSync): void {
  const columns = db.prepare('PRAGMA table_info(stat_cache)').all() as { name: string }[];
  if (columns.some((c) => c.name === 'ctime_ns')) return;
  try {
    db.exec("ALTER TABLE stat_cache ADD COLUMN ctime_ns TEXT NOT NULL DEFAULT ''");
  } catch (error) {
    if (!/duplicate column/i.test((error as Error).message)) throw error;
  }
}

/** The project's state database. One instance per process; safe for concurrent readers (WAL). */
export class StateDb {
  readonly path: string;
  private readonly db: DatabaseSync;

  /** @throws TunefileError TUNEFILE_STORE when the file is damaged (and `repair` is not given) or cannot be opened */
  constructor(path: string, options: StateDbOptions = {}) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    let damage: { reason: string; cause?: unknown } | undefined;
    const marked = readDamageMarker(path);
    if (marked !== undefined) damage = { reason: marked };
    else {
      try {
        this.db = openDatabase(path);
        return;
      } catch (error) {
        if (!isDamage(error)) throw cannotOpenError(path, error);
        damage = { reason: reasonOf(error), cause: error };
      }
    }
    if (!options.repair) throw damagedError(path, damage.reason, damage.cause);
    const { message } = moveAside(path, damage.reason, new Date((options.now ?? Date.now)()));
    options.repair(message);
    try {
      this.db = openDatabase(path);
    } catch (error) {
      throw cannotOpenError(path, error);
    }
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /**
   * Runs a query; a damaged database (found only now: SQLite reads pages as queries need them) becomes the clear
   * error, and a marker makes the next run move the file aside.
   */
  private guard<T>(query: () => T): T {
    try {
      return query();
    } catch (error) {
      if (!isDamage(error)) throw error;
      markDamaged(this.path, reasonOf(error));
      throw damagedError(this.path, reasonOf(error), error);
    }
  }

  /** `api` with each method run through guard(). */
  private guardAll<T extends object>(api: T): T {
    const guarded = {} as Record<string, unknown>;
    for (const [name, value] of Object.entries(api)) {
      guarded[name] = typeof value === 'function' ? (...args: unknown[]) => this.guard(() => value(...args)) : value;
    }
    return guarded as T;
  }

  /** The run record for a stage key, if that key ever completed. */
  getRun(key: string): RunRecord | undefined {
    return this.guard(() => {
      const row = this.db.prepare('SELECT record FROM runs WHERE key = ?').get(key) as { record: string } | undefined;
      return row ? (JSON.parse(row.record) as RunRecord) : undefined;
    });
  }

  putRun(record: RunRecord, now: number): void {
    this.guard(() => this.db
      .prepare('INSERT OR REPLACE INTO runs (key, type, record, created_at) VALUES (?, ?, ?, ?)')
      .run(record.key, record.type, JSON.stringify(record), now));
  }

  deleteRun(key: string): void {
    this.guard(() => this.db.prepare('DELETE FROM runs WHERE key = ?').run(key));
  }

  /** Every run record (for gc). */
  allRuns(): RunRecord[] {
    return this.guard(() => (this.db.prepare('SELECT record FROM runs').all() as { record: string }[]).map((r) => JSON.parse(r.record) as RunRecord));
  }

  /** Every remote-job journal entry (for gc: a journalled job must not be reclaimed). */
  allJournalEntries(): JournalEntry[] {
    const rows = this.guard(() => this.db.prepare('SELECT stage_key, provider, job_id, status FROM jobs').all()) as { stage_key: string; provider: string; job_id: string; status: string }[];
    return rows.map((row) => ({ stageKey: row.stage_key, provider: row.provider, jobId: row.job_id, status: row.status }));
  }

  /** The cached hash of a file version, when path, device, inode, size, mtime and ctime all match. */
  getStat(key: StatKey): string | undefined {
    const row = this.guard(() => this.db.prepare('SELECT dev, ino, size, mtime_ns, ctime_ns, hash FROM stat_cache WHERE path = ?').get(key.path)) as
      | { dev: string; ino: string; size: string; mtime_ns: string; ctime_ns: string; hash: string }
      | undefined;
    if (!row) return undefined;
    const same =
      row.dev === String(key.dev) && row.ino === String(key.ino) && row.size === String(key.size) && row.mtime_ns === String(key.mtimeNs) && row.ctime_ns === String(key.ctimeNs);
    return same ? row.hash : undefined;
  }

  putStat(key: StatKey, hash: string): void {
    this.guard(() => this.db
      .prepare('INSERT OR REPLACE INTO stat_cache (path, dev, ino, size, mtime_ns, ctime_ns, hash) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(key.path, String(key.dev), String(key.ino), String(key.size), String(key.mtimeNs), String(key.ctimeNs), hash));
  }

  /** The remote-job journal. */
  journal(now: () => number): JobJournal {
    return this.guardAll<JobJournal>({
      get: (stageKey) => {
        const row = this.db.prepare('SELECT stage_key, provider, job_id, status FROM jobs WHERE stage_key = ?').get(stageKey) as
          | { stage_key: string; provider: string; job_id: string; status: string }
          | undefined;
        return row ? { stageKey: row.stage_key, provider: row.provider, jobId: row.job_id, status: row.status } : undefined;
      },
      put: (entry: JournalEntry) => {
        this.db
          .prepare('INSERT OR REPLACE INTO jobs (stage_key, provider, job_id, status, updated_at) VALUES (?, ?, ?, ?, ?)')
          .run(entry.stageKey, entry.provider, entry.jobId, entry.status, now());
      },
      remove: (stageKey) => {
        this.db.prepare('DELETE FROM jobs WHERE stage_key = ?').run(stageKey);
      },
    });
  }

  /** A namespaced append-only log of binary chunks (large caches: JSON values in `kv` are too slow for 10^6 entries). */
  chunks(namespace: string): ChunkLog {
    return this.guardAll(openChunkLog(this.db, namespace));
  }

  /** A namespaced key/value store with JSON values. */
  kv(namespace: string): StageKv {
    return this.guardAll<StageKv>({
      get: <T>(key: string) => {
        const row = this.db.prepare('SELECT value FROM kv WHERE namespace = ? AND key = ?').get(namespace, key) as { value: string } | undefined;
        return row ? (JSON.parse(row.value) as T) : undefined;
      },
      set: (key, value) => {
        this.db.prepare('INSERT OR REPLACE INTO kv (namespace, key, value) VALUES (?, ?, ?)').run(namespace, key, JSON.stringify(value));
      },
      setMany: (entries) => {
        const insert = this.db.prepare('INSERT OR REPLACE INTO kv (namespace, key, value) VALUES (?, ?, ?)');
        this.db.exec('BEGIN IMMEDIATE');
        try {
          for (const [key, value] of entries) insert.run(namespace, key, JSON.stringify(value));
          this.db.exec('COMMIT');
        } catch (error) {
          if (this.db.isTransaction) this.db.exec('ROLLBACK');
          throw error;
        }
      },
      delete: (key) => {
        this.db.prepare('DELETE FROM kv WHERE namespace = ? AND key = ?').run(namespace, key);
      },
    });
  }
}
