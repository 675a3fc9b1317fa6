// RequestPacer on a fake clock whose sleep moves time forward: what it waits for, and when it does not wait at all.
import { describe, expect, it } from 'vitest';
import { RequestPacer } from './pacer.ts';

/** A pacer whose sleeps are recorded and advance its clock at once. */
function fakePacer(maxInFlight = 4) {
  let now = 0;
  const sleeps: number[] = [];
  const pacer = new RequestPacer({ maxInFlight, now: () => now, sleep: async (ms) => void (sleeps.push(ms), (now += ms)) });
  return { pacer, sleeps, advance: (ms: number) => void (now += ms) };
}

const signal = new AbortController().signal;
const headers = (h: Record<string, string | number>) => new Headers(Object.entries(h).map(([k, v]) => [k, String(v)]));
const limits = (requests: [number, number], tokens?: [number, number]) => headers({
  'x-ratelimit-limit-requests': requests[0], 'x-ratelimit-remaining-requests': requests[1],
  ...(tokens ? { 'x-ratelimit-limit-tokens': tokens[0], 'x-ratelimit-remaining-tokens': tokens[1] } : {}),
});

describe('RequestPacer', () => {
  it('sends the first request alone; without rate-limit headers then only caps requests in flight, and never counts tokens', async () => {
    const { pacer, sleeps } = fakePacer(2);
    let counted = 0;
    const tokens = () => ++counted;
    const probe = await pacer.acquire(tokens, signal);
    let second = false;
    const next = pacer.acquire(tokens, signal).then((t) => ((second = true), t));
    await Promise.resolve();
    expect(second).toBe(false);
    pacer.settle(probe, 'ok', new Headers());
    const a = await next;
    await pacer.acquire(tokens, signal);
    let third = false;
    const waiting = pacer.acquire(tokens, signal).then((t) => ((third = true), t));
    await Promise.resolve();
    expect(third).toBe(false);
    pacer.settle(a, 'ok', new Headers());
    await waiting;
    expect(third).toBe(true);
    expect(sleeps).toEqual([]);
    expect(counted).toBe(0);
  });

  it('once the headers say the budget is spent, waits for the refill (limit per minute, continuously)', async () => {
    const { pacer, sleeps } = fakePacer();
    const t = await pacer.acquire(() => 0, signal);
    pacer.settle(t, 'ok', limits([60, 0]));
    for (let i = 0; i < 3; i++) pacer.settle(await pacer.acquire(() => 0, signal), 'ok', new Headers());
    expect(sleeps).toEqual([1000, 1000, 1000]);
  });

  it('charges tokens once the provider limits them, and refuses a request larger than the limit', async () => {
    const { pacer, sleeps } = fakePacer();
    pacer.settle(await pacer.acquire(() => 0, signal), 'ok', limits([100, 100], [600, 100]));
    expect(pacer.tokenLimit).toBe(600);
    await pacer.acquire(() => 100, signal);
    expect(sleeps).toEqual([]);
    await pacer.acquire(() => 50, signal);
    expect(sleeps).toEqual([5000]); // 50 tokens at 600 per minute
    await expect(pacer.acquire(() => 601, signal)).rejects.toThrow(/601 tokens .* limit of 600 tokens per minute/);
  });

  it('counts what was sent after a response and is still in flight against the remaining budget', async () => {
    const { pacer, sleeps } = fakePacer();
    pacer.settle(await pacer.acquire(() => 0, signal), 'ok', new Headers());
    const first = await pacer.acquire(() => 0, signal);
    await pacer.acquire(() => 0, signal);
    await pacer.acquire(() => 0, signal);
    // The server had 2 left after the first; the two sent after it are not in that count yet.
    pacer.settle(first, 'ok', limits([60, 2]));
    await pacer.acquire(() => 0, signal);
    expect(sleeps).toEqual([1000]);
  });

  it('ignores the budget in an answer older than one already seen', async () => {
    const { pacer, sleeps } = fakePacer();
    pacer.settle(await pacer.acquire(() => 0, signal), 'ok', new Headers());
    const a = await pacer.acquire(() => 0, signal);
    const b = await pacer.acquire(() => 0, signal);
    pacer.settle(b, 'ok', limits([60, 0]));
    pacer.settle(a, 'ok', limits([60, 50]));
    await pacer.acquire(() => 0, signal);
    expect(sleeps).toEqual([1000]);
  });

  it('after a 429 pauses every request for retry-after-ms (else retry-after, else 1 s doubling) and halves the requests in flight', async () => {
    const { pacer, sleeps } = fakePacer(4);
    pacer.settle(await pacer.acquire(() => 0, signal), 'failed', undefined);
    const a = await pacer.acquire(() => 0, signal);
    const b = await pacer.acquire(() => 0, signal);
    pacer.settle(a, 'rate-limited', headers({ 'retry-after-ms': 1500, 'retry-after': 2 }));
    const c = await pacer.acquire(() => 0, signal);
    expect(sleeps).toEqual([1500]);
    // Window 4 -> 2, and two are in flight: the next waits for one to end.
    let fourth = false;
    const waiting = pacer.acquire(() => 0, signal).then((t) => ((fourth = true), t));
    await Promise.resolve();
    expect(fourth).toBe(false);
    pacer.settle(b, 'ok', new Headers());
    const d = await waiting;
    expect(sleeps).toEqual([1500]);
    pacer.settle(c, 'rate-limited', headers({ 'retry-after': 2 }));
    pacer.settle(d, 'failed', undefined);
    const e = await pacer.acquire(() => 0, signal);
    expect(sleeps).toEqual([1500, 2000]);
    // 429s in a row that name no wait: 2 s (the second in a row), then 4 s.
    pacer.settle(e, 'rate-limited', new Headers());
    const f = await pacer.acquire(() => 0, signal);
    pacer.settle(f, 'rate-limited', new Headers());
    await pacer.acquire(() => 0, signal);
    expect(sleeps).toEqual([1500, 2000, 2000, 4000]);
  });
});
