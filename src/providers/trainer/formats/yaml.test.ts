// YAML as the trainers' Python loaders (PyYAML, OmegaConf: YAML 1.1) read it back.
import { describe, expect, it } from 'vitest';
import { renderYaml, yaml11Float } from './yaml.ts';

describe('yaml11Float', () => {
  it('gives every float a dot, so YAML 1.1 reads a float and not a string', () => {
    expect(yaml11Float(0.0002)).toBe('0.0002');
    expect(yaml11Float(1e-5)).toBe('0.00001');
    expect(yaml11Float(1e-7)).toBe('1.0e-7');
    expect(yaml11Float(2.5e-8)).toBe('2.5e-8');
    expect(yaml11Float(1.5e21)).toBe('1.5e+21');
    expect(yaml11Float(3)).toBe('3.0');
    expect(yaml11Float(Number.NaN)).toBe('.nan');
    expect(yaml11Float(-Infinity)).toBe('-.inf');
  });
});

describe('renderYaml', () => {
  it('writes the header as comments, then the keys in order; floats with a dot, integers as integers', () => {
    expect(renderYaml(['one', '', 'two'], { b: 1e-7, a: 3, c: 0.05 })).toBe('# one\n#\n# two\nb: 1.0e-7\na: 3\nc: 0.05\n');
  });

  it("quotes the strings YAML 1.1 would read as booleans, numbers or null, and leaves 'none' plain", () => {
    expect(renderYaml([], { a: 'yes', b: 'off', c: '1e-7', d: 'null', e: 'none', f: '0.5' })).toBe('a: "yes"\nb: "off"\nc: "1e-7"\nd: "null"\ne: none\nf: "0.5"\n');
  });
});
