// The change column of `metrics --diff --json` without floating-point noise.
import { describe, expect, it } from 'vitest';
import { roundChange } from './metrics.ts';

describe('roundChange', () => {
  it('rounds to 12 significant digits of the larger value', () => {
    expect(roundChange(0.8 - 0.875, 0.875, 0.8)).toBe(-0.075);
    expect(0.8 - 0.875).toBe(-0.07499999999999996);
    expect(roundChange(0.9875 - 0.95, 0.95, 0.9875)).toBe(0.0375);
    expect(roundChange(1034 - 1115, 1115, 1034)).toBe(-81);
    expect(roundChange(0.9865384615384616 - 0.9694, 0.9694, 0.9865384615384616)).toBe(0.017138461538);
    expect(roundChange(0.5 - 0.5, 0.5, 0.5)).toBe(0);
    expect(roundChange(null, null, 0.5)).toBeNull();
  });
});
