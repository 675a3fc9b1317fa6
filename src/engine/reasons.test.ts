// Reasons name what changed: the parameter a value came from, the element of a long list, never URL credentials.
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../store/state.ts';
import type { KeyParts } from './keys.ts';
import { diffParams, explainChange } from './reasons.ts';

const SCRIPT = "require('fs').writeFileSync(process.argv[1], process.argv[2] + ' and a long tail that is cut')";

describe('diffParams', () => {
  it('names the changed element of a long list by its index, and the parameter it came from', () => {
    const before = { run: ['node', '-e', SCRIPT, '{out.data}', 'hello'], outputs: ['data'] };
    const after = { run: ['node', '-e', SCRIPT, '{out.data}', 'world'], outputs: ['data'] };
    expect(diffParams(before, after)).toEqual(['with.run[4] "hello" -> "world"']);
    expect(diffParams(before, after, { 'with.run[4]': 'params.word' })).toEqual(['params.word "hello" -> "world" (with.run[4])']);
  });

  it('shows where two long values differ, at the same offset on both sides', () => {
    const long = (word: string) => `${'a'.repeat(70)} ${word} ${'z'.repeat(70)}`;
    const [reason] = diffParams({ text: long('hello') }, { text: long('world') });
    expect(reason).toMatch(/^with\.text \.\.\.a+ hello z+\.\.\. -> \.\.\.a+ world z+\.\.\.$/);
  });

  it('keeps short values whole, lists of another length as one value, and nested keys dotted', () => {
    expect(diffParams({ seed: 42 }, { seed: 7 })).toEqual(['with.seed 42 -> 7']);
    expect(diffParams({ run: ['a'] }, { run: ['a', 'b'] })).toEqual(['with.run ["a"] -> ["a","b"]']);
    expect(diffParams({}, { env: { A: '1' } })).toEqual(['with.env.A (unset) -> "1"']);
  });
});

describe('explainChange', () => {
  const parts = (provider: string): KeyParts => ({ type: 'upload', version: 1, params: {}, inputs: {}, provider });
  const record = (provider: string): RunRecord => ({ type: 'upload', version: 1, key: 'k', params: {}, inputs: {}, outputs: {}, provider });

  it('never prints the user:password@ of a provider URL from an old lock entry', () => {
    expect(explainChange(record('openai:http://bob:hunter2@a.example/v1'), parts('openai:http://b.example/v1'), {})).toEqual([
      'provider changed: openai:http://a.example/v1 -> openai:http://b.example/v1',
    ]);
    expect(explainChange(record('openai:http://bob:hunter2@a.example/v1'), parts('openai:http://a.example/v1'), {})[0]).not.toContain('hunter2');
  });
});
