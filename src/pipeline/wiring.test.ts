import { describe, expect, it } from 'vitest';
import { findProducer, parseWireRef, upstreamLevels } from './wiring.ts';

//   load --> dedupe --> split --> check
//     \------------------------/
const graph = {
  nodes: ['load', 'dedupe', 'split', 'check'],
  needs: { load: [], dedupe: ['load'], split: ['dedupe'], check: ['split', 'load'] },
};

describe('wiring', () => {
  it('groups upstream stages by breadth-first distance, each at its nearest', () => {
    expect(upstreamLevels(graph, 'check')).toEqual([['split', 'load'], ['dedupe']]);
    expect(upstreamLevels(graph, 'load')).toEqual([]);
  });
  it('takes the nearest producer', () => {
    const outputs = { load: ['dataset'], dedupe: ['dataset', 'report'], split: ['train', 'valid'], check: [] };
    expect(findProducer(graph, outputs, 'split', 'dataset')).toEqual({ kind: 'found', wire: { stage: 'dedupe', artifact: 'dataset' } });
    expect(findProducer(graph, outputs, 'check', 'report')).toEqual({ kind: 'found', wire: { stage: 'dedupe', artifact: 'report' } });
    expect(findProducer(graph, outputs, 'check', 'nope')).toEqual({ kind: 'missing', upstream: ['split', 'load', 'dedupe'] });
  });
  it('finds two producers at the same distance ambiguous', () => {
    const outputs = { load: ['dataset'], dedupe: [], split: ['dataset'], check: [] };
    expect(findProducer(graph, outputs, 'check', 'dataset')).toEqual({ kind: 'ambiguous', producers: ['split', 'load'], distance: 1 });
  });
  it('does not claim a miss when an upstream stage has unknown outputs', () => {
    const outputs = { load: ['dataset'], dedupe: undefined, split: [], check: [] };
    expect(findProducer(graph, outputs, 'split', 'report')).toEqual({ kind: 'unknown' });
    expect(findProducer(graph, outputs, 'split', 'dataset')).toEqual({ kind: 'unknown' });
  });
  it('parses stage.artifact references', () => {
    expect(parseWireRef('split.valid')).toEqual({ stage: 'split', artifact: 'valid' });
    expect(parseWireRef('split')).toBeUndefined();
    expect(parseWireRef(3)).toBeUndefined();
  });
});
