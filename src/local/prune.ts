// Reclaims disk in a local server data folder: checkpoints nothing can resume from, and the jobs and files the caller says nobody needs.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { dropAllCheckpoints, dropOlderCheckpoints, listDir, measure, removePath, type Freed } from './checkpoint-files.ts';
import { lockDataDir } from './data-lock.ts';
import { fileShapeProblem, type FileObject } from './file-store.ts';
import { readJsonRecord } from './json-records.ts';
import { TERMINAL, jobShapeProblem, type FineTuningJob, type JobRecord } from './job-store.ts';

/** What pruneLocalData may remove, and what it must keep. */
export interface PruneOptions {
  /** Jobs that must stay whatever their state (a lock file or a journal names them). */
  keepJobs: ReadonlySet<string>;
  /** Files that must stay (a lock file names them). */
  keepFiles: ReadonlySet<string>;
  /** Whether a finished job that nothing keeps may go; jobs other clients made stay. */
  isRemovableJob: (job: FineTuningJob) => boolean;
  /** Whether an uploaded file that no kept job uses and nothing keeps may go. */
  isRemovableFile: (file: FileObject) => boolean;
  /** Only measure what would be removed. */
  dryRun: boolean;
}

/** What pruneLocalData removed (or, in a dry run, would remove). */
export interface PruneResult {
  jobs: { kept: number; removed: string[] };
  files: { kept: number; removed: string[] };
  /** Checkpoint files removed (of kept jobs, and of removed ones). */
  checkpoints: number;
  /** Bytes freed, or that would be freed in a dry run. */
  bytes: number;
  /** job.json / file.json paths that do not parse: left alone. */
  unreadable: string[];
}

/**
 * Prunes `dataDir` under its server lock (TUNEFILE_LOCKED while a live server uses it):
 * - a queued or running job keeps only its latest checkpoint file (what it resumes from);
 * - a finished job keeps no checkpoint files (model.bin holds its final weights);
 * - a finished job that is neither kept nor another client's goes, with its result file;
 * - an uploaded file goes when no remaining job uses it, nothing keeps it and `isRemovableFile` allows it;
 * - folders without their record (a kill before the record was written) go.
 * Nothing is decided about a folder whose record does not parse; while any job record is unreadable no file is removed,
 * since that job might use it.
 */
export function pruneLocalData(dataDir: string, options: PruneOptions): PruneResult {
  const result: PruneResult = { jobs: { kept: 0, removed: [] }, files: { kept: 0, removed: [] }, checkpoints: 0, bytes: 0, unreadable: [] };
  if (!existsSync(dataDir)) return result;
  const release = lockDataDir(dataDir);
  try {
    const usedFiles = pruneJobs(join(dataDir, 'jobs'), options, result);
    if (result.unreadable.length === 0) pruneFiles(join(dataDir, 'files'), usedFiles, options, result);
  } finally {
    release();
  }
  return result;
}

/** Prunes job folders; returns the ids of the files the remaining jobs use. */
function pruneJobs(dir: string, options: PruneOptions, result: PruneResult): Set<string> {
  const used = new Set<string>();
  const add = (freed: Freed, checkpoints: boolean) => {
    result.bytes += freed.bytes;
    if (checkpoints) result.checkpoints += freed.files;
  };
  for (const id of listDir(dir)) {
    const jobDir = join(dir, id);
    const path = join(jobDir, 'job.json');
    const read = readJsonRecord<JobRecord>(path, (value) => jobShapeProblem(value, id));
    if (read === undefined) {
      add(removePath(jobDir, options.dryRun), false);
      continue;
    }
    if ('problem' in read) {
      result.unreadable.push(path);
      continue;
    }
    const record = read.value;
    const { job } = record;
    if (!TERMINAL.has(job.status)) {
      add(dropOlderCheckpoints(jobDir, record, options.dryRun), true);
    } else if (options.keepJobs.has(id) || !options.isRemovableJob(job)) {
      add(dropAllCheckpoints(jobDir, options.dryRun), true);
    } else {
      result.checkpoints += measure(join(jobDir, 'checkpoints')).files;
      result.bytes += removeRecorded(jobDir, path, options.dryRun);
      result.jobs.removed.push(id);
      continue;
    }
    result.jobs.kept++;
    for (const file of [job.training_file, job.validation_file, ...(job.result_files ?? [])]) if (file) used.add(file);
  }
  return used;
}

/** Prunes uploaded files that no remaining job uses and nothing keeps. */
function pruneFiles(dir: string, used: ReadonlySet<string>, options: PruneOptions, result: PruneResult): void {
  for (const id of listDir(dir)) {
    const fileDir = join(dir, id);
    const path = join(fileDir, 'file.json');
    const read = readJsonRecord<{ file: FileObject }>(path, (value) => fileShapeProblem(value, id));
    if (read !== undefined && 'problem' in read) {
      result.unreadable.push(path);
      continue;
    }
    const file = read?.value.file;
    // A job's result file belongs to the job: once no job lists it, nobody can find it again.
    const orphan = file === undefined || (file.purpose === 'fine-tune-results' && !used.has(id));
    if (file !== undefined && (used.has(id) || options.keepFiles.has(id) || !(orphan || options.isRemovableFile(file)))) {
      result.files.kept++;
      continue;
    }
    result.bytes += removeRecorded(fileDir, path, options.dryRun);
    if (file !== undefined) result.files.removed.push(id);
  }
}

/** Removes a folder, its record first: a kill halfway leaves a folder without its record, which the server ignores and the next gc removes. */
function removeRecorded(folder: string, record: string, dryRun: boolean): number {
  const { bytes } = measure(folder);
  if (!dryRun) {
    rmSync(record, { force: true });
    rmSync(folder, { recursive: true, force: true });
  }
  return bytes;
}

