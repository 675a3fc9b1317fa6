import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { applySets, splitSetArg } from './set-overrides.ts';

const fresh = () => ({ params: { seed: 1 }, stages: { train: { with: { n_epochs: 4 } }, load: {} as Record<string, unknown> } });

describe('--set', () => {
  it('maps a first segment naming a stage to stages.<id>, and parses values as YAML', () => {
    const data = fresh();
    const sets = applySets(data, ['train.with.n_epochs=8', 'params.seed=7', 'load.with.columns=[a, b]', 'name=x: y', 'train.with.suffix=']);
    expect(data.stages.train.with).toEqual({ n_epochs: 8, suffix: '' });
    expect(data.params.seed).toBe(7);
    expect(data.stages.load).toEqual({ with: { columns: ['a', 'b'] } });
    expect((data as Record<string, unknown>).name).toEqual({ x: 'y' });
    expect(sets.map((s) => s.path)).toEqual([
      ['stages', 'train', 'with', 'n_epochs'], ['params', 'seed'], ['stages', 'load', 'with', 'columns'], ['name'], ['stages', 'train', 'with', 'suffix'],
    ]);
  });
  it('accepts explicit stages.<id> paths and list indices', () => {
    const data = { stages: { a: { with: { run: ['x', 'y'] } } } };
    applySets(data, ['stages.a.with.run.1=z']);
    expect(data.stages.a.with.run).toEqual(['x', 'z']);
  });
  it('makes a missing =, an unknown stage, or a path through a scalar a usage error', () => {
    const attempt = (arg: string) => {
      try {
        applySets(fresh(), [arg]);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error(`no error for ${arg}`);
    };
    expect(attempt('train.with.n_epochs')).toBe('--set train.with.n_epochs: expected KEY=VALUE, e.g. --set train.with.n_epochs=8');
    expect(attempt('trian.with.x=1')).toBe("--set trian.with.x=1: 'trian' is not a stage or a top-level key; did you mean 'train'?");
    expect(attempt('stages.tran.with.x=1')).toBe("--set stages.tran.with.x=1: 'tran' is not a stage; did you mean 'train'?");
    expect(attempt('train.with.n_epochs.x=1')).toBe("--set train.with.n_epochs.x=1: stages.train.with.n_epochs is 4, not an object, so it has no 'x'");
    expect(attempt('train..x=1')).toMatch(/is not a dotted path/);
    expect(attempt('train.with.x=[1, 2')).toMatch(/^--set train\.with\.x=\[1, 2: the value is not valid YAML/);
  });
  it('refuses __proto__, constructor and prototype in paths and values, and recursive or undefined aliases', () => {
    for (const arg of ['params.__proto__.polluted=1', 'train.with.constructor=1', 'params.x={a: {prototype: 1}}', 'params.x=&a [*a]', 'params.x=*nope']) {
      expect(() => applySets(fresh(), [arg]), arg).toThrow(UsageError);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => applySets(fresh(), ['params.x=&a [*a]'])).toThrow('alias *a is inside the value of its own anchor &a');
  });
  it('splits only at the first =', () => {
    expect(splitSetArg('a.b=c=d')).toEqual({ key: 'a.b', value: 'c=d' });
  });
});
