import { describe, expect, it } from 'vitest';
import { checkClassification, LineError, listClasses, parseFineTuneJsonl } from './dataset.ts';

const pc = (prompt: string, completion: string) => JSON.stringify({ prompt, completion });

function lineError(text: string): string {
  try {
    parseFineTuneJsonl(text);
  } catch (error) {
    expect(error).toBeInstanceOf(LineError);
    return (error as Error).message;
  }
  throw new Error('expected a LineError');
}

describe('parseFineTuneJsonl', () => {
  it('reads prompt/completion and chat records, CRLF included', () => {
    expect(parseFineTuneJsonl(`${pc('a', ' x')}\r\n${pc('b', ' y')}\r\n`).examples).toEqual([
      { prompt: 'a', label: ' x', line: 1 },
      { prompt: 'b', label: ' y', line: 2 },
    ]);
    const chat = JSON.stringify({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: [{ type: 'text', text: 'U' }] }, { role: 'assistant', content: 'A' }] });
    expect(parseFineTuneJsonl(chat)).toEqual({ format: 'chat', examples: [{ prompt: 'S\nU', label: 'A', line: 1 }] });
  });

  it('names the first bad line and why', () => {
    expect(lineError(`${pc('a', ' x')}\n{oops\n`)).toMatch(/^line 2: not valid JSON/);
    expect(lineError(`${pc('a', ' x')}\n\n${pc('a', ' x')}`)).toBe('line 2: empty line; expected one JSON object per line');
    expect(lineError('[1,2]')).toBe('line 1: expected a JSON object, got an array');
    expect(lineError(JSON.stringify({ prompt: 'a', completion: 3 }))).toBe('line 1: "completion" must be a string');
    expect(lineError(JSON.stringify({ messages: [{ role: 'user', content: 'q' }] }))).toBe('line 1: the last message must be the assistant\'s answer (role "assistant")');
    expect(lineError(JSON.stringify({ messages: [{ role: 'robot', content: 'q' }] }))).toMatch(/^line 1: messages\[0\]\.role must be one of/);
    expect(lineError(`${pc('a', ' x')}\n${JSON.stringify({ messages: [{ role: 'assistant', content: 'q' }] })}`)).toMatch(/^line 2: mixes formats/);
    expect(lineError('')).toMatch(/^line 1: the file is empty/);
  });
});

describe('checkClassification', () => {
  const rows = (labels: string[]) => parseFineTuneJsonl(labels.map((l, i) => pc(`p${i}`, l)).join('\n'));

  it('accepts classification data and sorts its classes', () => {
    const data = rows([...Array(12)].map((_, i) => (i % 3 === 0 ? ' b' : ' a')));
    expect(checkClassification(data, undefined)).toBeUndefined();
    expect(listClasses(data)).toEqual([' a', ' b']);
  });

  it('rejects too few examples, one class, open-ended data and unknown validation classes', () => {
    expect(checkClassification(rows([' a', ' b']), undefined)).toBe('the training file has 2 examples; at least 10 are required');
    expect(checkClassification(rows(Array(12).fill(' a')), undefined)).toMatch(/same completion " a"/);
    expect(checkClassification(rows([...Array(12)].map((_, i) => ` c${i % 4}`)), undefined)).toMatch(/supports classification only.*4 distinct completions for 12 examples/);
    const train = rows([...Array(12)].map((_, i) => (i % 2 ? ' a' : ' b')));
    expect(checkClassification(train, rows([' a', ' z']))).toBe('validation file line 2: completion " z" is not a class of the training file');
  });
});
