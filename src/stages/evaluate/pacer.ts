// Paces evaluate's requests to the provider's rate limits: budgets read from x-ratelimit-* headers, a shared pause
// after a 429 (honouring retry-after-ms / retry-after), and fewer requests in flight while 429s come (AIMD).
import { setTimeout as sleepFor } from 'node:timers/promises';

/** What a response's x-ratelimit-* headers say about one limit (OpenAI: per minute). */
interface SeenLimit {
  limit: number;
  remaining: number;
}

/** A budget replenished continuously at `limit` per minute, as OpenAI's limiter is; `level` as of the pacer's `at`. */
interface Budget {
  limit: number;
  level: number;
}

/** One request let through: its place in sending order and the tokens it was charged. */
export interface Ticket {
  seq: number;
  tokens: number;
}

/** How a paced request ended. */
export type Outcome = 'ok' | 'rate-limited' | 'failed';

export interface PacerOptions {
  /** Most requests in flight (evaluate's `concurrency`). */
  maxInFlight: number;
  /** A monotonic clock in ms. @default performance.now */
  now?: () => number;
  /** Waits `ms` or rejects when `signal` aborts. @default timers/promises setTimeout */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const MINUTE_MS = 60_000;
/** Pause after a 429 that names no wait: 1 s, doubling per 429 in a row, at most this. */
const MAX_BACKOFF_MS = 32_000;

/** The x-ratelimit-limit-KIND / -remaining-KIND pair, when the response has both. */
function readLimit(headers: Headers, kind: 'requests' | 'tokens'): SeenLimit | undefined {
  const limit = Number(headers.get(`x-ratelimit-limit-${kind}`) ?? NaN);
  const remaining = Number(headers.get(`x-ratelimit-remaining-${kind}`) ?? NaN);
  return limit > 0 && remaining >= 0 ? { limit, remaining } : undefined;
}

/** How long a 429 asks to wait: retry-after-ms, else retry-after in seconds; undefined when it says neither. */
export function readRetryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const seconds = Number.parseFloat(headers?.get('retry-after') ?? '');
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/**
 * Lets requests through at the pace the provider's limits allow. The first request goes alone; until a response
 * carries x-ratelimit-* headers the pacer then only caps requests in flight at `maxInFlight`, so a provider without
 * limits sees evaluate as before (but for that first round trip). Once one does,
 * every request waits until the budgets (requests, and tokens if the provider limits them) cover its cost. The
 * budgets are the pacer's own buckets, refilled at the limit per minute and reset to each response's `remaining`, less
 * what was sent after that request and is still in flight. A 429 pauses every request until its retry-after, and
 * halves the requests allowed in flight; each success adds back 1/window of one (additive increase).
 * Requests are let through one at a time, in the order they asked.
 */
export class RequestPacer {
  private readonly maxInFlight: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private requests: Budget | undefined;
  private tokens: Budget | undefined;
  /** When the budgets' levels were last brought up to date. */
  private at: number;
  private readonly inFlight = new Map<number, number>();
  private nextSeq = 0;
  /** The latest-sent request whose answer has set the budgets; older answers are stale. */
  private lastSeen = -1;
  private pausedUntil = 0;
  private window: number;
  private limitedInARow = 0;
  /** Whether an answer has come yet: until one does, one request goes alone, to learn the limits without a storm. */
  private answered = false;
  private turn: Promise<unknown> = Promise.resolve();
  private released: (() => void)[] = [];

  constructor(o: PacerOptions) {
    this.maxInFlight = Math.max(1, Math.floor(o.maxInFlight));
    this.window = this.maxInFlight;
    this.now = o.now ?? (() => performance.now());
    this.sleep = o.sleep ?? ((ms, signal) => sleepFor(ms, undefined, { signal }));
    this.at = this.now();
  }

  /** The provider's tokens-per-minute limit, once a response has said it; only then is a request's token cost counted. */
  get tokenLimit(): number | undefined {
    return this.tokens?.limit;
  }

