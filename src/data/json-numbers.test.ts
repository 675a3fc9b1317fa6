// parseJsonExact keeps every number a double would change as its source text, and only pays for it when needed.
import { describe, expect, it } from 'vitest';
import { exactNumbersAsText, isExactNumber, parseJsonExact } from './json-numbers.ts';
import { Xoshiro128 } from '../shared/prng.ts';

/** A random JSON number text: sign, 1-25 integer digits, maybe a fraction (sometimes with leading zeros), maybe an exponent. */
function randomNumberText(next: () => number): string {
  const int = (k: number) => Math.floor(next() * k);
  const digits = (n: number, lead: boolean) => Array.from({ length: n }, (_, i) => String(i === 0 && lead ? 1 + int(9) : int(10))).join('');
  const length = 1 + int(25);
  let text = (int(2) ? '-' : '') + (length === 1 ? String(int(10)) : digits(length, true));
  if (int(2)) text += '.' + (int(3) === 0 ? '0'.repeat(int(9)) : '') + digits(1 + int(20), false);
  if (int(5) === 0) text += (int(2) ? 'e' : 'E') + ['', '+', '-'][int(3)] + String(int(400));
  return text;
}

describe('parseJsonExact', () => {
  it('keeps the text of every number whose double would print differently (50,000 random numbers)', () => {
    const rng = new Xoshiro128(7);
    const next = () => rng.nextFloat();
    let changed = 0;
    for (let i = 0; i < 50_000; i++) {
      const text = randomNumberText(next);
      const value = (parseJsonExact(`{"n":${text}}`) as { n: unknown }).n;
      if (String(JSON.parse(text)) === text) {
        expect(value, text).toBe(JSON.parse(text));
      } else {
        changed += 1;
        expect(isExactNumber(value), text).toBe(true);
        expect((value as { rawJSON: string }).rawJSON, text).toBe(text);
      }
    }
    expect(changed).toBeGreaterThan(2_500);
  });

  it('keeps two 20-digit labels apart, and 1.0 as written', () => {
    const a = parseJsonExact('{"completion":12345678901234567890}') as { completion: { rawJSON: string } };
    const b = parseJsonExact('{"completion":12345678901234567891}') as { completion: { rawJSON: string } };
    expect([a.completion.rawJSON, b.completion.rawJSON]).toEqual(['12345678901234567890', '12345678901234567891']);
    expect(JSON.stringify(parseJsonExact('{"x":[1.0,2,1e400]}'))).toBe('{"x":[1.0,2,1e400]}');
  });

  it('parses plain records as JSON.parse does', () => {
    const line = '{"prompt":"call 0800 123 4567 now, v1.0","completion":"spam","n":3}';
    expect(parseJsonExact(line)).toEqual(JSON.parse(line));
  });

  it('turns kept numbers into their text for fields copied as they are', () => {
    const row = parseJsonExact('{"group":12345678901234567890,"meta":{"id":98765432109876543210,"k":1},"plain":{"a":1}}') as Record<string, unknown>;
    expect(exactNumbersAsText(row.group)).toBe('12345678901234567890');
    expect(exactNumbersAsText(row.meta)).toEqual({ id: '98765432109876543210', k: 1 });
    expect(exactNumbersAsText(row.plain)).toBe(row.plain);
  });
});
