import { WorldConfigError } from './errors.js';
import type { WorldProblem, WorldProblemKind } from './errors.js';
import { OPEN } from './types.js';
import type { EdgeAttributes, EdgeOptions, JsonValue } from './types.js';
import type { EdgeHandle, WorldTopology } from './topology.js';
import type { ReachGraph } from './reachability.js';
import { WorldBuilder, checkStringList, describe, formatWorldPath } from './world-graph.js';
import type { EntityView, WorldGraph } from './world-graph.js';

/**
 * A world of fixed topology in flat typed arrays (compressed sparse rows), for the million cold
 * entities of lazy realization: graphology spends ~300 bytes per edge on objects, keys and
 * adjacency entries; here an edge is 6 bytes of typed arrays.
 *
 * Layout (n entities, m edges; an entity's number is its insertion order):
 *   ids        string[n]                   the entity ids (the only per-entity heap objects)
 *   index      Map<string, number>         id -> number (V8 OrderedHashMap: ~29 B/entry)
 *   kinds      Uint8Array|Uint16Array(n)   index into `kindTable` (a few distinct kinds)
 *   states     Map<number, JsonValue>      only entities that have a state (sparse)
 *   offsets    Int32Array(n + 1)           out-edges of entity i are edges offsets[i] .. offsets[i+1]-1
 *   targets    Int32Array(m)               the target entity of each edge
 *   attributes Uint16Array|Uint32Array(m)  index into `attributeTable`: shared frozen EdgeAttributes,
 *                                          one per distinct (requires, distance)
 * An edge handle is the edge's number (its position in `targets`); its source is found by a
 * binary search over `offsets` (O(log n), only needed for the few edges a credential gain
 * reopens), which saves a 4-byte source per edge.
 *
 * Measured (bench/world.bench.ts table 2: the estate generator's 1,000,000 entities, seed 7,
 * heapUsed + arrayBuffers after a full gc): 109 MB with 1,403,328 edges (114 B per entity all
 * told), 100 MB without edges; graphology holds the same estate in 666 MB (270 MB without
 * edges). Per entity ~105 B: its id (~49 B string + 8 B array slot), its index entry (~29 B),
 * kind 1 B, offset 4 B, and the states of the ~7% of entities that have one. Per edge ~6.3 B:
 * target 4 B + attribute index 2 B (the typed arrays live outside the V8 heap, in arrayBuffers).
 * A V8 Map holds at most 2^24 entries: ~16.7M entities.
 *
 * The topology is fixed; entity states change (setState). Graph algorithms that need graphology
 * (shortestPath, VF2, dag) run on `toWorldGraph()`.
 */
export class CompactWorld implements WorldTopology {
  /** @internal Use CompactWorldBuilder or CompactWorld.from. */
  constructor(
    private readonly ids: readonly string[],
    private readonly index: ReadonlyMap<string, number>,
    private readonly kindTable: readonly string[],
    private readonly kinds: Uint8Array | Uint16Array | Uint32Array,
    private readonly states: Map<number, JsonValue>,
    private readonly offsets: Int32Array,
    private readonly targets: Int32Array,
    private readonly attributeIndex: Uint16Array | Uint32Array,
    private readonly attributeTable: readonly EdgeAttributes[],
  ) {}

  /**
   * A compact copy of any world (a WorldGraph usually): the same entities in the same order,
   * the same out-edges in each entity's order, and copies of the states (the two worlds do not
   * share state objects).
   */
  static from(world: WorldTopology): CompactWorld {
    const builder = new CompactWorldBuilder();
    for (const id of world.entityIds()) {
      const state = world.stateOf(id);
      builder.addEntity(id, world.kindOf(id), state === undefined ? undefined : structuredClone(state));
    }
    for (const id of world.entityIds()) {
      world.forEachOutEdge(id, (_edge, attributes, target) => void builder.addEdge(id, target, attributes));
    }
    return builder.build();
  }

