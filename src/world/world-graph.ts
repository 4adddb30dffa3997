import Graph from 'graphology';
import type { DirectedGraph } from 'graphology';
import { WorldConfigError } from './errors.js';
import type { WorldProblem, WorldProblemKind } from './errors.js';
import { OPEN } from './types.js';
import type { EdgeHandle, WorldTopology } from './topology.js';
import type { ReachGraph } from './reachability.js';
import type { AgentSpec, EdgeAttributes, EdgeOptions, EntityAttributes, JsonValue } from './types.js';

/**
 * The world graph: entities as nodes of a graphology DirectedGraph (attributes `{ kind,
 * state? }`), edges gated by `requires` and weighted by `distance`. Built by WorldBuilder
 * (in code) or loadWorld / parseWorld / loadWorldFile (from JSON or YAML), both of which
 * validate everything and throw one WorldConfigError. The topology is fixed once built;
 * entity state changes (`setState`).
 *
 * Memory: graphology keeps one node record per entity; entities without state share one frozen
 * `{ kind }` object per kind (setState gives an entity its own `{ kind, state }`); edges with the same requirements and distance share one
 * frozen attribute object. graphology's per-edge record (an edge object, its generated key, a
 * Map entry, and entries in both endpoints' adjacency objects, ~300 bytes) dominates a large
 * world: 1,000,000 entities alone retain ~265 MB; with 2,000,000 edges ~0.85 GB
 * (.scratch/world-heap.ts).
 */
export type WorldGraphology = DirectedGraph<EntityAttributes, EdgeAttributes>;

/** Distinct edge attribute objects the builder shares (see WorldBuilder.intern). */
const INTERN_LIMIT = 4096;

/** One entity as read back from the world. */
export interface EntityView {
  readonly id: string;
  readonly kind: string;
  readonly state: JsonValue | undefined;
}

export class WorldGraph implements WorldTopology {
  /**
   * The underlying graphology graph, for graphology algorithms (read it; do not add or drop
   * nodes or edges: reachability assumes a fixed topology).
   */
  readonly graph: WorldGraphology;

  /** Shared frozen `{ kind }` objects of entities without state, by kind. */
  private readonly kinds: Map<string, EntityAttributes>;

  /** @internal Use WorldBuilder or loadWorld. */
  constructor(graph: WorldGraphology, kinds: Map<string, EntityAttributes> = new Map()) {
    this.graph = graph;
    this.kinds = kinds;
  }

  get entityCount(): number {
    return this.graph.order;
  }

  get edgeCount(): number {
    return this.graph.size;
  }

  hasEntity(id: string): boolean {
    return this.graph.hasNode(id);
  }

  /** The entity's kind; throws for an unknown entity. */
  kindOf(id: string): string {
    return this.attributes(id).kind;
  }

  /** The entity's state (undefined until set); throws for an unknown entity. */
  stateOf(id: string): JsonValue | undefined {
    return this.attributes(id).state;
  }

  /** Replaces the entity's state; throws for an unknown entity. */
  setState(id: string, state: JsonValue | undefined): void {
    const attributes = this.attributes(id);
    if (state === undefined) this.graph.replaceNodeAttributes(id, coldAttributes(this.kinds, attributes.kind));
    else if (Object.isFrozen(attributes)) this.graph.replaceNodeAttributes(id, { kind: attributes.kind, state });
    else attributes.state = state;
  }

  /** The entity, or undefined when there is none with this id. */
  entity(id: string): EntityView | undefined {
    if (!this.graph.hasNode(id)) return undefined;
    const attributes = this.graph.getNodeAttributes(id);
    return { id, kind: attributes.kind, state: attributes.state };
  }

  /** The edge from `from` to `to`, or undefined. */
  edge(from: string, to: string): EdgeAttributes | undefined {
    const key = this.graph.hasNode(from) && this.graph.hasNode(to) ? this.graph.edge(from, to) : undefined;
    return key === undefined ? undefined : this.graph.getEdgeAttributes(key);
  }

