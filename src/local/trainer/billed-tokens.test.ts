// The local server's trained tokens per epoch: prompt + completion, or OpenAI's cookbook formula over every chat message.
import { describe, expect, it } from 'vitest';
import { countBilledTokens } from './billed-tokens.ts';

/** One "token" per character: the formula is what is under test, not the tokenizer. */
const chars = (text: string) => text.length;

describe('countBilledTokens', () => {
  it('counts prompt and completion tokens of prompt/completion lines', () => {
    const text = `${JSON.stringify({ prompt: 'abc', completion: ' x\n' })}\n${JSON.stringify({ prompt: 'de', completion: ' yy' })}\n`;
    expect(countBilledTokens(text, chars)).toBe(3 + 3 + 2 + 3);
  });

  it('counts chat lines as the cookbook: 3 per message, every string value, 1 more per name, 3 per conversation', () => {
    const line = { messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hi', name: 'bob' },
      { role: 'assistant', content: [{ type: 'text', text: 'ok' }], weight: 1 },
    ] };
    const strings = ['system', 'be brief', 'user', 'hi', 'bob', 'assistant', 'ok'];
    const expected = 3 + 3 * 3 + 1 + strings.join('').length;
    expect(countBilledTokens(`${JSON.stringify(line)}\r\n${JSON.stringify(line)}\r\n`, chars)).toBe(2 * expected);
  });
});
