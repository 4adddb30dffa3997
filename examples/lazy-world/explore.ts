/**
 * A scripted exploration of an estate: each agent, per step, picks up the credentials of the
 * credential store it stands on (Reachability.gain) or else moves to a traversable neighbour
 * (Reachability.moveTo), preferring stores and entities it has not visited. The choices come
 * from a seeded generator, so a walk is the same on every run; it is recorded as actions that
 * can be replayed on another estate (the benchmark replays one walk at 10k and 1M entities).
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { Reachability, canTraverse } from '../../src/world/index.js';
import type { AgentSpec, WorldTopology } from '../../src/world/index.js';
import { credentialsAt } from './estate.js';

/** One agent's action in a step: a move to an entity, or credentials gained. */
export type Action = { readonly agent: number; readonly kind: 'move'; readonly to: string } | { readonly agent: number; readonly kind: 'gain'; readonly names: readonly string[] };

export class Explorer {
  readonly reach: Reachability[];
  private readonly visited: Set<string>[];
  private readonly held: Set<string>[];
  private readonly rand: (n: number) => number;

  /** One Reachability of `radius` per agent (throws RangeError for a bad radius or position). */
  constructor(
    private readonly graph: WorldTopology,
    agents: readonly AgentSpec[],
    radius: number,
    seed: number,
  ) {
    if (agents.length === 0) throw new RangeError('Explorer: no agents');
    this.reach = agents.map((agent) => new Reachability(graph, agent, radius));
    this.visited = agents.map((agent) => new Set([agent.position]));
    this.held = agents.map((agent) => new Set([...agent.credentials, ...agent.capabilities]));
    const rng = xoroshiro128plus(seed);
    this.rand = (n) => uniformInt(rng, 0, n - 1);
  }

  /** One step: every agent acts once. Returns the actions taken (already applied). */
  step(): Action[] {
    const actions: Action[] = [];
    for (let a = 0; a < this.reach.length; a++) {
      const reach = this.reach[a]!;
      const held = this.held[a]!;
      const fresh = credentialsAt(this.graph, reach.position).filter((name) => !held.has(name));
      if (fresh.length > 0) {
        for (const name of fresh) held.add(name);
        const action: Action = { agent: a, kind: 'gain', names: fresh };
        apply(this.reach, action);
        actions.push(action);
        continue;
      }
      const to = this.choose(a);
      if (to === undefined) continue; // stuck: nothing traversable (cannot happen in an estate: links go both ways)
      this.visited[a]!.add(to);
      const action: Action = { agent: a, kind: 'move', to };
      apply(this.reach, action);
      actions.push(action);
    }
    return actions;
  }

  /** The union of the agents' balls: the entities that would be hot (live actors). */
  liveSet(): Set<string> {
    return unionOf(this.reach);
  }

  /** The names agent `a` holds. */
  holdings(a: number): ReadonlySet<string> {
    return this.held[a]!;
  }

  private choose(a: number): string | undefined {
    const here = this.reach[a]!.position;
    const held = this.held[a]!;
    const visited = this.visited[a]!;
    const open: string[] = [];
    this.graph.forEachOutEdge(here, (_key, attributes, target) => {
      // Agents stand on hosts, segments and stores; services are seen, not entered (no way back).
      if (canTraverse(attributes, held) && hasOutEdge(this.graph, target)) open.push(target);
    });
    if (open.length === 0) return undefined;
    const stores = open.filter((id) => !visited.has(id) && this.graph.kindOf(id) === 'credential-store');
    if (stores.length > 0) return stores[this.rand(stores.length)];
    const unvisited = open.filter((id) => !visited.has(id));
    const pool = unvisited.length > 0 ? unvisited : open;
    return pool[this.rand(pool.length)];
  }
}

/** True when `id` has at least one out-edge (WorldTopology has no degree; degrees are small). */
function hasOutEdge(world: WorldTopology, id: string): boolean {
  let found = false;
  world.forEachOutEdge(id, () => void (found = true));
  return found;
}

/** Applies a recorded action to the agents' reachabilities. */
export function apply(reach: readonly Reachability[], action: Action): void {
  const r = reach[action.agent];
  if (r === undefined) throw new RangeError(`apply: no agent ${action.agent}`);
  if (action.kind === 'move') r.moveTo(action.to);
  else for (const name of action.names) r.gain(name);
}

/** The union of the balls. */
export function unionOf(reach: readonly Reachability[]): Set<string> {
  const live = new Set<string>();
  for (const r of reach) for (const id of r.entities()) live.add(id);
  return live;
}
