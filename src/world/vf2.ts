import type { EdgeAttributes, JsonValue } from './types.js';
import type { EntityView, WorldGraph } from './world-graph.js';

/**
 * Subgraph pattern matching: every way to map a small directed pattern onto the world, with
 * node predicates (kind, or any test of the entity) and edge predicates (requirements, or any
 * test of the edge). E.g. host -> service -> credential-store chains:
 *
 * ```ts
 * matchPattern(world, {
 *   nodes: [{ id: 'h', kind: 'host' }, { id: 's', kind: 'service' }, { id: 'c', kind: 'credential-store' }],
 *   edges: [{ from: 'h', to: 's' }, { from: 's', to: 'c', requires: ['db-password'] }],
 * }, { limit: 100 });
 * // [{ h: 'web-1', s: 'api-1', c: 'vault-1' }, ...]
 * ```
 *
 * Algorithm: VF2 (Cordella, Foggia, Sansone, Vento 2004) for directed graphs: a depth-first
 * search over partial mappings, extending one pattern node at a time in a fixed order.
 *   - Order: the most connected pattern node first, then always the node with the most edges
 *     to those already ordered (VF2++'s idea), so each new node is anchored to a mapped one.
 *   - Candidates: an anchored node's candidates are only the out- (or in-) neighbours of its
 *     anchor's image, not the whole graph; only the first node of each connected component of
 *     the pattern scans every entity.
 *   - Feasibility: the node predicate; injectivity; every pattern edge between the new node
 *     and mapped nodes (and a self-loop) present in the world and passing its predicate; for
 *     `induced`, no world edge between mapped images without a pattern edge; and VF2's
 *     look-ahead in its degree form (the image needs at least the pattern node's in- and
 *     out-degree), which prunes branches that cannot complete.
 * Semantics: by default a monomorphism (pattern edges must exist; extra world edges among the
 * images are allowed: "find chains"); `induced: true` gives VF2's induced subgraph
 * isomorphism. Matches are distinct mappings; a pattern with symmetries (automorphisms)
 * yields each symmetric image once per automorphism, as mappings differ.
 * Complexity: the problem is NP-complete; worst case O(V^k * k) time for a k-node pattern
 * over V entities (every partial mapping explored), memory O(k) plus the root candidate list.
 * In practice, with selective kinds and anchored candidates, the cost is about
 * (root candidates) x (branching by degree)^(k-1); `limit` (default 1000) stops the search.
 */

/** A pattern node: an id local to the pattern, and what entity it may map to. */
export interface PatternNode {
  readonly id: string;
  /** The entity's kind, or one of several kinds. */
  readonly kind?: string | readonly string[];
  /** Any further test of the entity. */
  readonly where?: (entity: EntityView) => boolean;
}

/** A pattern edge: the world must have the edge from the image of `from` to that of `to`. */
export interface PatternEdge {
  readonly from: string;
  readonly to: string;
  /** Names the world edge's `requires` must all include. */
  readonly requires?: readonly string[];
  /** `true`: the world edge must be open (no requirements). */
  readonly open?: boolean;
  /** Any further test of the edge. */
  readonly where?: (edge: EdgeAttributes, from: string, to: string) => boolean;
}

export interface Pattern {
  readonly nodes: readonly PatternNode[];
  readonly edges: readonly PatternEdge[];
}

export interface MatchOptions {
  /** Stop after this many matches (default 1000). */
  readonly limit?: number;
  /** Induced subgraph isomorphism instead of monomorphism (default false). */
  readonly induced?: boolean;
}

/** A match: pattern node id -> entity id. */
export type PatternMatch = Record<string, string>;

interface Step {
  /** Pattern node index. */
  readonly node: number;
  /** Earlier step index whose image gives the candidates, or -1 (scan every entity). */
  readonly anchor: number;
  /** True: candidates are the anchor image's out-neighbours; false: its in-neighbours. */
  readonly anchorOut: boolean;
  /** Pattern edges to check against earlier nodes: [other node index, this node is the source, edge]. */
  readonly checks: readonly (readonly [number, boolean, PatternEdge])[];
  readonly selfLoop: PatternEdge | undefined;
  readonly outDegree: number;
  readonly inDegree: number;
}

