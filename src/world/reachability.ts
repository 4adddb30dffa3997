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

export class Reachability {
  private pos: string;
  private r: number;
  private readonly held: Set<string>;
  /** Entity -> shortest distance from the position, for every entity within the radius. */
  private dist = new Map<string, number>();
  /** Missing name -> handles of gated edges out of the ball filed under it. */
  private blocked = new Map<string, Set<EdgeHandle>>();
  private work = 0;

  /** Computes the initial ball. Throws RangeError for an unknown position or a bad radius. */
  constructor(
    private readonly world: WorldTopology,
    agent: ReachAgent,
    radius: number,
  ) {
    checkRadius(radius);
    if (!world.hasEntity(agent.position)) throw new RangeError(`Reachability: unknown entity '${agent.position}' (agent position)`);
    this.pos = agent.position;
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
    return this.dist.has(id);
  }

  /** The shortest distance to `id` within the radius, or undefined when out of reach. */
  distanceTo(id: string): number | undefined {
    return this.dist.get(id);
  }

  /** The entities within reach (in no particular order). */
  entities(): IterableIterator<string> {
    return this.dist.keys();
  }

  /**
   * Entities outside the ball one traversable edge away from it (the warm tier's candidates:
   * open to the agent but further than the radius). O(edges out of the ball).
   */
  frontier(): string[] {
    const out = new Set<string>();
    for (const node of this.dist.keys()) {
      this.world.forEachOutEdge(node, (_edge, attributes, target) => {
        if (!this.dist.has(target) && this.opens(attributes)) out.add(target);
      });
    }
    return [...out];
  }

  /**
   * The agent moved to `to` (usually a neighbour; any entity is accepted): a bounded search
   * from there. Throws RangeError for an unknown entity.
   */
  moveTo(to: string): ReachDiff {
    if (!this.world.hasEntity(to)) throw new RangeError(`Reachability.moveTo: unknown entity '${to}'`);
    this.pos = to;
    return this.recompute();
  }

  /** The agent gained a credential or capability `name`: re-expands only from the edges that needed it. */
  gain(name: string): ReachDiff {
    this.work = 0;
    if (this.held.has(name)) return { entered: [], left: [] };
    this.held.add(name);
    const edges = this.blocked.get(name);
    this.blocked.delete(name);
    const entered: string[] = [];
    if (edges === undefined) return { entered, left: [] };
    const world = this.world;
    const heap = new MinHeap();
    for (const key of edges) {
      const attributes = world.edgeAttributes(key);
      const missing = this.firstMissing(attributes);
      if (missing !== undefined) {
        this.file(missing, key);
        continue;
      }
      const candidate = this.dist.get(world.edgeSource(key))! + attributes.distance;
      this.relax(world.edgeTarget(key), candidate, heap, entered);
    }
    // Newly entered entities have never been scanned: their gated out-edges must be filed.
    const fresh = new Set(entered);
    while (heap.size > 0) {
      const d = heap.peekKey()!;
      const node = heap.pop()!;
      if (d > this.dist.get(node)!) continue; // stale entry
      this.work++;
      const isFresh = fresh.has(node);
      world.forEachOutEdge(node, (key, attributes, target) => {
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
    return { entered, left: [] };
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
    const world = this.world;
    const old = this.dist;
    const dist = new Map<string, number>([[this.pos, 0]]);
    this.dist = dist;
    this.blocked = new Map();
    this.work = 0;
    const heap = new MinHeap();
    heap.push(0, this.pos);
    while (heap.size > 0) {
      const d = heap.peekKey()!;
      const node = heap.pop()!;
      if (d > dist.get(node)!) continue;
      this.work++;
      world.forEachOutEdge(node, (key, attributes, target) => {
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
    for (const id of dist.keys()) if (!old.has(id)) entered.push(id);
    for (const id of old.keys()) if (!dist.has(id)) left.push(id);
    return { entered, left };
  }

  /** Lowers `target`'s distance to `candidate` when better and within the radius. */
  private relax(target: string, candidate: number, heap: MinHeap, entered: string[]): void {
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
