// Record conversion for fine-tuning files and the matching inference requests.
import { describe, expect, it } from 'vitest';
import { buildRequest, convertRecord, detectMarkers, type Conversion } from './format.ts';
import { getBaseModel, getFormatForModel } from './model-format.ts';

const PC: Conversion = { format: 'prompt-completion', prompt_separator: '', completion_ending: '' };
const CHAT: Conversion = { format: 'chat', prompt_separator: '\n\n###\n\n', completion_ending: '\n', system: 'Classify.' };

describe('formats', () => {
  it('prompt/completion for babbage-002 and davinci-002 (also fine-tuned), chat otherwise', () => {
    expect(getFormatForModel('babbage-002')).toBe('prompt-completion');
    expect(getFormatForModel('ft:davinci-002:acme::abc')).toBe('prompt-completion');
    expect(getFormatForModel('gpt-4o-mini')).toBe('chat');
    expect(getBaseModel('ft:gpt-4o-mini-2024-07-18:org:spam:x1')).toBe('gpt-4o-mini-2024-07-18');
  });
});

describe('detectMarkers', () => {
  it('finds the longest legacy separator and ending shared by every record', async () => {
    const records = [
      { prompt: 'a ->', completion: ' x END' },
      { prompt: 'b ->', completion: ' y END' },
    ];
    expect(await detectMarkers(records)).toEqual({ prompt_separator: ' ->', completion_ending: ' END' });
    expect(await detectMarkers([...records, { prompt: 'c', completion: ' z' }])).toEqual({ prompt_separator: '', completion_ending: '' });
  });
});

describe('convertRecord', () => {
  it('keeps only prompt and completion for completion models, dropping _ fields and extras', () => {
    expect(convertRecord({ prompt: 'hi\n\n###\n\n', completion: ' ham\n', _row: 3, group: 'g' }, PC)).toEqual({ prompt: 'hi\n\n###\n\n', completion: ' ham\n' });
  });

  it('turns prompt/completion into user and assistant messages without separator, ending or spaces, after the system message', () => {
    expect(convertRecord({ prompt: 'Win cash!\n\n###\n\n', completion: ' spam\n', _row: 9 }, CHAT)).toEqual({
      messages: [
        { role: 'system', content: 'Classify.' },
        { role: 'user', content: 'Win cash!' },
        { role: 'assistant', content: 'spam' },
      ],
    });
  });

  it('passes chat records through, strips _ keys, and keeps an existing system message', () => {
    const record = { messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'u', _x: 1 }, { role: 'assistant', content: 'a' }], _row: 2, tools: [] };
    expect(convertRecord(record, CHAT)).toEqual({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'u' }, { role: 'assistant', content: 'a' }], tools: [] });
  });

  it('refuses chat records for a completion model, naming the row', () => {
    expect(() => convertRecord({ messages: [{ role: 'user', content: 'u' }], _row: 17 }, PC)).toThrow(/row 17: a chat record/);
  });
});

describe('buildRequest', () => {
  it('sends what the model was trained on and returns the taught answer', () => {
    expect(buildRequest({ prompt: 'hi\n\n###\n\n', completion: ' ham\n' }, PC)).toEqual({ kind: 'completion', prompt: 'hi\n\n###\n\n', display: 'hi\n\n###\n\n', answer: ' ham\n' });
    const chat = buildRequest({ prompt: 'Win!\n\n###\n\n', completion: ' spam\n' }, CHAT);
    expect(chat).toEqual({ kind: 'chat', messages: [{ role: 'system', content: 'Classify.' }, { role: 'user', content: 'Win!' }], display: 'Win!', answer: 'spam' });
    expect(() => buildRequest({ messages: [{ role: 'user', content: 'u' }], _row: 4 }, CHAT)).toThrow(/row 4: the conversation has no assistant message/);
  });
});
