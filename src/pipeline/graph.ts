// The stage graph as plain data, and pure functions over it.
//
//   load --> dedupe --> split --> tokencheck
//                          \--> stats
//
// is { nodes: ['load','dedupe','split','tokencheck','stats'],
//      needs: { load: [], dedupe: ['load'], split: ['dedupe'], tokencheck: ['split'], stats: ['split'] } }

export interface Graph {
  /** Node ids in file order (the tie-break for every ordering). */
  nodes: string[];
  /** Upstream ids of each node. */
  needs: Record<string, string[]>;
}

/** The first cycle found, as a closed path (`['a', 'b', 'a']`), or undefined. */
export function findCycle(graph: Graph): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'open');
    stack.push(id);
    for (const up of graph.needs[id] ?? []) {
      if (!graph.needs[up]) continue;
      if (state.get(up) === 'open') return [...stack.slice(stack.indexOf(up)), up].reverse();
      if (!state.has(up)) {
        const found = visit(up);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of graph.nodes) {
    if (!state.has(id)) {
      const found = visit(id);
      if (found) return found;
    }
  }
  return undefined;
}

/** A topological order (upstream first), stable with respect to file order. Assumes no cycle. */
export function topoOrder(graph: Graph): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (id: string) => {
    if (done.has(id)) return;
    done.add(id);
    for (const up of graph.needs[id] ?? []) visit(up);
    order.push(id);
  };
  for (const id of graph.nodes) visit(id);
  return order;
}

/** The given ids and everything they need, transitively. */
export function upstreamOf(graph: Graph, ids: Iterable<string>): Set<string> {
  const out = new Set<string>();
  const walk = (id: string) => {
    if (out.has(id)) return;
    out.add(id);
    for (const up of graph.needs[id] ?? []) walk(up);
  };
  for (const id of ids) walk(id);
  return out;
}

/** The given ids and everything that needs them, transitively. */
export function downstreamOf(graph: Graph, ids: Iterable<string>): Set<string> {
  const out = new Set<string>(ids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const id of graph.nodes) {
      if (!out.has(id) && (graph.needs[id] ?? []).some((up) => out.has(up))) {
        out.add(id);
        grew = true;
      }
    }
  }
  return out;
}

/** Ids in breadth-first order walking upstream from `id` (excluding it): the search order for input wiring. */
export function upstreamBreadthFirst(graph: Graph, id: string): string[] {
  const seen = new Set<string>([id]);
  const order: string[] = [];
  let frontier = [...(graph.needs[id] ?? [])];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const up of frontier) {
      if (seen.has(up)) continue;
      seen.add(up);
      order.push(up);
      next.push(...(graph.needs[up] ?? []));
    }
    frontier = next;
  }
  return order;
}