  /**
   * Every problem with an agent against this world (empty when it is fine): id not a
   * non-empty string, position not an existing entity, credentials or capabilities not arrays
   * of strings. `place` prefixes the paths (`agents[1]`).
   */
  checkAgent(agent: AgentSpec, place = 'agent'): WorldProblem[] {
    const problems: WorldProblem[] = [];
    const raw = agent as unknown as Record<string, unknown>;
    const add = (kind: WorldProblemKind, key: string, message: string): void => {
      problems.push({ kind, file: undefined, path: `${place}.${key}`, line: undefined, column: undefined, message });
    };
    if (typeof raw !== 'object' || raw === null) {
      problems.push({ kind: 'wrong-kind', file: undefined, path: place, line: undefined, column: undefined, message: `expected an agent mapping (got ${describe(raw)})` });
      return problems;
    }
    if (raw.id === undefined) add('missing-key', 'id', "missing 'id'");
    else if (typeof raw.id !== 'string' || raw.id === '') add('wrong-kind', 'id', `expected a non-empty string (got ${describe(raw.id)})`);
    if (raw.position === undefined) add('missing-key', 'position', "missing 'position'");
    else if (typeof raw.position !== 'string') add('wrong-kind', 'position', `expected an entity id (got ${describe(raw.position)})`);
    else if (!this.graph.hasNode(raw.position)) add('unknown-entity', 'position', `unknown entity '${raw.position}'`);
    for (const key of ['credentials', 'capabilities'] as const) {
      for (const problem of checkStringList(raw[key], `${place}.${key}`)) problems.push(problem);
    }
    return problems;
  }

  /** Throws WorldConfigError listing every problem with the agent. */
  assertAgent(agent: AgentSpec): void {
    const problems = this.checkAgent(agent);
    if (problems.length > 0) throw new WorldConfigError(problems);
  }

  /** Calls `visit` for every out-edge of `id` (graphology edge keys as handles); none for an unknown entity. */
  forEachOutEdge(id: string, visit: (edge: EdgeHandle, attributes: EdgeAttributes, target: string) => void): void {
    if (!this.graph.hasNode(id)) return;
    this.graph.forEachOutEdge(id, (key, attributes, _source, target) => visit(key, attributes, target));
  }

  edgeSource(edge: EdgeHandle): string {
    return this.graph.source(String(edge));
  }

  edgeTarget(edge: EdgeHandle): string {
    return this.graph.target(String(edge));
  }

  edgeAttributes(edge: EdgeHandle): EdgeAttributes {
    return this.graph.getEdgeAttributes(String(edge));
  }

  /** @internal The graph as Reachability walks it: graphology's own iteration, keyed by id (see ReachGraph). */
  reachGraph(): ReachGraph {
    const graph = this.graph;
    return {
      key: (id) => (graph.hasNode(id) ? id : undefined),
      id: (key) => key as string,
      forEachOut: (node, visit) => graph.forEachOutEdge(node as string, (edge, attributes, _source, target) => visit(edge, attributes, target)),
      edgeSource: (edge) => graph.source(String(edge)),
      edgeTarget: (edge) => graph.target(String(edge)),
      edgeAttributes: (edge) => graph.getEdgeAttributes(String(edge)),
    };
  }

  /** Every entity id, in insertion order. */
  entityIds(): IterableIterator<string> {
    return this.graph.nodes()[Symbol.iterator]();
  }

  private attributes(id: string): EntityAttributes {
    if (!this.graph.hasNode(id)) throw new RangeError(`world: unknown entity '${id}'`);
    return this.graph.getNodeAttributes(id);
  }
}

/** Where a builder problem points in the source text, when the world came from text. */
export type Locate = (path: readonly (string | number)[]) => { line: number; column: number } | undefined;

export interface WorldBuilderOptions {
  /** The file name for messages. */
  readonly file?: string;
  /** Finds line and column for a path (set by the text loaders). */
  readonly locate?: Locate;
}

/** A world once built: the graph and the agents, validated against it. */
export interface BuiltWorld {
  readonly graph: WorldGraph;
  readonly agents: readonly AgentSpec[];
}

/**
 * Builds a world in code. Calls are numbered in order (the first addEntity is `entities[0]`,
 * the first addEdge `edges[0]`, the first addAgent `agents[0]`) and problems are collected,
 * not thrown: `build()` throws one WorldConfigError listing them all. Edges may name entities
 * added later; they are linked by `build()`.
 */
export class WorldBuilder {
  private readonly graph: WorldGraphology = new Graph.DirectedGraph<EntityAttributes, EdgeAttributes>({ allowSelfLoops: true });
  private readonly problems: WorldProblem[] = [];
  private readonly entityIndex = new Map<string, number>();
  private entities = 0;
  private edges = 0;
  private readonly pending: { index: number; from: string; to: string; attributes: EdgeAttributes }[] = [];
  private readonly agents: AgentSpec[] = [];
  private built = false;
  private readonly interned = new Map<string, EdgeAttributes>();
  private readonly kinds = new Map<string, EntityAttributes>();

  constructor(private readonly options: WorldBuilderOptions = {}) {}

