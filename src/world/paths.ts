import { edgeFilter } from './access.js';
import type { Access } from './access.js';
import { MinHeap } from './heap.js';
import type { WorldGraph } from './world-graph.js';

/** A path through the world: the entities in order (both ends included) and its total distance. */
export interface WorldPath {
  readonly path: readonly string[];
  readonly distance: number;
}

/**
 * The shortest path from `from` to `to` for `access`, weighted by edge distance (Dijkstra
 * with a binary heap, stopping when `to` is settled), or undefined when `to` is not reachable
 * with what `access` holds. Throws RangeError for an unknown entity.
 *
 * Our own Dijkstra rather than graphology-shortest-path's: gating is a filter on each edge,
 * applied while iterating graphology's out-edges, so no filtered copy of the graph is built
 * and the search stops at the target (graphology's bidirectional Dijkstra has a weight getter
 * but no way to skip an edge short of an infinite weight). Cost O((V' + E') log V') over the
 * part of the graph nearer than `to`.
 */
export function shortestPath(world: WorldGraph, from: string, to: string, access: Access): WorldPath | undefined {
  for (const id of [from, to]) if (!world.hasEntity(id)) throw new RangeError(`shortestPath: unknown entity '${id}'`);
  const open = edgeFilter(access);
  const graph = world.graph;
  const dist = new Map<string, number>([[from, 0]]);
  const previous = new Map<string, string>();
  const settled = new Set<string>();
  const heap = new MinHeap();
  heap.push(0, from);
  while (heap.size > 0) {
    const d = heap.peekKey()!;
    const node = heap.pop()!;
    if (settled.has(node)) continue;
    settled.add(node);
    if (node === to) {
      const path = [to];
      for (let at = to; at !== from; ) path.push((at = previous.get(at)!));
      return { path: path.reverse(), distance: d };
    }
    graph.forEachOutEdge(node, (_edge, attributes, _source, target) => {
      if (settled.has(target) || !open(attributes)) return;
      const candidate = d + attributes.distance;
      const known = dist.get(target);
      if (known === undefined || candidate < known) {
        dist.set(target, candidate);
        previous.set(target, node);
        heap.push(candidate, target);
      }
    });
  }
  return undefined;
}
