import { describe, expect, it } from 'vitest';
import { makeCodeFrame } from './code-frame.ts';
import { formatPath, pointerToPath } from './json-path.ts';
import { locatePath, parseYamlSource } from './source.ts';

const TEXT = `version: 1
stages:
  split:
    with:
      valid: 1.5
      list: [a, b]
  empty:
`;

describe('locatePath', () => {
  const source = parseYamlSource(TEXT, 'p.yaml');
  it('points at values, keys, and list items', () => {
    expect(locatePath(source, ['stages', 'split', 'with', 'valid'])).toEqual({ line: 5, col: 14 });
    expect(locatePath(source, ['stages', 'split', 'with', 'valid'], 'key')).toEqual({ line: 5, col: 7 });
    expect(locatePath(source, ['stages', 'split', 'with', 'list', 1])).toEqual({ line: 6, col: 17 });
    expect(locatePath(source, ['stages', 'split'], 'key')).toEqual({ line: 3, col: 3 });
  });
  it('falls back to the deepest key that exists', () => {
    expect(locatePath(source, ['stages', 'split', 'with', 'nope', 'x'])).toEqual({ line: 4, col: 5 });
    expect(locatePath(source, ['stages', 'empty', 'with', 'run'])).toEqual({ line: 7, col: 3 });
    expect(locatePath(source, ['missing'])).toEqual({ line: 1, col: 1 });
  });
});

describe('makeCodeFrame', () => {
  it('shows two lines around the problem and a caret under the column', () => {
    expect(makeCodeFrame(TEXT, 5, 14)).toBe(
      [
        '  3 |   split:',
        '  4 |     with:',
        '> 5 |       valid: 1.5',
        '    |              ^',
        '  6 |       list: [a, b]',
        '  7 |   empty:',
      ].join('\n'),
    );
  });
  it('pads line numbers and clips at the file edges', () => {
    const text = Array.from({ length: 12 }, (_, i) => `l${i + 1}`).join('\n');
    expect(makeCodeFrame(text, 1, 1).split('\n')).toEqual(['> 1 | l1', '    | ^', '  2 | l2', '  3 | l3']);
    expect(makeCodeFrame(text, 12, 2).split('\n').slice(-2)).toEqual(['> 12 | l12', '     |  ^']);
  });
});

describe('JSON paths', () => {
  it('converts ajv pointers and formats dotted paths', () => {
    const data = { stages: { 'a/b': { run: ['x', 'y'] } } };
    expect(pointerToPath('/stages/a~1b/run/1', data)).toEqual(['stages', 'a/b', 'run', 1]);
    expect(formatPath(['stages', 'split', 'with', 'run', 0])).toBe('stages.split.with.run[0]');
    expect(formatPath(['stages', 'a b'])).toBe('stages["a b"]');
    expect(formatPath([])).toBe('(top level)');
  });
});
