// gc of the local provider's data folder (.tunefile/local): what the project's lock files and journal still reference.
import { TunefileError } from '../errors.ts';
import type { FileObject } from '../local/file-store.ts';
import type { FineTuningJob } from '../local/job-store.ts';
import { pruneLocalData, type PruneResult } from '../local/prune.ts';
import type { JournalEntry } from '../stages/types.ts';
import type { Store } from '../store/index.ts';
import type { FoundLock } from './gc-locks.ts';

/** What gc did in .tunefile/local. */
export interface LocalGcResult extends PruneResult {
  /** Journal entries of finished local jobs whose stage no lock file references any more. */
  journalDropped: number;
  /** Why the folder was left alone (a `tunefile serve` is using it), when it was. */
  skipped?: string;
}

/** Journal statuses after which a job never changes: its entry is only a hint for adopting the job again. */
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** What upload names the files it sends (getRemoteFileName in src/providers/files.ts): `tunefile-<sha256>.jsonl`. */
const UPLOAD_NAME = /^tunefile-[0-9a-f]{64}\.jsonl$/;

/**
 * Reclaims local jobs, models, checkpoints and uploads that the project no longer references. Kept: every job a lock
 * file names (`job_id`) and every file it names (`files`), every job the journal holds for a stage a lock references
 * or for an unfinished run, and everything that tunefile did not create (jobs without `metadata.tunefile_key`,
 * uploads not named `tunefile-<sha256>.jsonl`), which other clients of `tunefile serve` may have made there.
 * `now`: the wall clock in ms. The caller holds the project's run lock, so no run of this project is using the folder.
 */
export function collectLocalGarbage(store: Store, locks: FoundLock[], keepKeys: ReadonlySet<string>, dryRun: boolean, now: () => number): LocalGcResult {
  const keepJobs = new Set<string>();
  const keepFiles = new Set<string>();
  for (const { lock } of locks) {
    for (const entry of Object.values(lock.stages)) {
      if (typeof entry.job_id === 'string') keepJobs.add(entry.job_id);
      const files = entry.files;
      if (files && typeof files === 'object') for (const id of Object.values(files)) if (typeof id === 'string') keepFiles.add(id);
    }
  }
  const stale: JournalEntry[] = [];
  for (const entry of store.state.allJournalEntries()) {
    if (entry.provider !== 'local') continue;
    if (keepKeys.has(entry.stageKey) || !FINISHED.has(entry.status)) keepJobs.add(entry.jobId);
    else stale.push(entry);
  }
  let pruned: PruneResult;
  try {
    pruned = pruneLocalData(store.localDir, {
      keepJobs,
      keepFiles,
      isRemovableJob: (job: FineTuningJob) => typeof job.metadata?.tunefile_key === 'string',
      isRemovableFile: (file: FileObject) => file.purpose === 'fine-tune' && UPLOAD_NAME.test(file.filename),
      dryRun,
    });
  } catch (error) {
    // A `tunefile serve` on the project's folder: its clients may be using anything there, so leave it all.
    if (!(error instanceof TunefileError && error.code === 'TUNEFILE_LOCKED')) throw error;
    return { jobs: { kept: 0, removed: [] }, files: { kept: 0, removed: [] }, checkpoints: 0, bytes: 0, unreadable: [], journalDropped: 0, skipped: error.message };
  }
  // Dropped only once their jobs are gone: a journal entry must never point a rerun at a job gc removed.
  const removed = new Set(pruned.jobs.removed);
  const drop = stale.filter((entry) => removed.has(entry.jobId));
  if (!dryRun) {
    const journal = store.state.journal(now);
    for (const entry of drop) journal.remove(entry.stageKey);
  }
  return { ...pruned, journalDropped: drop.length };
}
