// Typed lifecycle events of a run. Progress, the --json report and the lock writer all subscribe to these.

/** How a stage ended: `skipped` means not reached because an upstream stage failed. */
export type StageStatus = 'ran' | 'cached' | 'failed' | 'skipped';

/** An output as events and `run --json` show it (the fields of an ArtifactRef, without the producer's lock). */
export interface OutputSummary {
  /** sha256 of the blob, or of a tree's manifest. */
  hash: string;
  /** The blob's absolute path, or a tree's folder under .tunefile/cache/trees/. */
  path: string;
  /** The blob's size, or the total size of a tree's files. */
  bytes: number;
  rows?: number;
  /** The output is a folder (a tree artifact). */
  tree?: true;
  /** A tree's number of files. */
  files?: number;
}

import type { RunRecord } from '../store/state.ts';

export interface StageEndEvent {
  type: 'stage:end';
  id: string;
  stageType: string;
  status: StageStatus;
  key: string | null;
  durationMs: number;
  reasons: string[];
  outputs: Record<string, OutputSummary>;
  error: string | null;
  summary?: string;
  /** The run record (lock entry) for ran and cached stages. */
  record?: RunRecord;
}

export type RunEvent =
  | { type: 'run:start'; pipeline: string; stages: { id: string; type: string }[] }
  | { type: 'run:waiting'; message: string }
  | { type: 'stage:start'; id: string; reasons: string[] }
  | { type: 'stage:progress'; id: string; detail: string }
  | { type: 'stage:warning'; id: string; message: string }
  /** Something the user must act on after the run (a billing resource left running); printed when the run ends. */
  | { type: 'stage:notice'; id: string; message: string }
  | StageEndEvent
  | { type: 'run:end'; ok: boolean; interrupted: boolean };

/** A subscriber: receives every event in order. May return a promise for `run:end` (flushing). */
export type RunListener = (event: RunEvent) => void | Promise<void>;
