import { MinHeap } from './heap.js';
import type { EdgeHandle, WorldTopology } from './topology.js';
import type { AgentSpec, EdgeAttributes } from './types.js';

/**
 * Incremental reachability: the ball of entities an agent can reach within `radius` (sum of
 * edge distances, along edges whose requirements it holds), kept up to date as the agent
 * moves and gains credentials, with the difference returned for the realizer to promote
 * (entered) and demote (left).
 *
 * The ball is computed by bounded Dijkstra: entities are settled in order of distance and the
 * search never pushes a distance above the radius, so the work is proportional to the ball
 * (its entities and their out-edges), never the whole graph.
 *
 * Incremental updates:
 *   - move: a bounded search from the new position (the ball around a new centre shares no
 *     distances with the old one, so there is nothing sound to reuse); the diff compares the
 *     two balls. Work O((|old| + |new|) + edges out of the new ball, log).
 *   - gain a credential or capability: distances can only shrink and the ball only grow. The
 *     search remembers, per missing name, the gated edges it met out of the ball ("blocked
 *     frontier edges"; each edge is filed under one name it lacks). A gain looks only at the
 *     edges filed under that name: those still lacking something are refiled under the next
 *     missing name; the now-open ones seed a Dijkstra that starts from the known distances
 *     and relaxes onward (the multi-source form of edge-insertion updates). Work is
 *     proportional to the edges that required the name plus the entities whose distance
 *     changed, not to the ball.
 *   - revoke, or a new radius: a full bounded search (rare; the realizer's hot path is move
 *     and gain).
 * It reads the world only through WorldTopology (out-edges, edge handles), so it runs the same
 * on a WorldGraph and on a CompactWorld. The topology must not change while a Reachability is
 * in use (worlds are built once).
 */

/** What changed: entities that came into reach, and entities that went out of it. */
export interface ReachDiff {
  readonly entered: readonly string[];
  readonly left: readonly string[];
}

/** The agent fields reachability uses. */
export type ReachAgent = Pick<AgentSpec, 'position' | 'credentials' | 'capabilities'>;

/** How a search names an entity: its id, or its number in a compact world. */
export type NodeKey = string | number;

/**
 * The graph as the searches walk it. Any WorldTopology works through its string ids; a
 * CompactWorld hands out its own (`reachGraph()`) keyed by entity number over its arrays: at
 * a million entities that spares the id index lookups (cache misses) of every visited
 * entity and edge, which is what made a step cost more at 1M than at 10k.
 */
export interface ReachGraph {
  /** The key of an entity id, or undefined for an unknown entity. */
  key(id: string): NodeKey | undefined;
  /** The id of a key. */
  id(key: NodeKey): string;
  forEachOut(node: NodeKey, visit: (edge: EdgeHandle, attributes: EdgeAttributes, target: NodeKey) => void): void;
  edgeSource(edge: EdgeHandle): NodeKey;
  edgeTarget(edge: EdgeHandle): NodeKey;
  edgeAttributes(edge: EdgeHandle): EdgeAttributes;
}

/** A world that has a faster ReachGraph of its own (CompactWorld). */
interface HasReachGraph {
  reachGraph(): ReachGraph;
}

/** The ReachGraph of any topology, by id. */
function idGraph(world: WorldTopology): ReachGraph {
  return {
    key: (id) => (world.hasEntity(id) ? id : undefined),
    id: (key) => key as string,
    forEachOut: (node, visit) => world.forEachOutEdge(node as string, visit),
    edgeSource: (edge) => world.edgeSource(edge),
    edgeTarget: (edge) => world.edgeTarget(edge),
    edgeAttributes: (edge) => world.edgeAttributes(edge),
  };
}

function graphOf(world: WorldTopology): ReachGraph {
  const own = (world as Partial<HasReachGraph>).reachGraph;
  return typeof own === 'function' ? own.call(world) : idGraph(world);
}

export class Reachability {
  private pos: string;
  private posKey: NodeKey;
  private r: number;
  private readonly held: Set<string>;
  private readonly graph: ReachGraph;
  /** Entity (key) -> shortest distance from the position, for every entity within the radius. */
  private dist = new Map<NodeKey, number>();
  /** Missing name -> handles of gated edges out of the ball filed under it. */
  private blocked = new Map<string, Set<EdgeHandle>>();
  private work = 0;

  /** Computes the initial ball. Throws RangeError for an unknown position or a bad radius. */
  constructor(
    world: WorldTopology,
    agent: ReachAgent,
    radius: number,
  ) {
    checkRadius(radius);
    this.graph = graphOf(world);
    const key = this.graph.key(agent.position);
    if (key === undefined) throw new RangeError(`Reachability: unknown entity '${agent.position}' (agent position)`);
    this.pos = agent.position;
    this.posKey = key;
    this.r = radius;
    this.held = new Set([...agent.credentials, ...agent.capabilities]);
    this.recompute();
  }

  get position(): string {
    return this.pos;
  }

  get radius(): number {
    return this.r;
  }

  /** The names held (credentials and capabilities). */
  get holdings(): ReadonlySet<string> {
    return this.held;
  }

  /** Entities within reach. */
  get size(): number {
    return this.dist.size;
  }

  /** Entities settled or relaxed by the last update (initial, move, gain ...): a work measure. */
  get lastWork(): number {
    return this.work;
  }

  /** Gated edges out of the ball currently remembered. */
  get blockedEdgeCount(): number {
    let n = 0;
    for (const set of this.blocked.values()) n += set.size;
    return n;
  }

  has(id: string): boolean {
    const key = this.graph.key(id);
    return key !== undefined && this.dist.has(key);
  }