  /**
   * Waits for room and charges the request: one request, and `tokens()` tokens when the provider limits tokens.
   * @throws RangeError when the request alone costs more tokens than the limit (it could never be sent).
   */
  acquire(tokens: () => number, signal: AbortSignal): Promise<Ticket> {
    const mine = this.turn.then(() => this.waitForRoom(tokens, signal));
    this.turn = mine.catch(() => {});
    return mine;
  }

  private async waitForRoom(tokensOf: () => number, signal: AbortSignal): Promise<Ticket> {
    let counted: number | undefined;
    for (;;) {
      signal.throwIfAborted();
      if (this.inFlight.size >= (this.answered ? Math.floor(this.window) : 1)) {
        await new Promise<void>((resolve) => this.released.push(resolve));
        continue;
      }
      const tokens = this.tokens ? (counted ??= tokensOf()) : 0;
      if (this.tokens && tokens > this.tokens.limit) {
        throw new RangeError(`a request of ${tokens} tokens (prompts and max_tokens) is more than the provider's limit of ${this.tokens.limit} tokens per minute`);
      }
      const now = this.refill();
      const wait = Math.max(this.pausedUntil - now, waitFor(this.requests, 1), waitFor(this.tokens, tokens));
      if (wait <= 0) return this.charge(tokens);
      await this.sleep(wait, signal);
    }
  }

  private charge(tokens: number): Ticket {
    if (this.requests) this.requests.level -= 1;
    if (this.tokens) this.tokens.level -= tokens;
    const ticket = { seq: this.nextSeq++, tokens };
    this.inFlight.set(ticket.seq, tokens);
    return ticket;
  }

  /** Brings the budgets' levels up to now and returns now. */
  private refill(): number {
    const now = this.now();
    const elapsed = Math.max(0, now - this.at);
    for (const b of [this.requests, this.tokens]) if (b) b.level = Math.min(b.limit, b.level + (elapsed * b.limit) / MINUTE_MS);
    this.at = Math.max(this.at, now);
    return now;
  }

  /** Takes in what the answer to `ticket` said (its headers, if any) and frees its place. */
  settle(ticket: Ticket, outcome: Outcome, headers: Headers | undefined): void {
    this.inFlight.delete(ticket.seq);
    this.answered = true;
    const now = this.refill();
    if (headers && ticket.seq > this.lastSeen) this.adoptLimits(ticket.seq, headers);
    if (outcome === 'rate-limited') {
      this.limitedInARow++;
      this.window = Math.max(1, this.window / 2);
      const wait = readRetryAfterMs(headers) ?? Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.limitedInARow - 1));
      this.pausedUntil = Math.max(this.pausedUntil, now + wait);
    } else if (outcome === 'ok') {
      this.limitedInARow = 0;
      this.window = Math.min(this.maxInFlight, this.window + 1 / this.window);
    }
    for (const release of this.released.splice(0)) release();
  }

  /** The budgets as the server counted them after `seq`, less what was sent after it and is still in flight. */
  private adoptLimits(seq: number, headers: Headers): void {
    const requests = readLimit(headers, 'requests');
    const tokens = readLimit(headers, 'tokens');
    if (!requests && !tokens) return;
    this.lastSeen = seq;
    let laterRequests = 0;
    let laterTokens = 0;
    for (const [s, t] of this.inFlight) if (s > seq) (laterRequests++, (laterTokens += t));
    if (requests) this.requests = { limit: requests.limit, level: requests.remaining - laterRequests };
    if (tokens) this.tokens = { limit: tokens.limit, level: tokens.remaining - laterTokens };
  }
}

/** Milliseconds until `budget` holds `cost` (0 or less: it does now; no budget: no limit). */
function waitFor(budget: Budget | undefined, cost: number): number {
  return budget ? Math.ceil(((cost - budget.level) * MINUTE_MS) / budget.limit) : 0;
}
