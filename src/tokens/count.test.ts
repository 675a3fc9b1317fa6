import { describe, expect, it } from 'vitest';
import { getEncodingForModel } from './encoding.ts';
import { encodeText, LONG_PIECE_CHARS } from './count.ts';

describe('encodeText', () => {
  it('matches tiktoken exactly on ordinary text, with or without a piece cache', async () => {
    const enc = await getEncodingForModel('gpt-4o-mini');
    const text = 'Free entry in 2 a wkly comp to win FA Cup final tkts 21st May 2005.\n\n###\n\n ham\n';
    expect(encodeText(enc, text)).toEqual(enc.encode(text, [], []));
    const cache = new Map<string, number[]>();
    expect(encodeText(enc, text, cache)).toEqual(enc.encode(text, [], []));
    expect(encodeText(enc, text, cache)).toEqual(enc.encode(text, [], []));
  });

  it('counts one unbroken 51,200-letter word in linear time, never under the exact count', async () => {
    const enc = await getEncodingForModel('babbage-002');
    const exactPer = enc.encode('x'.repeat(LONG_PIECE_CHARS), [], []).length;
    // The whole-piece encode took tens of minutes here (the test timeout catches a regression).
    const ids = encodeText(enc, 'x'.repeat(400 * LONG_PIECE_CHARS));
    expect(ids.length).toBe(400 * exactPer);
    const mixed = `${'ab'.repeat(200)} and then some words`;
    expect(encodeText(enc, mixed).length).toBeGreaterThanOrEqual(enc.encode(mixed, [], []).length);
  });
});
