/**
 * A deterministic enterprise estate as a world graph (issue 7's demo world): network segments,
 * hosts on them, services on hosts, and credential stores holding credentials in their state.
 *
 * Layout, per segment `s` (segments are generated one after another, each from its own seeded
 * generator, so the first segments of a large estate equal those of a small one with the same
 * seed: benchmarks can replay one walk on estates of different sizes):
 *   - `seg-s` (kind `segment`) <-> `host-s-0` (its gateway), open;
 *   - hosts `host-s-i` in a ring (open, both ways) plus one random open link to another host of
 *     the segment per 4 hosts (a flat LAN is not a clique: balls stay small);
 *   - 1-4 services `svc-s-i-k` per host: host -> service requires `<type>@seg-s` (web is open),
 *     no edge back (an agent sees a service, it does not stand on it);
 *   - one host in 4 has a credential store `store-s-i` (host <-> store, open) whose state is
 *     `{ credentials: [...] }`: service credentials of its segment and VPN credentials of
 *     neighbouring segments;
 *   - `seg-s` -> `seg-t` requires `vpn-t`, for t = s+1, s-1 (mod the segment count) and one random
 *     peer segment.
 * Agents start on the gateways of the first segments, holding nothing.
 *
 * Two stores, the same estate (entities, states, edges in the same per-entity order, agents):
 * `store: 'graph'` (default) builds a WorldGraph (graphology: every graph algorithm; ~0.85 GB
 * at 1M entities), `store: 'compact'` a CompactWorld directly (flat typed arrays, no
 * graphology graph in between: the million-entity store).
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { CompactWorldBuilder, WorldBuilder } from '../../src/world/index.js';
import type { AgentSpec, CompactWorld, EdgeOptions, JsonValue, WorldGraph, WorldTopology } from '../../src/world/index.js';

/** Entities per segment, on average (the segment count is entities / this). */
export const SEGMENT_SIZE = 1_000;
export const SERVICE_TYPES = ['web', 'ssh', 'db', 'smb'] as const;

export interface EstateOptions {
  /** Entities to generate (exactly this many); at least 2 segments' worth: >= 2 * SEGMENT_SIZE. Default 100,000. */
  readonly entities?: number;
  /** Seed of the generator; the same seed gives the same estate. Default 1. */
  readonly seed?: number;
  /** Agents to place on the gateways of segments 0, 1, ... (<= the segment count). Default 4. */
  readonly agents?: number;
  /** False: entities only, no edges (to measure the heap of cold entities alone). Default true. */
  readonly edges?: boolean;
  /** Where the estate is stored: a WorldGraph (graphology) or a CompactWorld. Default 'graph'. */
  readonly store?: 'graph' | 'compact';
}

/** The estate: its world (a WorldGraph or a CompactWorld, per `store`), agents and segment count. */
export interface Estate<W extends WorldTopology = WorldGraph> {
  /** The world (named `graph` for history: with `store: 'compact'` it is a CompactWorld). */
  readonly graph: W;
  readonly agents: readonly AgentSpec[];
  /** Segments generated. */
  readonly segments: number;
}

/** A seeded source of integers in [0, n). */
function seeded(seed: number): (n: number) => number {
  const rng = xoroshiro128plus(seed);
  return (n) => uniformInt(rng, 0, n - 1);
}

/** Mixes the estate seed with a segment index (each segment has its own stream). */
const segmentSeed = (seed: number, s: number): number => (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(s + 1, 0x85ebca6b)) | 0;

function checkCount(value: number, name: string, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`generateEstate: ${name} must be an integer >= ${min} (got ${value})`);
}

/** What the generator adds entities and edges to (both builders have these two methods). */
interface EstateSink {
  addEntity(id: string, kind: string, state?: JsonValue): unknown;
  addEdge(from: string, to: string, options?: EdgeOptions): unknown;
}

/**
 * Generates the estate. Throws RangeError naming the bad option. Deterministic: the same
 * options give the same entities, edges, states and agents, whichever the store.
 */
