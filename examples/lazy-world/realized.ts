/**
 * Exploring an estate through a realizer: agents act on the world (move, scan hosts, probe
 * services, take credentials from stores) and the realizer keeps live entity actors only
 * within their hot radius. The choices come from a seeded generator, so a run is the same
 * every time; each step reports the live set as the realizer counts it.
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { canTraverse, realizer } from '../../src/index.js';
import type { ActorRef, ActorSystem, AgentSpec, Observation, RealizerMessage, RealizerStats, Step, WorldTopology } from '../../src/index.js';
import { ESTATE_KINDS } from './kinds.js';

/** One agent as the driver knows it (from the realizer's observations). */
interface Walker {
  readonly id: string;
  position: string;
  readonly holdings: Set<string>;
  readonly visited: Set<string>;
  readonly raided: Set<string>;
}

/** What one step did. */
export interface RealizedStep {
  readonly observations: readonly Observation[];
  readonly stats: RealizerStats;
  /** Credentials gained this step, per agent id. */
  readonly gained: Readonly<Record<string, readonly string[]>>;
}

export interface RealizedExplorationOptions {
  readonly hotRadius: number;
  readonly warmRadius?: number;
  readonly idleMs?: number;
  readonly seed: number;
}

export class RealizedExploration {
  readonly realizer: ActorRef<RealizerMessage>;
  private readonly walkers: Walker[];
  private readonly rand: (n: number) => number;

  constructor(
    system: ActorSystem,
    private readonly world: WorldTopology,
    agents: readonly AgentSpec[],
    options: RealizedExplorationOptions,
  ) {
    this.realizer = system.spawn(realizer, {
      name: 'realizer',
      props: { world, kinds: ESTATE_KINDS, hotRadius: options.hotRadius, warmRadius: options.warmRadius, idleMs: options.idleMs, agents },
    });
    this.walkers = agents.map((a) => ({ id: a.id, position: a.position, holdings: new Set([...a.credentials, ...a.capabilities]), visited: new Set([a.position]), raided: new Set() }));
    const rng = xoroshiro128plus(options.seed);
    this.rand = (n) => uniformInt(rng, 0, n - 1);
  }

  /** The realizer's counters now. */
  stats(): Promise<RealizerStats> {
    return this.realizer.ask((replyTo) => ({ type: 'stats', replyTo }));
  }

  /** Each agent's position and holdings as the driver knows them (copies: read-only), e.g. to recompute the hot balls from scratch. */
  positions(): { readonly id: string; readonly position: string; readonly holdings: readonly string[] }[] {
    return this.walkers.map((w) => ({ id: w.id, position: w.position, holdings: [...w.holdings] }));
  }

  /** One step: every agent acts once, through the realizer. */
  async step(): Promise<RealizedStep> {
    const observations: Observation[] = [];
    const gained: Record<string, string[]> = {};
    for (const walker of this.walkers) {
      const step = this.choose(walker);
      const observation = await this.realizer.ask<Observation>((replyTo) => ({ type: 'step', agent: walker.id, step, replyTo }));
      observations.push(observation);
      if (!observation.ok) continue;
      if (observation.op === 'move') {
        walker.position = observation.position;
        walker.visited.add(observation.position);
      } else if (observation.op === 'act' && observation.granted.length > 0) {
        for (const name of observation.granted) walker.holdings.add(name);
        gained[walker.id] = [...observation.granted];
      }
    }
    return { observations, stats: await this.stats(), gained };
  }

  /** Takes a store's credentials once, sometimes scans or probes what is near, else moves on. */
  private choose(walker: Walker): Step {
    const here = walker.position;
    const kind = this.world.kindOf(here);
    if (kind === 'credential-store' && !walker.raided.has(here)) {
      walker.raided.add(here);
      return { op: 'act', entity: here, action: { type: 'take' } };
    }
    const open: string[] = [];
    const services: string[] = [];
    this.world.forEachOutEdge(here, (_edge, attributes, target) => {
      if (!canTraverse(attributes, walker.holdings)) return;
      if (this.world.kindOf(target) === 'service') services.push(target);
      else open.push(target);
    });
    const dice = this.rand(5);
    if (dice === 0 && kind === 'host') return { op: 'act', entity: here, action: { type: 'scan' } };
    if (dice === 1 && services.length > 0) return { op: 'act', entity: services[this.rand(services.length)]!, action: { type: 'probe' } };
    if (dice === 2 && open.length > 0) {
      // A service of a neighbouring host: two hops away, in the warm band when the hot radius is 1.
      const next = open[this.rand(open.length)]!;
      const far: string[] = [];
      this.world.forEachOutEdge(next, (_edge, attributes, target) => {
        if (canTraverse(attributes, walker.holdings) && this.world.kindOf(target) === 'service') far.push(target);
      });
      if (far.length > 0) return { op: 'act', entity: far[this.rand(far.length)]!, action: { type: 'probe' } };
    }
    const stores = open.filter((id) => !walker.visited.has(id) && this.world.kindOf(id) === 'credential-store');
    const unvisited = open.filter((id) => !walker.visited.has(id));
    const pool = stores.length > 0 ? stores : unvisited.length > 0 ? unvisited : open;
    if (pool.length === 0) return { op: 'read', entity: here };
    return { op: 'move', to: pool[this.rand(pool.length)]! };
  }
}
