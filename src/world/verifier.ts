import { isDeepStrictEqual } from 'node:util';
import type { ActorRef } from '../actor-ref.js';
import type { ActorSystem } from '../system.js';
import type { EntityKinds } from './entity-kind.js';
import { FullWorld } from './full-world.js';
import { Reachability } from './reachability.js';
import { realizer } from './realizer.js';
import type { RealizerMessage, RealizerStats } from './realizer.js';
import type { AgentEndState, Observation, Step, WorldEndState } from './steps.js';
import type { WorldTopology } from './topology.js';
import type { AgentSpec } from './types.js';

/**
 * The admission-equivalence verifier (ADR 0007): runs one oracle path against the lazy world
 * (a realizer) and against the fully realized world (every entity a live actor), and requires
 * the same observation for every step and the same end state. After every step it also checks
 * the live-set bound: live entity actors <= the union of the agents' hot balls, computed here
 * from scratch (not from the realizer's own counts).
 */

/**
 * One step of a path: a fixed action, or one chosen from where the agent stands and what it
 * holds (resolved once, from the fully realized world, and sent to both worlds), so random
 * paths can walk along edges instead of bumping into missing ones.
 */
export type PathStep =
  | { readonly agent: string; readonly step: Step }
  | { readonly agent: string; readonly choose: (agent: AgentEndState, world: WorldTopology) => Step };

/** A sequence of agent actions over a world, with the agents that perform them. */
export interface OraclePath {
  readonly agents: readonly AgentSpec[];
  readonly steps: readonly PathStep[];
}

/** How to run a path. */
export interface VerifyOptions {
  /**
   * Makes a fresh copy of the world: called twice, once per side (each writes entity states).
   * Both copies must be equal.
   */
  readonly world: () => WorldTopology;
  readonly kinds: EntityKinds;
  readonly hotRadius: number;
  readonly warmRadius?: number;
  /** The realizer's idleMs (small values passivate and promote between steps). */
  readonly idleMs?: number;
  /**
   * Milliseconds to wait before step i (0: none), so idle passivation happens mid-path.
   * Default: no waits.
   */
  readonly pauseBefore?: (index: number) => number;
}

/** Where the two worlds first differed. */
export type Mismatch =
  | { readonly at: 'step'; readonly index: number; readonly agent: string; readonly step: Step; readonly lazy: Observation; readonly full: Observation }
  | { readonly at: 'end-state'; readonly lazy: WorldEndState; readonly full: WorldEndState }
  | { readonly at: 'live-set'; readonly index: number; readonly live: number; readonly bound: number };

/** The verdict on one path. */
export interface VerifyResult {
  readonly equivalent: boolean;
  readonly mismatch: Mismatch | undefined;
  /** The steps as run (chosen steps resolved). */
  readonly steps: readonly { readonly agent: string; readonly step: Step }[];
  /** The lazy world's observations (join, then each step). */
  readonly observations: readonly Observation[];
  /** Most live entity actors the realizer had after any step, and the entities of the world. */
  readonly maxLive: number;
  readonly entityCount: number;
  /** The realizer's counters at the end. */
  readonly stats: RealizerStats;
}

let runs = 0;

/** Runs `path` against both worlds under `system` and compares them; stops both afterwards. */
export async function verifyPath(system: ActorSystem, path: OraclePath, options: VerifyOptions): Promise<VerifyResult> {
  const warmRadius = options.warmRadius ?? options.hotRadius + 1;
  const run = ++runs;
  const lazyWorld = options.world();
  const fullWorld = options.world();
  const lazy: ActorRef<RealizerMessage> = system.spawn(realizer, {
    name: `verify-lazy-${run}`,
    props: { world: lazyWorld, kinds: options.kinds, hotRadius: options.hotRadius, warmRadius, idleMs: options.idleMs ?? 0 },
  });
  const full = new FullWorld(system, fullWorld, options.kinds, warmRadius, `verify-full-${run}`);
  const observations: Observation[] = [];
  const steps: { agent: string; step: Step }[] = [];
  let maxLive = 0;
  let mismatch: Mismatch | undefined;
  const stats = (): Promise<RealizerStats> => lazy.ask<RealizerStats>((replyTo) => ({ type: 'stats', replyTo }));
  try {
    for (const agent of path.agents) {
      const a = await lazy.ask<Observation>((replyTo) => ({ type: 'join', agent, replyTo }));
      const b = full.join(agent);
      observations.push(a);
      if (!isDeepStrictEqual(a, b)) throw new Error(`verifyPath: joining agent '${agent.id}' differs: lazy ${JSON.stringify(a)} vs full ${JSON.stringify(b)}`);
    }
    for (let index = 0; index < path.steps.length && mismatch === undefined; index++) {
      const pause = options.pauseBefore?.(index) ?? 0;
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      const entry = path.steps[index]!;
      const agent = entry.agent;
      const known = full.endState().agents[agent];
      const step = 'step' in entry ? entry.step : known === undefined ? ({ op: 'gain', name: '?' } as Step) : entry.choose(known, fullWorld);
      steps.push({ agent, step });
      const a = await lazy.ask<Observation>((replyTo) => ({ type: 'step', agent, step, replyTo }));
      const b = await full.step(agent, step);
      observations.push(a);
      if (!isDeepStrictEqual(a, b)) {
        mismatch = { at: 'step', index, agent, step, lazy: a, full: b };
        break;
      }
      const live = (await stats()).hot;
      maxLive = Math.max(maxLive, live);
      const bound = hotUnion(fullWorld, full.endState(), options.hotRadius);
      if (live > bound) mismatch = { at: 'live-set', index, live, bound };
    }
    if (mismatch === undefined) {
      const a = await lazy.ask<WorldEndState>((replyTo) => ({ type: 'end-state', replyTo }));
      const b = full.endState();
      if (!isDeepStrictEqual(a, b)) mismatch = { at: 'end-state', lazy: a, full: b };
    }
    return { equivalent: mismatch === undefined, mismatch, steps, observations, maxLive, entityCount: lazyWorld.entityCount, stats: await stats() };
  } finally {
    await Promise.all([system.stop(lazy), (async () => full.stop())()]);
  }
}

/** |union of the agents' hot balls|, from scratch. */
function hotUnion(world: WorldTopology, state: WorldEndState, hotRadius: number): number {
  const union = new Set<string>();
  for (const agent of Object.values(state.agents)) {
    const ball = new Reachability(world, { position: agent.position, credentials: agent.holdings, capabilities: [] }, hotRadius);
    for (const entity of ball.entities()) union.add(entity);
  }
  return union.size;
}