/** Every mapping of `pattern` into `world` (up to `limit`). Throws for a malformed pattern. */
export function matchPattern(world: WorldGraph, pattern: Pattern, options: MatchOptions = {}): PatternMatch[] {
  const limit = options.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`matchPattern: limit must be a non-negative integer (got ${limit})`);
  const k = pattern.nodes.length;
  const index = checkPattern(pattern);
  const results: PatternMatch[] = [];
  if (k === 0 || limit === 0) return results;
  const graph = world.graph;
  const steps = plan(pattern, index);
  const nodeOk = pattern.nodes.map((p) => nodePredicate(world, p));
  const edgeOk = (e: PatternEdge, from: string, to: string): boolean => {
    const key = graph.edge(from, to);
    if (key === undefined) return false;
    const attributes = graph.getEdgeAttributes(key);
    if (e.open === true && attributes.requires.length > 0) return false;
    if (e.requires !== undefined && !e.requires.every((r) => attributes.requires.includes(r))) return false;
    return e.where === undefined || e.where(attributes, from, to);
  };
  // Pattern adjacency as a set of "i>j" for the induced check.
  const patternEdges = new Set(pattern.edges.map((e) => `${index.get(e.from)}>${index.get(e.to)}`));
  const image: string[] = new Array<string>(k); // by pattern node index
  const used = new Set<string>();
  const stepImages: string[] = new Array<string>(k); // by step index
  let allEntities: string[] | undefined;

  const feasible = (step: Step, depth: number, t: string): boolean => {
    if (used.has(t)) return false;
    if (graph.outDegree(t) < step.outDegree || graph.inDegree(t) < step.inDegree) return false;
    if (!nodeOk[step.node]!(t)) return false;
    if (step.selfLoop !== undefined ? !edgeOk(step.selfLoop, t, t) : options.induced === true && graph.hasDirectedEdge(t, t)) return false;
    for (const [other, isSource, edge] of step.checks) {
      const o = image[other]!;
      if (!(isSource ? edgeOk(edge, t, o) : edgeOk(edge, o, t))) return false;
    }
    if (options.induced === true) {
      for (let s = 0; s < depth; s++) {
        const other = steps[s]!.node;
        const o = stepImages[s]!;
        if (graph.hasDirectedEdge(t, o) && !patternEdges.has(`${step.node}>${other}`)) return false;
        if (graph.hasDirectedEdge(o, t) && !patternEdges.has(`${other}>${step.node}`)) return false;
      }
    }
    return true;
  };

  const search = (depth: number): boolean => {
    if (depth === k) {
      const match: PatternMatch = {};
      for (let i = 0; i < k; i++) match[pattern.nodes[i]!.id] = image[i]!;
      results.push(match);
      return results.length >= limit;
    }
    const step = steps[depth]!;
    let candidates: readonly string[];
    if (step.anchor < 0) candidates = allEntities ??= graph.nodes();
    else {
      const a = stepImages[step.anchor]!;
      candidates = step.anchorOut ? graph.outNeighbors(a) : graph.inNeighbors(a);
    }
    for (const t of candidates) {
      if (!feasible(step, depth, t)) continue;
      image[step.node] = t;
      stepImages[depth] = t;
      used.add(t);
      const done = search(depth + 1);
      used.delete(t);
      if (done) return true;
    }
    return false;
  };
  search(0);
  return results;
}

/** Validates the pattern (unique ids, edges between known nodes, one edge per ordered pair); returns id -> index. */
function checkPattern(pattern: Pattern): Map<string, number> {
  const problems: string[] = [];
  const index = new Map<string, number>();
  pattern.nodes.forEach((node, i) => {
    if (typeof node.id !== 'string' || node.id === '') problems.push(`nodes[${i}].id: expected a non-empty string`);
    else if (index.has(node.id)) problems.push(`nodes[${i}].id: duplicate id '${node.id}'`);
    else index.set(node.id, i);
  });
  const pairs = new Set<string>();
  pattern.edges.forEach((edge, i) => {
    for (const key of ['from', 'to'] as const) if (!index.has(edge[key])) problems.push(`edges[${i}].${key}: unknown pattern node '${edge[key]}'`);
    const pair = `${edge.from}\u0000${edge.to}`;
    if (pairs.has(pair)) problems.push(`edges[${i}]: duplicate edge '${edge.from}' -> '${edge.to}'`);
    pairs.add(pair);
  });
  if (problems.length > 0) throw new Error(`matchPattern: bad pattern:\n  ${problems.join('\n  ')}`);
  return index;
}

/** The matching order and, per step, its anchor and the edge checks against earlier steps. */
function plan(pattern: Pattern, index: Map<string, number>): Step[] {
  const k = pattern.nodes.length;
  const out: number[][] = Array.from({ length: k }, () => []);
  const inn: number[][] = Array.from({ length: k }, () => []);
  const degree = new Array<number>(k).fill(0);
  for (const e of pattern.edges) {
    const a = index.get(e.from)!;
    const b = index.get(e.to)!;
    out[a]!.push(b);
    inn[b]!.push(a);
    degree[a]!++;
    degree[b]!++;
  }
  const order: number[] = [];
  const placed = new Array<boolean>(k).fill(false);
  while (order.length < k) {
    let best = -1;
    let bestLinks = -1;
    for (let i = 0; i < k; i++) {
      if (placed[i]) continue;
      let links = 0;
      for (const j of out[i]!) if (placed[j] && j !== i) links++;
      for (const j of inn[i]!) if (placed[j] && j !== i) links++;
      if (links > bestLinks || (links === bestLinks && degree[i]! > degree[best]!)) (best = i), (bestLinks = links);
    }
    placed[best] = true;
    order.push(best);
  }
  const stepOf = new Map(order.map((node, s) => [node, s]));
  return order.map((node, s) => {
    const checks: [number, boolean, PatternEdge][] = [];
    let selfLoop: PatternEdge | undefined;
    let anchor = -1;
    let anchorOut = true;
    for (const e of pattern.edges) {
      const a = index.get(e.from)!;
      const b = index.get(e.to)!;
      if (a === node && b === node) selfLoop = e;
      else if (a === node && stepOf.get(b)! < s) {
        checks.push([b, true, e]);
        if (anchor < 0) (anchor = stepOf.get(b)!), (anchorOut = false); // node is an in-neighbour of b's image
      } else if (b === node && stepOf.get(a)! < s) {
        checks.push([a, false, e]);
        if (anchor < 0) (anchor = stepOf.get(a)!), (anchorOut = true); // node is an out-neighbour of a's image
      }
    }
    const outDegree = new Set(out[node]).size;
    const inDegree = new Set(inn[node]).size;
    return { node, anchor, anchorOut, checks, selfLoop, outDegree, inDegree };
  });
}

function nodePredicate(world: WorldGraph, p: PatternNode): (id: string) => boolean {
  const kinds = p.kind === undefined ? undefined : typeof p.kind === 'string' ? [p.kind] : p.kind;
  const where = p.where;
  return (id) => {
    const attributes = world.graph.getNodeAttributes(id);
    if (kinds !== undefined && !kinds.includes(attributes.kind)) return false;
    return where === undefined || where({ id, kind: attributes.kind, state: attributes.state as JsonValue | undefined });
  };
}