  /** The shortest distance to `id` within the radius, or undefined when out of reach. */
  distanceTo(id: string): number | undefined {
    const key = this.graph.key(id);
    return key === undefined ? undefined : this.dist.get(key);
  }

  /** The entities within reach (in no particular order). */
  *entities(): IterableIterator<string> {
    const graph = this.graph;
    for (const key of this.dist.keys()) yield graph.id(key);
  }

  /**
   * Entities outside the ball one traversable edge away from it (the warm tier's candidates:
   * open to the agent but further than the radius). O(edges out of the ball).
   */
  frontier(): string[] {
    const out = new Set<NodeKey>();
    for (const node of this.dist.keys()) {
      this.graph.forEachOut(node, (_edge, attributes, target) => {
        if (!this.dist.has(target) && this.opens(attributes)) out.add(target);
      });
    }
    return [...out].map((key) => this.graph.id(key));
  }

  /**
   * The agent moved to `to` (usually a neighbour; any entity is accepted): a bounded search
   * from there. Throws RangeError for an unknown entity.
   */
  moveTo(to: string): ReachDiff {
    const key = this.graph.key(to);
    if (key === undefined) throw new RangeError(`Reachability.moveTo: unknown entity '${to}'`);
    this.pos = to;
    this.posKey = key;
    return this.recompute();
  }

  /** The agent gained a credential or capability `name`: re-expands only from the edges that needed it. */
  gain(name: string): ReachDiff {
    this.work = 0;
    if (this.held.has(name)) return { entered: [], left: [] };
    this.held.add(name);
    const edges = this.blocked.get(name);
    this.blocked.delete(name);
    const entered: NodeKey[] = [];
    if (edges === undefined) return { entered: [], left: [] };
    const graph = this.graph;
    const heap = new MinHeap<NodeKey>();
    for (const key of edges) {
      const attributes = graph.edgeAttributes(key);
      const missing = this.firstMissing(attributes);
      if (missing !== undefined) {
        this.file(missing, key);
        continue;
      }
      const candidate = this.dist.get(graph.edgeSource(key))! + attributes.distance;
      this.relax(graph.edgeTarget(key), candidate, heap, entered);
    }
    // Newly entered entities have never been scanned: their gated out-edges must be filed.
    const fresh = new Set(entered);
    while (heap.size > 0) {
      const d = heap.peekKey()!;
      const node = heap.pop()!;
      if (d > this.dist.get(node)!) continue; // stale entry
      this.work++;
      const isFresh = fresh.has(node);
      graph.forEachOut(node, (key, attributes, target) => {
        const missing = this.firstMissing(attributes);
        if (missing !== undefined) {
          if (isFresh) this.file(missing, key);
        } else {
          const before = entered.length;
          this.relax(target, d + attributes.distance, heap, entered);
          if (entered.length > before) fresh.add(target);
        }
      });
    }
    return { entered: entered.map((key) => graph.id(key)), left: [] };
  }

  /** The agent lost a credential or capability: a full bounded search. */
  revoke(name: string): ReachDiff {
    if (!this.held.delete(name)) {
      this.work = 0;
      return { entered: [], left: [] };
    }
    return this.recompute();
  }

  /** A new radius: a full bounded search. */
  setRadius(radius: number): ReachDiff {
    checkRadius(radius);
    this.r = radius;
    return this.recompute();
  }

  /** Bounded Dijkstra from the position; replaces the ball and the blocked edges; returns the diff. */
  private recompute(): ReachDiff {
    const graph = this.graph;
    const old = this.dist;
    const dist = new Map<NodeKey, number>([[this.posKey, 0]]);
    this.dist = dist;
    this.blocked = new Map();
    this.work = 0;
    const heap = new MinHeap<NodeKey>();
    heap.push(0, this.posKey);
    while (heap.size > 0) {
      const d = heap.peekKey()!;
      const node = heap.pop()!;
      if (d > dist.get(node)!) continue;
      this.work++;
      graph.forEachOut(node, (key, attributes, target) => {
        const missing = this.firstMissing(attributes);
        if (missing !== undefined) {
          this.file(missing, key);
          return;
        }
        const candidate = d + attributes.distance;
        if (candidate > this.r) return;
        const known = dist.get(target);
        if (known === undefined || candidate < known) {
          dist.set(target, candidate);
          heap.push(candidate, target);
        }
      });
    }
    const entered: string[] = [];
    const left: string[] = [];
    for (const key of dist.keys()) if (!old.has(key)) entered.push(graph.id(key));
    for (const key of old.keys()) if (!dist.has(key)) left.push(graph.id(key));
    return { entered, left };
  }

  /** Lowers `target`'s distance to `candidate` when better and within the radius. */
  private relax(target: NodeKey, candidate: number, heap: MinHeap<NodeKey>, entered: NodeKey[]): void {
    if (candidate > this.r) return;
    const known = this.dist.get(target);
    if (known !== undefined && candidate >= known) return;
    if (known === undefined) entered.push(target);
    this.dist.set(target, candidate);
    heap.push(candidate, target);
  }

  private opens(attributes: EdgeAttributes): boolean {
    return this.firstMissing(attributes) === undefined;
  }

  private firstMissing(attributes: EdgeAttributes): string | undefined {
    const requires = attributes.requires;
    for (let i = 0; i < requires.length; i++) if (!this.held.has(requires[i]!)) return requires[i];
    return undefined;
  }

  private file(name: string, key: EdgeHandle): void {
    let set = this.blocked.get(name);
    if (set === undefined) this.blocked.set(name, (set = new Set()));
    set.add(key);
  }
}

function checkRadius(radius: number): void {
  if (typeof radius !== 'number' || Number.isNaN(radius) || radius < 0) throw new RangeError(`Reachability: radius must be a number >= 0 (got ${radius})`);
}
