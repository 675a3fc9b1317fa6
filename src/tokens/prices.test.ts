import { describe, expect, it } from 'vitest';
import { formatUsd, getPrice } from './prices.ts';

describe('prices', () => {
  it('formats small non-zero costs so they never read as $0.00', () => {
    expect([0, 0.0004, 0.00123, 0.01, 0.125, 12.5].map(formatUsd)).toEqual(['$0.00', '$0.0004', '$0.0012', '$0.01', '$0.13', '$12.50']);
  });
  it('lets config override the built-in price table', () => {
    expect(getPrice('babbage-002')?.training).toBeGreaterThan(0);
    expect(getPrice('babbage-002', { 'babbage-002': { training: 99 } })?.training).toBe(99);
  });
});