  get entityCount(): number {
    return this.ids.length;
  }

  get edgeCount(): number {
    return this.targets.length;
  }

  /** The distinct edge attribute objects the edges share. */
  get attributeCount(): number {
    return this.attributeTable.length;
  }

  hasEntity(id: string): boolean {
    return this.index.has(id);
  }

  /** The entity's kind; throws RangeError for an unknown entity. */
  kindOf(id: string): string {
    return this.kindTable[this.kinds[this.numberOf(id)]!]!;
  }

  /** The entity's state (undefined until set); throws RangeError for an unknown entity. */
  stateOf(id: string): JsonValue | undefined {
    return this.states.get(this.numberOf(id));
  }

  /** Replaces the entity's state (undefined clears it); throws RangeError for an unknown entity. */
  setState(id: string, state: JsonValue | undefined): void {
    const i = this.numberOf(id);
    if (state === undefined) this.states.delete(i);
    else this.states.set(i, state);
  }

  /** The entity, or undefined when there is none with this id. */
  entity(id: string): EntityView | undefined {
    const i = this.index.get(id);
    return i === undefined ? undefined : { id, kind: this.kindTable[this.kinds[i]!]!, state: this.states.get(i) };
  }

  /** Out-edges of `id` (0 for an unknown entity). */
  outDegree(id: string): number {
    const i = this.index.get(id);
    return i === undefined ? 0 : this.offsets[i + 1]! - this.offsets[i]!;
  }

  /** The edge from `from` to `to`, or undefined (also when either entity is unknown). O(out-degree). */
  edge(from: string, to: string): EdgeAttributes | undefined {
    const s = this.index.get(from);
    const t = this.index.get(to);
    if (s === undefined || t === undefined) return undefined;
    for (let e = this.offsets[s]!, end = this.offsets[s + 1]!; e < end; e++) {
      if (this.targets[e] === t) return this.attributeTable[this.attributeIndex[e]!]!;
    }
    return undefined;
  }

  /** Calls `visit` for every out-edge of `id` in insertion order (edge numbers as handles); none for an unknown entity. */
  forEachOutEdge(id: string, visit: (edge: EdgeHandle, attributes: EdgeAttributes, target: string) => void): void {
    const s = this.index.get(id);
    if (s === undefined) return;
    const { offsets, targets, attributeIndex, attributeTable, ids } = this;
    for (let e = offsets[s]!, end = offsets[s + 1]!; e < end; e++) visit(e, attributeTable[attributeIndex[e]!]!, ids[targets[e]!]!);
  }

  /**
   * @internal The graph as Reachability walks it, keyed by entity number over the arrays:
   * no id lookups per visited entity or edge (see ReachGraph).
   */
  reachGraph(): ReachGraph {
    const { index, ids, offsets, targets, attributeIndex, attributeTable } = this;
    return {
      key: (id) => index.get(id),
      id: (key) => ids[key as number]!,
      forEachOut: (node, visit) => {
        for (let e = offsets[node as number]!, end = offsets[(node as number) + 1]!; e < end; e++) visit(e, attributeTable[attributeIndex[e]!]!, targets[e]!);
      },
      edgeSource: (edge) => this.index.get(this.edgeSource(edge))!,
      edgeTarget: (edge) => targets[this.edgeNumber(edge)]!,
      edgeAttributes: (edge) => this.edgeAttributes(edge),
    };
  }

