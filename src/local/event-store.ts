// Job events as append-only JSONL (jobs/<id>/events.jsonl), cached in memory, listed newest first.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newId, unixSeconds } from './ids.ts';
import { writeFileAtomic } from '../shared/atomic-write.ts';

/** OpenAI's fine-tuning event object. */
export interface JobEvent {
  object: 'fine_tuning.job.event';
  id: string;
  created_at: number;
  level: 'info' | 'warn' | 'error';
  message: string;
  data: Record<string, unknown>;
  type: 'message' | 'metrics';
}

/** Per-job event logs. */
export class EventStore {
  private readonly cache = new Map<string, JobEvent[]>();
  private readonly jobsDir: string;
  private readonly now: () => number;

  constructor(jobsDir: string, now: () => number) {
    this.jobsDir = jobsDir;
    this.now = now;
  }

  private path(jobId: string): string {
    return join(this.jobsDir, jobId, 'events.jsonl');
  }

  /** Events oldest first (a torn last line from a crash is skipped). */
  private load(jobId: string): JobEvent[] {
    let events = this.cache.get(jobId);
    if (events) return events;
    events = [];
    let text = '';
    try {
      text = readFileSync(this.path(jobId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        events.push(JSON.parse(line) as JobEvent);
      } catch {
        // Only the last line can be torn (see below); it is dropped.
      }
    }
    // A kill in the middle of an append can leave a torn last line: rewrite the log without it before appending.
    if (text !== '' && !text.endsWith('\n')) writeFileAtomic(this.path(jobId), events.map((e) => JSON.stringify(e) + '\n').join(''));
    this.cache.set(jobId, events);
    return events;
  }

  /** Appends one event. */
  add(jobId: string, message: string, options: { level?: JobEvent['level']; data?: Record<string, unknown>; type?: JobEvent['type'] } = {}): JobEvent {
    const event: JobEvent = {
      object: 'fine_tuning.job.event',
      id: newId('ftevent-'),
      created_at: unixSeconds(this.now()),
      level: options.level ?? 'info',
      message,
      data: options.data ?? {},
      type: options.type ?? 'message',
    };
    const events = this.load(jobId);
    appendFileSync(this.path(jobId), JSON.stringify(event) + '\n');
    events.push(event);
    return event;
  }

  /** Events newest first, as the API lists them. */
  listNewestFirst(jobId: string): JobEvent[] {
    return [...this.load(jobId)].reverse();
  }

  /** Drops metrics events after `step` (they will be emitted again by a resumed run), rewriting the log atomically. */
  truncateMetricsAfter(jobId: string, step: number): void {
    const kept = this.load(jobId).filter((e) => e.type !== 'metrics' || Number(e.data.step) <= step);
    writeFileAtomic(this.path(jobId), kept.map((e) => JSON.stringify(e) + '\n').join(''));
    this.cache.set(jobId, kept);
  }
}
