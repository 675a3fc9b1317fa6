// Whether a provider job is this stage's job: same base model, same files by content, same hyperparameters, seed, suffix.
import { hasContent } from '../../providers/files.ts';
import type { FineTuningJob, ProviderFiles, TrainRequest } from '../../providers/types.ts';

/** What an adopted job must match: the create request this stage would send, and the content hashes of its files. */
export interface ExpectedJob {
  request: TrainRequest;
  /** sha256 of the converted JSONL uploaded as the training and validation files. */
  hashes: { train: string; valid: string };
}

const HYPERPARAMETERS = ['n_epochs', 'batch_size', 'learning_rate_multiplier'] as const;

/**
 * Checks candidate jobs against the expected request. A job that carries our `tunefile_key` proves nothing by
 * itself (anyone who can create jobs in the organisation can set metadata), so files are compared by id, or by
 * downloading them and hashing their bytes where the provider allows it.
 */
export class JobVerifier {
  readonly expected: ExpectedJob;
  private readonly files: ProviderFiles;
  private readonly signal: AbortSignal | undefined;
  /** file id -> does it hold the expected content (for train or valid); one download per file and run. */
  private readonly contents = new Map<string, Promise<boolean>>();
  private readonly warned = new Set<string>();

  constructor(files: ProviderFiles, expected: ExpectedJob, signal?: AbortSignal) {
    this.files = files;
    this.expected = expected;
    this.signal = signal;
  }

  /** True the first time a job id is passed: a mismatching job is named in one warning per run. */
  firstWarning(id: string): boolean {
    if (this.warned.has(id)) return false;
    this.warned.add(id);
    return true;
  }

  /** Why `job` is not this stage's job, or undefined when it matches in every respect. */
  async mismatch(job: FineTuningJob): Promise<string | undefined> {
    const want = this.expected.request;
    if (!isSameModel(job.model, want.model)) return `base model ${job.model}, expected ${want.model}`;
    if (job.method?.type !== undefined && job.method.type !== 'supervised') return `method ${job.method.type}, expected supervised`;
    const actual = (job.method?.supervised?.hyperparameters ?? job.hyperparameters ?? {}) as Record<string, unknown>;
    const requested = (want.method?.supervised?.hyperparameters ?? {}) as Record<string, unknown>;
    for (const name of HYPERPARAMETERS) {
      if (typeof requested[name] === 'number' && actual[name] !== requested[name]) return `${name} ${String(actual[name])}, expected ${requested[name]}`;
    }
    // A provider that does not say which seed a job has (Together's job object) is not held to it.
    if (want.seed !== undefined && want.seed !== null && job.seed !== undefined && job.seed !== want.seed) return `seed ${job.seed}, expected ${want.seed}`;
    const suffix = suffixOf(job);
    if (suffix !== undefined && suffix !== (want.suffix ?? null)) return `suffix ${JSON.stringify(suffix)}, expected ${JSON.stringify(want.suffix ?? null)}`;
    if (!(await this.holds(job.training_file, want.training_file, this.expected.hashes.train))) {
      return `its training file ${job.training_file} does not hold this stage's training data`;
    }
    if (!job.validation_file || !(await this.holds(job.validation_file, want.validation_file, this.expected.hashes.valid))) {
      return `its validation file ${job.validation_file ?? '(none)'} does not hold this stage's validation data`;
    }
    return undefined;
  }

  /** True when file `id` is our uploaded file, or its downloaded bytes hash to `hash` (false when it cannot be downloaded). */
  private holds(id: string, ours: string, hash: string): Promise<boolean> {
    if (id === ours) return Promise.resolve(true);
    const key = `${id}:${hash}`;
    let check = this.contents.get(key);
    if (!check) {
      check = hasContent(this.files, id, hash, this.signal);
      this.contents.set(key, check);
    }
    return check;
  }
}

/** Same base model; a provider may resolve an alias to a dated snapshot (`gpt-4o-mini` -> `gpt-4o-mini-2024-07-18`). */
export function isSameModel(actual: string, requested: string): boolean {
  return actual === requested || (actual.startsWith(`${requested}-`) && /^\d{4}-\d{2}-\d{2}$/.test(actual.slice(requested.length + 1)));
}

/** The job's user-provided suffix, null for none, undefined when the provider does not say. */
function suffixOf(job: FineTuningJob): string | null | undefined {
  const value = (job as { user_provided_suffix?: string | null }).user_provided_suffix;
  return value === undefined ? undefined : (value ?? null);
}
