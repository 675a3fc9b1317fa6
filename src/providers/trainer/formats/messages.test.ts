// The messages JSONL: one example a line, only role and content, the same bytes for the same examples.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../../test/helpers/temp.ts';
import type { ChatExample } from '../types.ts';
import { messagesLine, writeMessagesJsonl } from './messages.ts';

const example = { messages: [{ content: 'Hi "there"\n', role: 'user', name: 'x' }, { role: 'assistant', content: 'ham' }] } as unknown as ChatExample;

describe('messagesLine', () => {
  it('keeps only role then content of each message, whatever else the objects carry', () => {
    expect(messagesLine(example)).toBe('{"messages":[{"role":"user","content":"Hi \\"there\\"\\n"},{"role":"assistant","content":"ham"}]}\n');
  });
});

describe('writeMessagesJsonl', () => {
  it('writes train.jsonl and valid.jsonl (an empty split as an empty file), the same bytes twice', () => {
    const dir = tempDir();
    writeMessagesJsonl(dir, { train: [example, example], valid: [] });
    const first = readFileSync(join(dir, 'train.jsonl'), 'utf8');
    expect(first.split('\n')).toHaveLength(3);
    expect(readFileSync(join(dir, 'valid.jsonl'), 'utf8')).toBe('');
    writeMessagesJsonl(dir, { train: [example, example], valid: [] });
    expect(readFileSync(join(dir, 'train.jsonl'), 'utf8')).toBe(first);
  });
});
