/**
 * WaitForGraph: who is blocked on whom, for deadlock detection (docs/adr/0008).
 *
 * A node is anything that can wait (an actor cell); an edge is one pending wait (an ask)
 * from its waiter to `edge.target`. Each waiter's edges form an intrusive doubly linked list
 * threaded through the edges themselves (`prev`/`next`, and `list`, the waiter's list), so
 * adding and removing an edge is a few pointer writes: no hashing, no allocation, no rehash
 * (a Set of pending asks grew and shrank by 10k entries per fan-out round and cost more than
 * the rest of the detector). A waiter's list head is kept while it lives (an actor that asks
 * once per message would otherwise make and drop one per ask); `forget` drops it.
 *
 * Detection is a depth-first search from one node along the edges of nodes that wait,
 * looking for a way back to it: run when a node starts to wait on new edges, it finds
 * every cycle, because a cycle always contains the node that closed it.
 */

/** The pending edges of one waiter. */
export class WaitList<E> {
  first: E | null = null;
  size = 0;
}

/** One pending wait. `list`, `prev`, `next` belong to the graph (`list` null: not in it); start them null. */
export interface WaitEdge<E> {
  /** The node waited on; anything else than a node of this graph is a dead end. */
  readonly target: unknown;
  list: WaitList<E> | null;
  prev: E | null;
  next: E | null;
}

/** Takes `edge` out of its waiter's list (its wait ended). No-op for an edge not in a graph. */
export function removeWaitEdge<E extends WaitEdge<E>>(edge: E): void {
  const list = edge.list;
  if (list === null) return;
  const prev = edge.prev;
  const next = edge.next;
  if (prev === null) list.first = next;
  else prev.next = next;
  if (next !== null) next.prev = prev;
  edge.list = null;
  edge.prev = null;
  edge.next = null;
  list.size--;
}

/** A cycle found by `findCycle`: `edges[i]` goes from `nodes[i]` to `nodes[i + 1]`, the last back to `nodes[0]`. */
export interface WaitCycle<N, E> {
  readonly nodes: readonly N[];
  readonly edges: readonly E[];
}

export class WaitForGraph<N extends object, E extends WaitEdge<E>> {
  private readonly out = new Map<N, WaitList<E>>();
  /** The node whose code runs now (the actor in its handler), or null: what `add` attributes asks to. */
  current: N | null = null;
  /** Edges added since the graph was made: a caller compares it before and after running a node's code to learn whether it added any. */
  added = 0;

  /** Records that `waiter` waits on `edge.target` until `remove(edge)`. */
  add(waiter: N, edge: E): void {
    if (edge.list !== null) throw new TypeError('WaitForGraph.add: this edge is already in the graph');
    let list = this.out.get(waiter);
    if (list === undefined) {
      list = new WaitList<E>();
      this.out.set(waiter, list);
    }
    const first = list.first;
    edge.next = first;
    if (first !== null) first.prev = edge;
    list.first = edge;
    list.size++;
    edge.list = list;
    this.added++;
  }

  /** Removes one edge (its wait ended). No-op for an edge not in the graph. */
  remove(edge: E): void {
    removeWaitEdge(edge);
  }

  /** Removes every edge of `waiter` (it no longer waits, though its asks may still be pending). */
  release(waiter: N): void {
    const list = this.out.get(waiter);
    if (list === undefined || list.size === 0) return;
    let edge = list.first;
    while (edge !== null) {
      const next: E | null = edge.next;
      edge.list = null;
      edge.prev = null;
      edge.next = null;
      edge = next;
    }
    list.first = null;
    list.size = 0;
  }

  /** Removes `waiter` and its edges for good (it stopped). */
  forget(waiter: N): void {
    this.release(waiter);
    this.out.delete(waiter);
  }

  /** Number of edges of `waiter`. */
  edgeCount(waiter: N): number {
    return this.out.get(waiter)?.size ?? 0;
  }

  /**
   * A cycle of waits through `start`, or null. Cost: one Map lookup per distinct target
   * reached; a target that waits on nothing (the usual case) is not even remembered.
   */
  findCycle(start: N): WaitCycle<N, E> | null {
    const first = this.out.get(start);
    if (first === undefined || first.size === 0) return null;
    // Usual case first, without allocating: every target waits on nothing (fan-out, a
    // request-reply loop), so there is no cycle.
    let deeper = false;
    for (let edge = first.first; edge !== null; edge = edge.next) {
      const target = edge.target as N;
      if (target === start || (this.out.get(target)?.size ?? 0) > 0) {
        deeper = true;
        break;
      }
    }
    if (!deeper) return null;
    const nodes: N[] = [start];
    const edges: E[] = [];
    // Per depth, the next edge of that node to try.
    const cursors: Array<E | null> = [first.first];
    const visited = new Set<N>();
    while (cursors.length > 0) {
      const depth = cursors.length - 1;
      const edge = cursors[depth]!;
      if (edge === null) {
        cursors.pop();
        nodes.pop();
        edges.pop(); // the edge that led to the node just left (none for start)
        continue;
      }
      cursors[depth] = edge.next;
      const target = edge.target as N;
      if (target === start) return { nodes: nodes.slice(), edges: [...edges, edge] };
      const list = this.out.get(target);
      if (list === undefined || list.size === 0) continue;
      if (visited.has(target)) continue; // explored already: it does not lead back to start
      visited.add(target);
      nodes.push(target);
      edges.push(edge);
      cursors.push(list.first);
    }
    return null;
  }
}