  /** Adds an entity (`state` optional: absent until set). */
  addEntity(id: string, kind: string, state?: JsonValue): this {
    this.open();
    const index = this.entities++;
    const place = ['entities', index] as const;
    let ok = true;
    if (id === undefined) (ok = false), this.problem('missing-key', [...place, 'id'], "missing 'id'");
    else if (typeof id !== 'string' || id === '') (ok = false), this.problem('wrong-kind', [...place, 'id'], `expected a non-empty string (got ${describe(id)})`);
    if (kind === undefined) (ok = false), this.problem('missing-key', [...place, 'kind'], "missing 'kind'");
    else if (typeof kind !== 'string' || kind === '') (ok = false), this.problem('wrong-kind', [...place, 'kind'], `expected a non-empty string (got ${describe(kind)})`);
    if (typeof id !== 'string' || id === '') return this;
    const first = this.entityIndex.get(id);
    if (first !== undefined || this.graph.hasNode(id)) {
      this.problem('duplicate', [...place, 'id'], `duplicate id '${id}' (first at entities[${first}])`);
      return this;
    }
    // Registered even when the kind is bad, so edges to it do not add spurious problems.
    const k = ok ? kind : '';
    this.graph.addNode(id, state === undefined ? coldAttributes(this.kinds, k) : { kind: k, state });
    // The index is only needed for messages; skip it for worlds built without problems so far
    // would save memory, but duplicates must name the first: keep it only while building.
    this.entityIndex.set(id, index);
    return this;
  }

  /** Adds a directed edge; `requires` defaults to open, `distance` to 1. */
  addEdge(from: string, to: string, options: EdgeOptions = {}): this {
    this.open();
    const index = this.edges++;
    const place = ['edges', index] as const;
    let ok = true;
    for (const [key, value] of [['from', from], ['to', to]] as const) {
      if (value === undefined) (ok = false), this.problem('missing-key', [...place, key], `missing '${key}'`);
      else if (typeof value !== 'string' || value === '') (ok = false), this.problem('wrong-kind', [...place, key], `expected an entity id (got ${describe(value)})`);
    }
    const opts = (typeof options === 'object' && options !== null ? options : {}) as EdgeOptions;
    let requires: readonly string[] = OPEN;
    if (opts.requires !== undefined) {
      const listProblems = checkStringList(opts.requires, '');
      if (listProblems.length > 0) {
        ok = false;
        for (const p of listProblems) this.problem(p.kind, [...place, 'requires', ...suffix(p.path)], p.message);
      } else if (opts.requires.length > 0) requires = Object.freeze([...new Set(opts.requires)]);
    }
    let distance = 1;
    if (opts.distance !== undefined) {
      if (typeof opts.distance !== 'number' || !Number.isFinite(opts.distance) || opts.distance <= 0) {
        ok = false;
        this.problem(typeof opts.distance === 'number' ? 'bad-number' : 'wrong-kind', [...place, 'distance'], `expected a positive finite number (got ${describe(opts.distance)})`);
      } else distance = opts.distance;
    }
    if (!ok) return this;
    const attributes = this.intern(requires, distance);
    if (this.graph.hasNode(from) && this.graph.hasNode(to)) this.link(index, from, to, attributes);
    else this.pending.push({ index, from, to, attributes });
    return this;
  }

  /** Adds an agent; it is checked against the graph by `build()`. */
  addAgent(agent: AgentSpec): this {
    this.open();
    this.agents.push(agent);
    return this;
  }

  /** @internal For the text loaders: uses up an entity index for an entry that is not a mapping. */
  skipEntity(): void {
    this.entities++;
  }

  /** @internal For the text loaders: uses up an edge index for an entry that is not a mapping. */
  skipEdge(): void {
    this.edges++;
  }

  /** Problems found so far (build() adds those only it can see: unknown entities, agents). */
  get problemCount(): number {
    return this.problems.length;
  }