  /** The source entity of an edge handle; throws RangeError for a handle this world did not give out. */
  edgeSource(edge: EdgeHandle): string {
    const e = this.edgeNumber(edge);
    // The entity s with offsets[s] <= e < offsets[s + 1] (entities without out-edges have empty ranges).
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid + 1]! > e) hi = mid;
      else lo = mid + 1;
    }
    return this.ids[lo]!;
  }

  /** The target entity of an edge handle; throws RangeError for a handle this world did not give out. */
  edgeTarget(edge: EdgeHandle): string {
    return this.ids[this.targets[this.edgeNumber(edge)]!]!;
  }

  /** The attributes of an edge handle; throws RangeError for a handle this world did not give out. */
  edgeAttributes(edge: EdgeHandle): EdgeAttributes {
    return this.attributeTable[this.attributeIndex[this.edgeNumber(edge)]!]!;
  }

  /** Every entity id, in insertion order. */
  entityIds(): IterableIterator<string> {
    return this.ids.values();
  }

  /**
   * The same world on graphology (for shortestPath, matchPattern, topologicalOrder ...): same
   * entity order, each entity's out-edges in order, copies of the states. Costs graphology's
   * memory (~300 bytes per edge): meant for small worlds or parts of the compute path.
   */
  toWorldGraph(): WorldGraph {
    const builder = new WorldBuilder();
    this.ids.forEach((id, i) => {
      const state = this.states.get(i);
      builder.addEntity(id, this.kindTable[this.kinds[i]!]!, state === undefined ? undefined : structuredClone(state));
    });
    for (let s = 0; s < this.ids.length; s++) {
      for (let e = this.offsets[s]!, end = this.offsets[s + 1]!; e < end; e++) {
        builder.addEdge(this.ids[s]!, this.ids[this.targets[e]!]!, this.attributeTable[this.attributeIndex[e]!]!);
      }
    }
    return builder.build().graph;
  }

  private numberOf(id: string): number {
    const i = this.index.get(id);
    if (i === undefined) throw new RangeError(`world: unknown entity '${id}'`);
    return i;
  }

  private edgeNumber(edge: EdgeHandle): number {
    if (typeof edge !== 'number' || !Number.isInteger(edge) || edge < 0 || edge >= this.targets.length) {
      throw new RangeError(`CompactWorld: not an edge of this world (${String(edge)})`);
    }
    return edge;
  }
}

/** A growable Int32Array (the builder's edge lists: 4 bytes per value, not a boxed array slot). */
class Int32List {
  data = new Int32Array(1024);
  length = 0;

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
}

/** The smallest unsigned array holding indexes below `limit`. */
function indexArray(length: number, limit: number): Uint8Array | Uint16Array | Uint32Array {
  return limit <= 0x100 ? new Uint8Array(length) : limit <= 0x10000 ? new Uint16Array(length) : new Uint32Array(length);
}

/** Options of a CompactWorldBuilder. */
export interface CompactWorldBuilderOptions {
  /** The file name for messages. */
  readonly file?: string;
}

/**
 * Builds a CompactWorld in code without a graphology graph in between. Validates like
 * WorldBuilder, with the same paths and messages: calls are numbered in order (the first
 * addEntity is `entities[0]`, the first addEdge `edges[0]`), problems are collected, and
 * `build()` throws one WorldConfigError listing them all (in document order). Edges may name
 * entities added later. No agents: a compact world holds entities and edges only.
 */
export class CompactWorldBuilder {
  private readonly problems: { section: number; index: number; problem: WorldProblem }[] = [];
  private readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  /** Entity number -> its addEntity call (for "first at entities[n]"); dropped by build(). */
  private readonly calls = new Int32List();
  private readonly kindTable: string[] = [];
  private readonly kindNumbers = new Map<string, number>();
  private readonly kinds = new Int32List();
  private readonly states = new Map<number, JsonValue>();
  private entityCalls = 0;
  private edgeCalls = 0;
  /** Edges linked so far, in link order: source, target, attribute and addEdge call numbers. */
  private readonly sources = new Int32List();
  private readonly targets = new Int32List();
  private readonly attributes = new Int32List();
  private readonly edgeCallOf = new Int32List();
  /** Edges naming an entity not added yet: linked by build(). */
  private readonly pending: { index: number; from: string; to: string; attribute: number }[] = [];
  private readonly attributeTable: EdgeAttributes[] = [];
  private readonly interned = new Map<string, number>();
  private built = false;

