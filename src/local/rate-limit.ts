// Emulated provider rate limits (requests and tokens per minute) with OpenAI's x-ratelimit-* headers and 429 answers.

/** Limits per minute; a dimension left out is not limited. */
export interface RateLimit {
  /** Requests per minute (RPM). */
  requests?: number;
  /** Tokens per minute (TPM): a request costs its prompt tokens plus max_tokens for every answer it asks for. */
  tokens?: number;
}

/** Which limit a request ran into: OpenAI's error `type` for a 429. */
export type LimitKind = 'requests' | 'tokens';

/** What the limiter says about one request: the headers to send, and why it is refused, if it is. */
export interface RateDecision {
  headers: Record<string, string>;
  refused?: {
    kind: LimitKind;
    message: string;
    /** How long until the request would fit; undefined when it never can (more tokens than the limit). */
    retryAfterMs: number | undefined;
  };
}

const MINUTE_MS = 60_000;
const UNITS: Record<LimitKind, string> = { requests: 'requests per min (RPM)', tokens: 'tokens per min (TPM)' };

/**
 * Parses `RPM,TPM` as `tunefile serve --rate-limit` takes it: either number may be left out (`600,` or `,100000`);
 * a lone number is RPM.
 * @throws RangeError naming what is wrong.
 */
export function parseRateLimit(text: string): RateLimit {
  const parts = text.split(',');
  if (parts.length > 2) throw new RangeError(`expected RPM,TPM with at most one comma (got '${text}')`);
  const [requests, tokens] = parts.map((p, i) => {
    const raw = p.trim();
    if (raw === '') return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
      throw new RangeError(`${i === 0 ? 'RPM' : 'TPM'} must be a whole number of at least 1 (got '${raw}' in '${text}')`);
    }
    return Number(raw);
  });
  if (requests === undefined && tokens === undefined) throw new RangeError(`expected RPM,TPM with at least one of the two numbers (got '${text}')`);
  return { ...(requests === undefined ? {} : { requests }), ...(tokens === undefined ? {} : { tokens }) };
}

/** `600 requests and 100000 tokens per minute`, for log lines. */
export function describeRateLimit(limit: RateLimit): string {
  const parts = [limit.requests === undefined ? '' : `${limit.requests} requests`, limit.tokens === undefined ? '' : `${limit.tokens} tokens`];
  return `${parts.filter((p) => p !== '').join(' and ')} per minute`;
}

/** A duration as OpenAI writes it in x-ratelimit-reset-*: Go's format (`20ms`, `1s`, `1.5s`, `6m0s`, `1h0m0s`). */
export function formatDuration(ms: number): string {
  const whole = Math.ceil(ms);
  if (whole < 1000) return `${whole}ms`;
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor((whole % 3_600_000) / 60_000);
  const seconds = `${(whole % 60_000) / 1000}s`;
  return hours > 0 ? `${hours}h${minutes}m${seconds}` : minutes > 0 ? `${minutes}m${seconds}` : seconds;
}

/** One continuously refilled bucket: `limit` per minute, holding at most `limit`, full at the start. */
class Bucket {
  readonly kind: LimitKind;
  readonly limit: number;
  private level: number;
  private at: number;
  constructor(kind: LimitKind, limit: number, now: number) {
    this.kind = kind;
    this.limit = limit;
    this.level = limit;
    this.at = now;
  }

  /** The level at `now`, after refilling since the last reading. */
  levelAt(now: number): number {
    this.level = Math.min(this.limit, this.level + (Math.max(0, now - this.at) * this.limit) / MINUTE_MS);
    this.at = Math.max(this.at, now);
    return this.level;
  }

  take(cost: number): void {
    this.level -= cost;
  }

  /** Milliseconds until `cost` fits, at the level last read. */
  waitFor(cost: number): number {
    return Math.ceil(((cost - this.level) * MINUTE_MS) / this.limit);
  }

  headers(): Record<string, string> {
    const remaining = Math.max(0, Math.floor(this.level));
    return {
      [`x-ratelimit-limit-${this.kind}`]: String(this.limit),
      [`x-ratelimit-remaining-${this.kind}`]: String(remaining),
      [`x-ratelimit-reset-${this.kind}`]: formatDuration(((this.limit - this.level) * MINUTE_MS) / this.limit),
    };
  }
}

/**
 * A limiter of requests and tokens per minute as OpenAI applies them: token buckets replenished continuously (not
 * reset each minute), one request or `tokens` taken from each when the request is let through. A refused request takes
 * nothing. Time comes from `now` (the server's clock), so tests move it by hand.
 */
export class RateLimiter {
  private readonly buckets: Bucket[];
  private readonly now: () => number;
  constructor(limit: RateLimit, now: () => number) {
    this.now = now;
    const start = now();
    this.buckets = [
      ...(limit.requests === undefined ? [] : [new Bucket('requests', limit.requests, start)]),
      ...(limit.tokens === undefined ? [] : [new Bucket('tokens', limit.tokens, start)]),
    ];
  }

  /** Lets a request of `tokens` estimated tokens through (taking its cost) or refuses it; `model` is named in messages. */
  admit(tokens: number, model: string): RateDecision {
    const now = this.now();
    const cost = (b: Bucket) => (b.kind === 'requests' ? 1 : tokens);
    let refused: RateDecision['refused'];
    for (const b of this.buckets) {
      const level = b.levelAt(now);
      if (refused || level >= cost(b)) continue;
      const used = b.limit - Math.max(0, Math.floor(level));
      if (cost(b) > b.limit) {
        refused = { kind: b.kind, retryAfterMs: undefined, message: `Request too large for ${model} on ${UNITS[b.kind]}: Limit ${b.limit}, Requested ${cost(b)}. The input or output tokens must be reduced in order to run successfully.` };
      } else {
        const wait = b.waitFor(cost(b));
        refused = { kind: b.kind, retryAfterMs: wait, message: `Rate limit reached for ${UNITS[b.kind]} on ${model}: Limit ${b.limit}, Used ${used}, Requested ${cost(b)}. Please try again in ${formatDuration(wait)}.` };
      }
    }
    if (!refused) for (const b of this.buckets) b.take(cost(b));
    return { headers: Object.assign({}, ...this.buckets.map((b) => b.headers())), ...(refused ? { refused } : {}) };
  }
}