  /** The world; throws WorldConfigError listing every problem. The builder cannot be reused. */
  build(): BuiltWorld {
    this.open();
    this.built = true;
    for (const edge of this.pending) {
      let ok = true;
      for (const key of ['from', 'to'] as const) {
        if (!this.graph.hasNode(edge[key])) (ok = false), this.problem('unknown-entity', ['edges', edge.index, key], `unknown entity '${edge[key]}'`);
      }
      if (ok) this.link(edge.index, edge.from, edge.to, edge.attributes);
    }
    const world = new WorldGraph(this.graph, this.kinds);
    const agentIds = new Map<string, number>();
    this.agents.forEach((agent, index) => {
      for (const p of world.checkAgent(agent, `agents[${index}]`)) this.problem(p.kind, ['agents', index, ...suffix(p.path.slice(`agents[${index}]`.length))], p.message);
      const id = (agent as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && id !== '') {
        const first = agentIds.get(id);
        if (first !== undefined) this.problem('duplicate', ['agents', index, 'id'], `duplicate agent id '${id}' (first at agents[${first}])`);
        else agentIds.set(id, index);
      }
    });
    this.entityIndex.clear();
    this.interned.clear();
    if (this.problems.length > 0) {
      throw new WorldConfigError(sortProblems(this.problems), this.options.file);
    }
    const agents = this.agents.map((a) => ({ id: a.id, position: a.position, credentials: [...(a.credentials ?? [])], capabilities: [...(a.capabilities ?? [])] }));
    return { graph: world, agents };
  }

  /** @internal For the text loaders: a problem at a path. */
  problem(kind: WorldProblemKind, path: readonly (string | number)[], message: string): void {
    const at = this.options.locate?.(path);
    this.problems.push({ kind, file: this.options.file, path: formatWorldPath(path), line: at?.line, column: at?.column, message });
  }

  /**
   * One frozen attribute object per distinct (requires, distance): graphology stores the
   * object it is given, and most edges of a large world share a few signatures (open,
   * distance 1), which saves ~38 bytes per edge. Edge attributes are immutable as a result.
   * The table is capped so that a world of all-distinct distances does not grow it unbounded.
   */
  private intern(requires: readonly string[], distance: number): EdgeAttributes {
    const signature = requires.length === 0 ? String(distance) : `${distance}\u0000${requires.join('\u0000')}`;
    let attributes = this.interned.get(signature);
    if (attributes === undefined) {
      attributes = Object.freeze({ requires, distance });
      if (this.interned.size < INTERN_LIMIT) this.interned.set(signature, attributes);
    }
    return attributes;
  }

  private link(index: number, from: string, to: string, attributes: EdgeAttributes): void {
    if (this.graph.hasDirectedEdge(from, to)) {
      this.problem('duplicate', ['edges', index], `duplicate edge '${from}' -> '${to}' (one edge per ordered pair; merge the requirements or add an intermediate entity)`);
      return;
    }
    this.graph.addDirectedEdge(from, to, attributes);
  }

  private open(): void {
    if (this.built) throw new Error('WorldBuilder: already built (a builder builds one world)');
  }
}

/**
 * The shared frozen attributes of stateless entities of `kind`: a cold entity costs no
 * attribute object of its own (setState gives it one). Kinds are few, so the table is small.
 */
function coldAttributes(table: Map<string, EntityAttributes>, kind: string): EntityAttributes {
  let attributes = table.get(kind);
  if (attributes === undefined) table.set(kind, (attributes = Object.freeze({ kind })));
  return attributes;
}

/** `entities[3].id`, `edges[0].requires[1]`. */
export function formatWorldPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : out === '' ? segment : '.' + segment;
  return out === '' ? '(top)' : out;
}

/** Problems of a value that should be an array of strings (path = `place[i]` for elements). */
export function checkStringList(value: unknown, place: string): WorldProblem[] {
  const at = (path: string, kind: WorldProblemKind, message: string): WorldProblem => ({ kind, file: undefined, path, line: undefined, column: undefined, message });
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [at(place, 'wrong-kind', `expected an array of strings (got ${describe(value)})`)];
  const problems: WorldProblem[] = [];
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item === '') problems.push(at(`${place}[${i}]`, 'wrong-kind', `expected a non-empty string (got ${describe(item)})`));
  });
  return problems;
}

/** Turns a formatted suffix (`[2]`, `.id`) back into segments. */
function suffix(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of path.matchAll(/\[(\d+)\]|\.?([^.[\]]+)/g)) out.push(match[1] !== undefined ? Number(match[1]) : match[2]!);
  return out;
}

/** A short description of a value for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** Problems in document order: by section, then index (collected out of order by build()). */
function sortProblems(problems: WorldProblem[]): WorldProblem[] {
  const order = (p: WorldProblem): [number, number] => {
    const m = /^(\w+)\[(\d+)\]/.exec(p.path);
    const section = m === null ? -1 : ['entities', 'edges', 'agents'].indexOf(m[1]!);
    return [section, m === null ? -1 : Number(m[2])];
  };
  return problems
    .map((p, i) => ({ p, i, k: order(p) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.i - b.i)
    .map((x) => x.p);
}
