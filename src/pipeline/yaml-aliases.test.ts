// aliasProblems: ordinary anchors pass, exploding, undefined and recursive aliases are named at their position.
import { describe, expect, it } from 'vitest';
import { parseYamlSource } from './source.ts';
import { aliasProblems } from './yaml-aliases.ts';

function problems(text: string) {
  const source = parseYamlSource(text, 'p.yaml');
  return aliasProblems(source).map((d) => ({ at: source.lineCounter.linePos(d.offset!), message: d.message }));
}

describe('aliasProblems', () => {
  it('passes shared blocks, merge keys and many aliases of small values', () => {
    const shared = 'base: &base { valid: 0.2, seed: 1 }\na:\n  <<: *base\nb:\n  <<: *base\n  seed: 2\n';
    expect(problems(shared)).toEqual([]);
    // 5,000 aliases of one scalar expand to 5,000 values: far below the limit (yaml's own count limit would refuse them).
    const many = `x: &x 1\nlist: [${Array.from({ length: 5000 }, () => '*x').join(', ')}]\n`;
    expect(problems(many)).toEqual([]);
    const doc = parseYamlSource(many, 'p.yaml').doc.toJS({ maxAliasCount: -1 }) as { list: number[] };
    expect(doc.list).toHaveLength(5000);
  });

  it('names the alias where a billion laughs passes 100,000 values (the 8th *d: 12,330 + 8 x 11,111)', () => {
    const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (const [prev, name] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f']] as const) {
      levels.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${prev}`).join(', ')}]`);
    }
    expect(problems(levels.join('\n') + '\n')).toEqual([
      { at: { line: 5, col: 36 }, message: expect.stringContaining('aliases expand to more than 100,000 values here (*d)') },
    ]);
  });

  it('names undefined and recursive aliases', () => {
    expect(problems('a: *nope\nb: &b [1, [2, *b]]\n')).toEqual([
      { at: { line: 1, col: 4 }, message: 'alias *nope has no anchor &nope before it' },
      { at: { line: 2, col: 15 }, message: 'alias *b is inside the value of its own anchor &b: a value cannot contain itself' },
    ]);
  });
});
