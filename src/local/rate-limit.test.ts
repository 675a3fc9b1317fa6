// --rate-limit's parser and OpenAI's duration format in x-ratelimit-reset-*.
import { describe, expect, it } from 'vitest';
import { formatDuration, parseRateLimit } from './rate-limit.ts';

describe('parseRateLimit', () => {
  it('reads RPM,TPM with either number left out', () => {
    expect(parseRateLimit('600,100000')).toEqual({ requests: 600, tokens: 100000 });
    expect(parseRateLimit('600,')).toEqual({ requests: 600 });
    expect(parseRateLimit('600')).toEqual({ requests: 600 });
    expect(parseRateLimit(',100000')).toEqual({ tokens: 100000 });
    expect(parseRateLimit(' 60 , 9000 ')).toEqual({ requests: 60, tokens: 9000 });
  });

  it.each([
    [',', /at least one of the two numbers/],
    ['', /at least one of the two numbers/],
    ['1,2,3', /at most one comma/],
    ['0,100', /RPM must be a whole number of at least 1 \(got '0'/],
    ['60,1.5', /TPM must be a whole number of at least 1 \(got '1.5'/],
    ['-5', /RPM must be/],
    ['6e2', /RPM must be/],
    ['99999999999999999999', /RPM must be/],
  ])('refuses %j', (text, message) => {
    expect(() => parseRateLimit(text)).toThrow(RangeError);
    expect(() => parseRateLimit(text)).toThrow(message);
  });
});

describe('formatDuration (Go style, as OpenAI writes reset times)', () => {
  it.each([
    [0, '0ms'], [20, '20ms'], [19.2, '20ms'], [999, '999ms'], [1000, '1s'], [1500, '1.5s'], [59_999, '59.999s'],
    [60_000, '1m0s'], [360_000, '6m0s'], [61_500, '1m1.5s'], [3_600_000, '1h0m0s'], [3_723_000, '1h2m3s'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