export function generateEstate(options?: EstateOptions & { readonly store?: 'graph' }): Estate<WorldGraph>;
export function generateEstate(options: EstateOptions & { readonly store: 'compact' }): Estate<CompactWorld>;
export function generateEstate(options?: EstateOptions): Estate<WorldTopology>;
export function generateEstate(options: EstateOptions = {}): Estate<WorldTopology> {
  const entities = options.entities ?? 100_000;
  const seed = options.seed ?? 1;
  const agentCount = options.agents ?? 4;
  const withEdges = options.edges ?? true;
  checkCount(entities, 'entities', 2 * SEGMENT_SIZE);
  if (!Number.isInteger(seed)) throw new RangeError(`generateEstate: seed must be an integer (got ${seed})`);
  const segments = Math.floor(entities / SEGMENT_SIZE);
  checkCount(agentCount, 'agents', 1);
  if (agentCount > segments) throw new RangeError(`generateEstate: agents (${agentCount}) must be <= the segment count (${segments})`);

  const store = options.store ?? 'graph';
  if (store !== 'graph' && store !== 'compact') throw new RangeError(`generateEstate: store must be 'graph' or 'compact' (got ${String(store)})`);
  const graphBuilder = store === 'graph' ? new WorldBuilder() : undefined;
  const compactBuilder = store === 'compact' ? new CompactWorldBuilder() : undefined;
  const builder: EstateSink = (graphBuilder ?? compactBuilder)!;
  let made = 0;
  const edge = withEdges ? (from: string, to: string, requires?: string[]): void => void builder.addEdge(from, to, requires ? { requires } : {}) : (): void => {};
  for (let s = 0; s < segments; s++) {
    const rand = seeded(segmentSeed(seed, s));
    // The last segment takes the remainder so the count is exact.
    const budget = s === segments - 1 ? entities - made : SEGMENT_SIZE;
    const seg = `seg-${s}`;
    builder.addEntity(seg, 'segment', { name: seg, cidr: `10.${(s >> 8) & 255}.${s & 255}.0/24` });
    let used = 1;
    const hosts: string[] = [];
    while (used < budget) {
      const h = hosts.length;
      const host = `host-${s}-${h}`;
      builder.addEntity(host, 'host');
      hosts.push(host);
      used++;
      const services = Math.min(1 + rand(4), budget - used);
      for (let k = 0; k < services; k++) {
        const type = SERVICE_TYPES[rand(SERVICE_TYPES.length)]!;
        const svc = `svc-${s}-${h}-${k}`;
        builder.addEntity(svc, 'service');
        used++;
        edge(host, svc, type === 'web' ? undefined : [`${type}@${seg}`]);
      }
      if (used < budget && rand(4) === 0) {
        const store = `store-${s}-${h}`;
        const credentials: JsonValue[] = [`${SERVICE_TYPES[1 + rand(SERVICE_TYPES.length - 1)]}@${seg}`];
        if (rand(2) === 0) credentials.push(`vpn-${(s + 1 + rand(2) * (segments - 2)) % segments}`);
        builder.addEntity(store, 'credential-store', { credentials });
        used++;
        edge(host, store);
        edge(store, host);
      }
    }
    made += used;
    edge(seg, hosts[0]!);
    edge(hosts[0]!, seg);
    // A ring needs 3 hosts (with 2, i -> i+1 and the closing edge would be the same pair).
    const n = hosts.length;
    for (let i = 0; i < n && n > 2; i++) {
      const next = hosts[(i + 1) % n]!;
      edge(hosts[i]!, next);
      edge(next, hosts[i]!);
      // The shortcut skips itself and its ring neighbours (those pairs already have an edge).
      const j = rand(n);
      if (rand(4) === 0 && j !== i && j !== (i + 1) % n && j !== (i + n - 1) % n) edge(hosts[i]!, hosts[j]!);
    }
    const peers = new Set([(s + 1) % segments, (s + segments - 1) % segments, rand(segments)]);
    peers.delete(s);
    for (const t of peers) edge(seg, `seg-${t}`, [`vpn-${t}`]);
  }
  const agents: AgentSpec[] = [];
  for (let a = 0; a < agentCount; a++) agents.push({ id: `agent-${a}`, position: `host-${a}-0`, credentials: [], capabilities: [] });
  if (graphBuilder !== undefined) {
    for (const agent of agents) graphBuilder.addAgent(agent);
    const built = graphBuilder.build();
    return { graph: built.graph, agents: built.agents, segments };
  }
  const world = compactBuilder!.build();
  // A compact world holds no agents: the positions are checked here (every segment has a gateway).
  for (const agent of agents) if (!world.hasEntity(agent.position)) throw new Error(`generateEstate: agent position '${agent.position}' missing`);
  return { graph: world, agents, segments };
}

/** The credentials held in an entity's state (a credential store's `credentials`), or none. */
export function credentialsAt(graph: WorldTopology, id: string): string[] {
  const state = graph.stateOf(id);
  if (state === null || typeof state !== 'object' || Array.isArray(state)) return [];
  const list = state['credentials'];
  return Array.isArray(list) ? list.filter((c): c is string => typeof c === 'string') : [];
}
