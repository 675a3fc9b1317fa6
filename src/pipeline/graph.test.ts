import { describe, expect, it } from 'vitest';
import { downstreamOf, findCycle, topoOrder, upstreamBreadthFirst, upstreamOf, type Graph } from './graph.ts';

//   a --> b --> d
//    \--> c --/
const diamond: Graph = { nodes: ['a', 'b', 'c', 'd'], needs: { a: [], b: ['a'], c: ['a'], d: ['b', 'c'] } };

describe('graph', () => {
  it('orders upstream first, stable by file order', () => {
    expect(topoOrder(diamond)).toEqual(['a', 'b', 'c', 'd']);
    const order = topoOrder({ nodes: ['d', 'c', 'b', 'a'], needs: diamond.needs });
    for (const [id, ups] of Object.entries(diamond.needs)) {
      for (const up of ups) expect(order.indexOf(up)).toBeLessThan(order.indexOf(id));
    }
  });
  it('finds no cycle in a DAG and a closed path in a cycle', () => {
    expect(findCycle(diamond)).toBeUndefined();
    // a --> b --> c --> a
    const cyclic: Graph = { nodes: ['a', 'b', 'c'], needs: { a: ['c'], b: ['a'], c: ['b'] } };
    expect(findCycle(cyclic)).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle({ nodes: ['x'], needs: { x: ['x'] } })).toEqual(['x', 'x']);
  });
  it('selects upstream and downstream closures', () => {
    expect([...upstreamOf(diamond, ['b'])].sort()).toEqual(['a', 'b']);
    expect([...downstreamOf(diamond, ['b'])].sort()).toEqual(['b', 'd']);
  });
  it('walks upstream breadth-first for input wiring', () => {
    expect(upstreamBreadthFirst(diamond, 'd')).toEqual(['b', 'c', 'a']);
  });
});