  constructor(private readonly options: CompactWorldBuilderOptions = {}) {}

  /** Adds an entity (`state` optional: absent until set). */
  addEntity(id: string, kind: string, state?: JsonValue): this {
    this.open();
    const call = this.entityCalls++;
    let ok = true;
    if (id === undefined) (ok = false), this.problem('missing-key', ['entities', call, 'id'], "missing 'id'");
    else if (typeof id !== 'string' || id === '') (ok = false), this.problem('wrong-kind', ['entities', call, 'id'], `expected a non-empty string (got ${describe(id)})`);
    if (kind === undefined) (ok = false), this.problem('missing-key', ['entities', call, 'kind'], "missing 'kind'");
    else if (typeof kind !== 'string' || kind === '') (ok = false), this.problem('wrong-kind', ['entities', call, 'kind'], `expected a non-empty string (got ${describe(kind)})`);
    if (typeof id !== 'string' || id === '') return this;
    const first = this.index.get(id);
    if (first !== undefined) {
      this.problem('duplicate', ['entities', call, 'id'], `duplicate id '${id}' (first at entities[${this.calls.data[first]}])`);
      return this;
    }
    // Registered even when the kind is bad, so edges to it do not add spurious problems.
    const number = this.ids.length;
    this.ids.push(id);
    this.index.set(id, number);
    this.calls.push(call);
    const k = ok ? kind : '';
    let kindNumber = this.kindNumbers.get(k);
    if (kindNumber === undefined) this.kindNumbers.set(k, (kindNumber = this.kindTable.push(k) - 1));
    this.kinds.push(kindNumber);
    if (state !== undefined) this.states.set(number, state);
    return this;
  }

  /** Adds a directed edge; `requires` defaults to open, `distance` to 1. */
  addEdge(from: string, to: string, options: EdgeOptions = {}): this {
    this.open();
    const call = this.edgeCalls++;
    let ok = true;
    for (const [key, value] of [['from', from], ['to', to]] as const) {
      if (value === undefined) (ok = false), this.problem('missing-key', ['edges', call, key], `missing '${key}'`);
      else if (typeof value !== 'string' || value === '') (ok = false), this.problem('wrong-kind', ['edges', call, key], `expected an entity id (got ${describe(value)})`);
    }
    const opts = (typeof options === 'object' && options !== null ? options : {}) as EdgeOptions;
    let requires: readonly string[] = OPEN;
    if (opts.requires !== undefined) {
      const listProblems = checkStringList(opts.requires, formatWorldPath(['edges', call, 'requires']));
      if (listProblems.length > 0) {
        ok = false;
        for (const p of listProblems) this.problems.push({ section: 1, index: call, problem: { ...p, file: this.options.file } });
      } else if (opts.requires.length > 0) requires = [...new Set(opts.requires)];
    }
    let distance = 1;
    if (opts.distance !== undefined) {
      if (typeof opts.distance !== 'number' || !Number.isFinite(opts.distance) || opts.distance <= 0) {
        ok = false;
        this.problem(typeof opts.distance === 'number' ? 'bad-number' : 'wrong-kind', ['edges', call, 'distance'], `expected a positive finite number (got ${describe(opts.distance)})`);
      } else distance = opts.distance;
    }
    if (!ok) return this;
    const attribute = this.intern(requires, distance);
    const s = this.index.get(from);
    const t = this.index.get(to);
    // Linked now when both ends exist, else by build(): the same order as WorldBuilder, so
    // each entity's out-edges come in the same order in both stores.
    if (s !== undefined && t !== undefined) this.link(call, s, t, attribute);
    else this.pending.push({ index: call, from, to, attribute });
    return this;
  }

  /** Problems found so far (build() adds unknown entities and duplicate edges). */
  get problemCount(): number {
    return this.problems.length;
  }

