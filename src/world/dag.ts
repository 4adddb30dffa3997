import Graph from 'graphology';
import { hasCycle as graphologyHasCycle, topologicalSort as graphologyTopologicalSort } from 'graphology-dag';
import type { EdgeAttributes, EntityAttributes } from './types.js';
import type { WorldGraph, WorldGraphology } from './world-graph.js';

/**
 * Order and cycles over the world's structure (every edge, gates ignored: a dependency is a
 * dependency whoever walks it), on the whole graph or the subgraph induced by some kinds.
 * Topological sort and the cycle test are graphology-dag's; findCycle is ours (graphology-dag
 * says whether there is a cycle, not which).
 */
export interface KindSelection {
  /** Only entities of these kinds (and the edges between them); all entities when omitted. */
  readonly kinds?: readonly string[];
}

/** The graph to work on: the world's own graph, or a copy induced by `kinds`. */
function selected(world: WorldGraph, selection: KindSelection): WorldGraphology {
  if (selection.kinds === undefined) return world.graph;
  const kinds = new Set(selection.kinds);
  const graph = new Graph.DirectedGraph<EntityAttributes, EdgeAttributes>({ allowSelfLoops: true });
  world.graph.forEachNode((node, attributes) => {
    if (kinds.has(attributes.kind)) graph.addNode(node, attributes);
  });
  world.graph.forEachEdge((_edge, attributes, source, target) => {
    if (graph.hasNode(source) && graph.hasNode(target)) graph.addDirectedEdge(source, target, attributes);
  });
  return graph;
}

/**
 * Entities in an order where every edge goes forward (graphology-dag, Kahn's algorithm,
 * O(V + E)). Throws an Error naming a cycle when there is one.
 */
export function topologicalOrder(world: WorldGraph, selection: KindSelection = {}): string[] {
  const graph = selected(world, selection);
  const cycle = graphologyHasCycle(graph) ? findCycleIn(graph) : undefined;
  if (cycle !== undefined) throw new Error(`topologicalOrder: the graph has a cycle: ${[...cycle, cycle[0]].join(' -> ')}`);
  return graphologyTopologicalSort(graph);
}

/** True when the (selected) graph has a directed cycle (graphology-dag, O(V + E)). */
export function hasCycle(world: WorldGraph, selection: KindSelection = {}): boolean {
  return graphologyHasCycle(selected(world, selection));
}

/**
 * One directed cycle as the entities on it in order (the last has an edge back to the
 * first; a self-loop is `[x]`), or undefined when the graph is acyclic. Iterative DFS,
 * O(V + E), no recursion (deep graphs are fine).
 */
export function findCycle(world: WorldGraph, selection: KindSelection = {}): string[] | undefined {
  return findCycleIn(selected(world, selection));
}

function findCycleIn(graph: WorldGraphology): string[] | undefined {
  const ON_STACK = 1;
  const DONE = 2;
  const color = new Map<string, number>();
  for (const root of graph.nodes()) {
    if (color.has(root)) continue;
    const stack: string[] = [root];
    const iterators: Iterator<string>[] = [graph.outNeighbors(root)[Symbol.iterator]()];
    color.set(root, ON_STACK);
    while (stack.length > 0) {
      const next = iterators[iterators.length - 1]!.next();
      if (next.done === true) {
        color.set(stack.pop()!, DONE);
        iterators.pop();
        continue;
      }
      const target = next.value;
      const c = color.get(target);
      if (c === ON_STACK) return stack.slice(stack.lastIndexOf(target));
      if (c === undefined) {
        color.set(target, ON_STACK);
        stack.push(target);
        iterators.push(graph.outNeighbors(target)[Symbol.iterator]());
      }
    }
  }
  return undefined;
}