  /** The world; throws WorldConfigError listing every problem. The builder cannot be reused. */
  build(): CompactWorld {
    this.open();
    this.built = true;
    for (const edge of this.pending) {
      const s = this.index.get(edge.from);
      const t = this.index.get(edge.to);
      if (s === undefined) this.problem('unknown-entity', ['edges', edge.index, 'from'], `unknown entity '${edge.from}'`);
      if (t === undefined) this.problem('unknown-entity', ['edges', edge.index, 'to'], `unknown entity '${edge.to}'`);
      if (s !== undefined && t !== undefined) this.link(edge.index, s, t, edge.attribute);
    }
    const n = this.ids.length;
    const m = this.sources.length;
    // Counting sort by source, stable: each entity's out-edges keep their link order.
    const offsets = new Int32Array(n + 1);
    for (let e = 0; e < m; e++) offsets[this.sources.data[e]! + 1]!++;
    for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
    const cursor = offsets.slice(0, n);
    const targets = new Int32Array(m);
    const attributeIndex = indexArray(m, this.attributeTable.length) as Uint16Array | Uint32Array;
    const order = new Int32Array(m);
    for (let e = 0; e < m; e++) {
      const at = cursor[this.sources.data[e]!]!++;
      targets[at] = this.targets.data[e]!;
      attributeIndex[at] = this.attributes.data[e]!;
      order[at] = e;
    }
    // One edge per ordered pair, as in WorldBuilder: the later-linked edge is the duplicate.
    const seen = new Int32Array(n).fill(-1);
    for (let s = 0; s < n; s++) {
      for (let e = offsets[s]!, end = offsets[s + 1]!; e < end; e++) {
        const t = targets[e]!;
        if (seen[t] !== s) {
          seen[t] = s;
          continue;
        }
        const call = this.edgeCallOf.data[order[e]!]!;
        this.problem('duplicate', ['edges', call], `duplicate edge '${this.ids[s]}' -> '${this.ids[t]}' (one edge per ordered pair; merge the requirements or add an intermediate entity)`);
      }
    }
    if (this.problems.length > 0) {
      const sorted = this.problems.map((p, i) => ({ ...p, i })).sort((a, b) => a.section - b.section || a.index - b.index || a.i - b.i);
      throw new WorldConfigError(
        sorted.map((p) => p.problem),
        this.options.file,
      );
    }
    const kinds = indexArray(n, this.kindTable.length);
    kinds.set(this.kinds.data.subarray(0, n));
    // slice(): the exact length, without the array's growth slack.
    return new CompactWorld(this.ids.slice(), this.index, this.kindTable, kinds, this.states, offsets, targets, attributeIndex, this.attributeTable);
  }

  /**
   * One frozen attribute object per distinct (requires, distance), uncapped: the table index
   * is what an edge stores, so sharing costs nothing per edge either way.
   */
  private intern(requires: readonly string[], distance: number): number {
    const signature = requires.length === 0 ? String(distance) : `${distance}\u0000${requires.join('\u0000')}`;
    let number = this.interned.get(signature);
    if (number === undefined) {
      number = this.attributeTable.push(Object.freeze({ requires: requires.length === 0 ? OPEN : Object.freeze(requires), distance })) - 1;
      this.interned.set(signature, number);
    }
    return number;
  }

  private link(call: number, source: number, target: number, attribute: number): void {
    this.sources.push(source);
    this.targets.push(target);
    this.attributes.push(attribute);
    this.edgeCallOf.push(call);
  }

  private problem(kind: WorldProblemKind, path: readonly (string | number)[], message: string): void {
    const section = path[0] === 'entities' ? 0 : 1;
    this.problems.push({ section, index: path[1] as number, problem: { kind, file: this.options.file, path: formatWorldPath(path), line: undefined, column: undefined, message } });
  }

  private open(): void {
    if (this.built) throw new Error('CompactWorldBuilder: already built (a builder builds one world)');
  }
}
