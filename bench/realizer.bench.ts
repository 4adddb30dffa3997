/**
 * realizer: lazy realization's actor side (issue 7, ADR 0007) on generated estates
 * (examples/lazy-world). Three tables.
 *
 * (a) promotion latency: an agent's act on a hot-radius entity whose actor was passivated, so
 *     the realizer spawns it from the saved state (promotion reason 'action') before asking it;
 *     timed from the ask of the step to its reply, one act at a time.
 *     How promotions are driven: idleness (idleMs), not moves. A move promotes for 'reach'
 *     (several entities at once, inside the move's own work), while an act on a passivated
 *     hot entity is exactly one spawn + one ask. So: a realizer on the 10k estate with
 *     AGENTS_P agents (hot radius 2, warm 3) spread over its segments and idleMs IDLE_MS; the
 *     targets are the hosts (scan) and services (probe) in the agents' hot balls, each acted on
 *     by one agent whose ball holds it. A cycle waits until the idle sweep has passivated every
 *     actor (stats.hot = 0), then acts on every target (the "cold" pass: each act promotes),
 *     then at once acts on every target again (the "live" pass: each actor is live; routing +
 *     ask, no spawn). The realizer's promotion counter is read around each pass: a cold pass
 *     must promote once per target, a live pass never (else the pass is thrown away and
 *     counted). events$ is not observed here (the realizer publishes nothing then).
 *   actormesh  the cold pass: p50/p99 per act.
 *   floor      the live pass: the same acts on live actors (vs = what the spawn adds).
 *   nact       per sample: spawn an actor with the same state ({ scans }) under the system and
 *              query it once (it runs the same pure kind function), then stop it (untimed).
 *   nact, live one nact actor spawned beforehand, queried (extra row).
 * (b) passivation and step latency (events$ observed: the realizer publishes only then).
 *   passivation   from the realizer's `world-passivated` event to the entity actor's
 *                 `actor-stopped` event, both taken with performance.now() in an events$
 *                 subscriber. Publishing is synchronous (EventStream.publish calls
 *                 Subject.next, which calls the subscriber before returning), and the realizer
 *                 publishes right after ctx.stop (which only enqueues a STOP system message), so
 *                 the figure is the time from the decision until the stopped actor finalized.
 *                 Two causes: out-of-reach (the move walk below, a few per move) and the idle
 *                 sweep (table (a)'s setup: the actors promoted at the join, then twice those of
 *                 a pass over every target, each lot stopped by one sweep: hundreds at once, so
 *                 the last waits for the others).
 *   step (move)   a seeded walk of 4 agents (hot 2, warm 3) on the 10k estate, moves only (open
 *                 edges, unvisited neighbours first); p50/p99 of the moves that promoted and
 *                 passivated at least one entity each, timed as in (a), events$ NOT observed
 *                 (the counts come from stats asked between moves, untimed). "per step" =
 *                 promotions + passivations per counted move.
 * (c) live set: examples/lazy-world/realized.ts (RealizedExploration: moves, scans, probes,
 *     takes) on a 100,000-entity estate, 4 agents, hot radius 2, warm 3, LIVE_STEPS steps. After
 *     every step: live entity actors as the realizer counts them (stats.hot), and its children
 *     as system.inspect sees them right after the step and once more after the pending stops
 *     ran (a stopped child leaves its parent's list when the parent handles ChildTerminated);
 *     the bound is the union of the agents' hot balls computed from scratch (a new Reachability
 *     per agent at its position with its holdings). A violation is a step where stats.hot or
 *     the settled child count exceeds the bound.
 *
 * gc: once before each block, not before each round (gcEachRound: false). A forced full gc
 * throws away optimized code (V8 deopt reason "weak objects", see harness.ts), and the samples
 * after it then pay for re-optimization: with a gc before each round the promoting move's p99
 * was 4.5 ms and the promotion's p50 23 us, without it 0.07-0.13 ms and 10-16 us (same machine).
 *
 * Target: live entity actors <= the reachable (hot) set at every step. Promotion and
 * passivation latency: no target in the issue; p50/p99 reported.
 * Run alone: npm run bench -- realizer
 */
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { ActorSystem } from '../src/index.js';
import type { ActorRef, AgentSpec, JsonValue, Observation, RealizerMessage, RealizerStats, RuntimeEvent, Step } from '../src/index.js';
import { Reachability, canTraverse, realizer } from '../src/world/index.js';
import type { WorldGraph, WorldTopology } from '../src/world/index.js';
import { generateEstate } from '../examples/lazy-world/estate.js';
import { ESTATE_KINDS } from '../examples/lazy-world/kinds.js';
import { RealizedExploration } from '../examples/lazy-world/realized.js';
import { block, findRow, fmt, log, now, pushRow, ratio, runIfMain, scenario, settle } from './harness.js';
import type { BlockResult, Figures, Metric, ScenarioResult } from './harness.js';
import { loadNact } from './peers.js';
import type { NactContext } from './peers.js';

const SMALL = 10_000;
const LARGE = 100_000;
const SEED = 7;
const HOT = 2;
const WARM = 3;
/** Agents of table (a)'s setup, spread over the 10k estate's segments. */
const AGENTS_P = 40;
const IDLE_MS = 100;
/** Cold + live passes per round. */
const CYCLES = 4;
const ROUNDS = 5;
/** nact samples per round (about as many as actormesh's). */
const NACT_SAMPLES = 2_500;
const NACT_QUERY_TIMEOUT_MS = 10_000;
/** Moves of the step walk (4 agents in turn). */
const MOVES = 1_200;
const LIVE_AGENTS = 4;
const LIVE_STEPS = 200;

const latencyMetrics: Metric[] = [
  { key: 'p50', label: 'p50 us', format: fmt.us, ratio: true, normalized: true },
  { key: 'p99', label: 'p99 us', format: fmt.us, ratio: true, normalized: true },
  { key: 'samples', label: 'samples/round', format: fmt.int },
];
const passivationMetrics: Metric[] = [
  { key: 'p50', label: 'p50 us', format: fmt.us },
  { key: 'p99', label: 'p99 us', format: fmt.us },
  { key: 'samples', label: 'samples/round', format: fmt.int },
  { key: 'perStep', label: 'transitions/step', format: (v) => (Number.isFinite(v) ? v.toFixed(1) : '-') },
];
const liveMetrics: Metric[] = [
  { key: 'maxLive', label: 'max live', format: fmt.int },
  { key: 'maxBound', label: 'max bound', format: fmt.int },
  { key: 'maxChildren', label: 'max children', format: fmt.int },
  { key: 'maxChildrenNow', label: 'max children (unsettled)', format: fmt.int },
  { key: 'violations', label: 'violations', format: fmt.int },
  { key: 'entities', label: 'entities', format: fmt.int },
];

/** p50 and p99 in µs of samples in ms (nearest rank). */
function percentiles(samples: readonly number[]): { p50: number; p99: number } {
  if (samples.length === 0) return { p50: NaN, p99: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50: at(50) * 1000, p99: at(99) * 1000 };
}

/** The figures of one side (`prefix.`) of a block that measured several per round. */
function side(result: BlockResult, prefix: string): BlockResult {
  const pick = (figures: Figures): Figures =>
    Object.fromEntries(Object.entries(figures).flatMap(([k, v]) => (k.startsWith(prefix + '.') ? [[k.slice(prefix.length + 1), v]] : [])));
  return { figures: pick(result.figures), all: result.all.map(pick), ...(result.failure !== undefined ? { failure: result.failure } : {}) };
}

const prefixed = (prefix: string, figures: Figures): Figures => Object.fromEntries(Object.entries(figures).map(([k, v]) => [`${prefix}.${k}`, v]));

const stepOf = (ref: ActorRef<RealizerMessage>, agent: string, step: Step): Promise<Observation> => ref.ask<Observation>((replyTo) => ({ type: 'step', agent, step, replyTo }));
const statsOf = (ref: ActorRef<RealizerMessage>): Promise<RealizerStats> => ref.ask<RealizerStats>((replyTo) => ({ type: 'stats', replyTo }));

/** Waits (polling) until the realizer has no live entity actor; throws after `limitMs`. */
async function untilPassivated(ref: ActorRef<RealizerMessage>, limitMs: number): Promise<void> {
  const start = now();
  while ((await statsOf(ref)).hot > 0) {
    if (now() - start > limitMs) throw new Error(`realizer bench: actors still live after ${limitMs} ms`);
    await settle(IDLE_MS / 4);
  }
}

// ------------------------------------------------------------------ (a) setup

/** One act of table (a): which agent acts on which entity, with the kind's action. */
interface Target {
  readonly agent: string;
  readonly entity: string;
  readonly step: Step;
}

/** AGENTS_P agents on hosts spread over the estate's segments (hosts 0, 60, 120 ... of each). */
function promotionAgents(world: WorldTopology, segments: number): AgentSpec[] {
  const agents: AgentSpec[] = [];
  for (let i = 0; agents.length < AGENTS_P; i++) {
    const position = `host-${i % segments}-${Math.floor(i / segments) * 60}`;
    if (!world.hasEntity(position)) throw new Error(`realizer bench: no entity '${position}' to place an agent on`);
    agents.push({ id: `p${i}`, position, credentials: [], capabilities: [] });
  }
  return agents;
}

/** The hosts and services in the agents' hot balls, each once, with an agent that can act on it. */
function promotionTargets(world: WorldTopology, agents: readonly AgentSpec[]): Target[] {
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const agent of agents) {
    for (const entity of new Reachability(world, agent, HOT).entities()) {
      const kind = world.kindOf(entity);
      if (seen.has(entity) || (kind !== 'host' && kind !== 'service')) continue;
      seen.add(entity);
      targets.push({ agent: agent.id, entity, step: { op: 'act', entity, action: { type: kind === 'host' ? 'scan' : 'probe' } } });
    }
  }
  return targets;
}

/** Acts on every target once, timing each act (ms); throws on a refused act. */
async function pass(ref: ActorRef<RealizerMessage>, targets: readonly Target[]): Promise<number[]> {
  const samples: number[] = [];
  for (const target of targets) {
    const t0 = now();
    const observation = await stepOf(ref, target.agent, target.step);
    samples.push(now() - t0);
    if (!observation.ok) throw new Error(`realizer bench: act on ${target.entity} refused: ${observation.detail}`);
  }
  return samples;
}

/** One actormesh round of (a): CYCLES cold and live passes; passes that were not what they should be are thrown away. */
async function meshPromotionRound(world: WorldTopology, agents: readonly AgentSpec[], targets: readonly Target[], warmup: boolean): Promise<Figures> {
  const system = ActorSystem.create({ logLevel: 'silent' });
  try {
    const ref = system.spawn(realizer, { name: 'realizer', props: { world, kinds: ESTATE_KINDS, hotRadius: HOT, warmRadius: WARM, idleMs: IDLE_MS, agents } });
    const cold: number[] = [];
    const live: number[] = [];
    let discarded = 0;
    for (let c = 0; c < (warmup ? 1 : CYCLES); c++) {
      await untilPassivated(ref, 10 * IDLE_MS + 1000);
      const before = (await statsOf(ref)).promotions;
      const coldSamples = await pass(ref, targets);
      const middle = (await statsOf(ref)).promotions;
      const liveSamples = await pass(ref, targets);
      const after = (await statsOf(ref)).promotions;
      if (middle - before === targets.length) cold.push(...coldSamples);
      else discarded++;
      if (after === middle) live.push(...liveSamples);
      else discarded++;
    }
    if (discarded > 0) log(`  actormesh: ${discarded} pass(es) thrown away (an idle sweep came in between)`);
    return { ...prefixed('cold', { ...percentiles(cold), samples: cold.length }), ...prefixed('live', { ...percentiles(live), samples: live.length }), discarded };
  } finally {
    await system.terminate();
  }
}

/** One nact round of (a): spawn + one query per sample, then queries of one live actor. */
async function nactPromotionRound(): Promise<Figures> {
  const nact = loadNact();
  const host = ESTATE_KINDS['host']!;
  type Query = { readonly sender: unknown };
  const behaviour = (state: JsonValue, message: Query, ctx: NactContext): JsonValue => {
    // A scan always returns a state; `?? state` only satisfies the type (nact keeps the returned state).
    const outcome = host.act!(state, { type: 'scan' }, ctx.name, { id: 'p0', holdings: new Set() });
    nact.dispatch(message.sender as never, { ok: true, outcome });
    return outcome.state ?? state;
  };
  const system = nact.start();
  try {
    const spawned: number[] = [];
    for (let i = 0; i < NACT_SAMPLES; i++) {
      const t0 = now();
      const actor = nact.spawn<JsonValue, Query>(system, behaviour, `host-${i}`, { initialState: { scans: i } });
      await nact.query(actor, (sender) => ({ sender }), NACT_QUERY_TIMEOUT_MS);
      spawned.push(now() - t0);
      nact.stop(actor);
    }
    const actor = nact.spawn<JsonValue, Query>(system, behaviour, 'live', { initialState: { scans: 0 } });
    await nact.query(actor, (sender) => ({ sender }), NACT_QUERY_TIMEOUT_MS);
    const live: number[] = [];
    for (let i = 0; i < NACT_SAMPLES; i++) {
      const t0 = now();
      await nact.query(actor, (sender) => ({ sender }), NACT_QUERY_TIMEOUT_MS);
      live.push(now() - t0);
    }
    return { ...prefixed('spawn', { ...percentiles(spawned), samples: spawned.length }), ...prefixed('live', { ...percentiles(live), samples: live.length }) };
  } finally {
    nact.stop(system);
  }
}

// ------------------------------------------------------------------ (b) passivation and steps

/** Collects passivation latencies (world-passivated -> actor-stopped) from events$, per reason. */
class PassivationClock {
  readonly samples = new Map<string, number[]>();
  private readonly pending = new Map<string, { t: number; reason: string }>();

  constructor(private readonly realizerPath: string) {}

  /** The events$ subscriber. performance.now() is taken as the event is published (synchronously). */
  readonly observe = (event: RuntimeEvent): void => {
    const t = now();
    if (event.type === 'world-passivated') {
      const e = event as RuntimeEvent & { entity: string; reason: string };
      this.pending.set(e.entity, { t, reason: e.reason });
    } else if (event.type === 'actor-stopped' && event.path.startsWith(this.realizerPath + '/')) {
      // The entity actor's name is `<entity>.<generation>` (estate ids need no escaping).
      const name = event.path.slice(this.realizerPath.length + 1);
      const entity = name.slice(0, name.lastIndexOf('.'));
      const start = this.pending.get(entity);
      if (start === undefined) return;
      this.pending.delete(entity);
      let list = this.samples.get(start.reason);
      if (list === undefined) this.samples.set(start.reason, (list = []));
      list.push(t - start.t);
    }
  };

  /** Passivations whose actor has not stopped yet. */
  get unmatched(): number {
    return this.pending.size;
  }
}

/** A seeded walk of moves on open edges (unvisited neighbours first, never onto a service: a dead end). */
class MoveWalk {
  private readonly rand: (n: number) => number;
  private readonly positions: string[];
  private readonly visited: Set<string>[];
  private static readonly none: ReadonlySet<string> = new Set();

  constructor(
    private readonly world: WorldTopology,
    private readonly agents: readonly AgentSpec[],
    seed: number,
  ) {
    const rng = xoroshiro128plus(seed);
    this.rand = (n) => uniformInt(rng, 0, n - 1);
    this.positions = agents.map((a) => a.position);
    this.visited = agents.map((a) => new Set([a.position]));
  }

  /** The next move of agent `i` (recorded as made: the caller checks it was). */
  next(i: number): { agent: string; to: string } {
    const open: string[] = [];
    this.world.forEachOutEdge(this.positions[i]!, (_edge, attributes, target) => {
      if (canTraverse(attributes, MoveWalk.none) && this.world.kindOf(target) !== 'service') open.push(target);
    });
    const fresh = open.filter((id) => !this.visited[i]!.has(id));
    const pool = fresh.length > 0 ? fresh : open;
    const to = pool[this.rand(pool.length)]!;
    this.positions[i] = to;
    this.visited[i]!.add(to);
    return { agent: this.agents[i]!.id, to };
  }
}

/**
 * The move walk on a fresh system: per move that promoted and passivated, its time (ms) and
 * its transitions; with `observed`, events$ is observed and the passivation latencies kept.
 */
async function moveRound(world: WorldTopology, agents: readonly AgentSpec[], observed: boolean): Promise<{ steps: number[]; transitions: number; clock: PassivationClock }> {
  const system = ActorSystem.create({ logLevel: 'silent' });
  const clock = new PassivationClock('/user/realizer');
  const subscription = observed ? system.events$.subscribe(clock.observe) : null;
  try {
    const ref = system.spawn(realizer, { name: 'realizer', props: { world, kinds: ESTATE_KINDS, hotRadius: HOT, warmRadius: WARM, agents } });
    const walk = new MoveWalk(world, agents, SEED);
    const steps: number[] = [];
    let transitions = 0;
    let stats = await statsOf(ref);
    for (let m = 0; m < MOVES; m++) {
      const { agent, to } = walk.next(m % agents.length);
      const t0 = now();
      const observation = await stepOf(ref, agent, { op: 'move', to });
      const ms = now() - t0;
      if (!observation.ok) throw new Error(`realizer bench: move of ${agent} to ${to} refused: ${observation.detail}`);
      const next = await statsOf(ref);
      const promoted = next.promotions - stats.promotions;
      const passivated = next.passivations - stats.passivations;
      stats = next;
      if (promoted > 0 && passivated > 0) {
        steps.push(ms);
        transitions += promoted + passivated;
      }
    }
    await settle();
    return { steps, transitions, clock };
  } finally {
    subscription?.unsubscribe();
    await system.terminate();
  }
}

/** Idle-sweep passivations of table (a)'s setup: promote every target by acting, let the sweep stop them all. */
async function idleRound(world: WorldTopology, agents: readonly AgentSpec[], targets: readonly Target[]): Promise<PassivationClock> {
  const system = ActorSystem.create({ logLevel: 'silent' });
  const clock = new PassivationClock('/user/realizer');
  const subscription = system.events$.subscribe(clock.observe);
  try {
    const ref = system.spawn(realizer, { name: 'realizer', props: { world, kinds: ESTATE_KINDS, hotRadius: HOT, warmRadius: WARM, idleMs: IDLE_MS, agents } });
    for (let c = 0; c < 2; c++) {
      await untilPassivated(ref, 10 * IDLE_MS + 1000);
      await pass(ref, targets);
    }
    await untilPassivated(ref, 10 * IDLE_MS + 1000);
    await settle();
    return clock;
  } finally {
    subscription.unsubscribe();
    await system.terminate();
  }
}

// ------------------------------------------------------------------ (c) live set

/** The exploration of (c): per step the live set, the children and the from-scratch bound. */
async function liveSetRun(): Promise<{ figures: Figures; note: string }> {
  const start = now();
  const estate = generateEstate({ entities: LARGE, seed: SEED, agents: LIVE_AGENTS });
  const world: WorldGraph = estate.graph;
  log(`  built ${fmt.size(LARGE)} entities: ${world.edgeCount} edges, ${((now() - start) / 1000).toFixed(1)} s`);
  const system = ActorSystem.create({ logLevel: 'silent' });
  try {
    const exploration = new RealizedExploration(system, world, estate.agents, { hotRadius: HOT, warmRadius: WARM, seed: SEED });
    const path = exploration.realizer.path;
    const childCount = (): number => system.inspect(path)?.childCount ?? NaN;
    let maxLive = 0;
    let maxBound = 0;
    let maxChildren = 0;
    let maxChildrenNow = 0;
    let violations = 0;
    let boundMismatches = 0;
    let acts = 0;
    for (let s = 0; s < LIVE_STEPS; s++) {
      const step = await exploration.step();
      const childrenNow = childCount();
      await settle();
      const children = childCount();
      const bound = new Set<string>();
      for (const walker of exploration.positions()) {
        for (const entity of new Reachability(world, { position: walker.position, credentials: walker.holdings, capabilities: [] }, HOT).entities()) bound.add(entity);
      }
      const live = step.stats.hot;
      if (live > bound.size || !(children <= bound.size)) violations++;
      if (step.stats.hotBound !== bound.size) boundMismatches++;
      acts += step.observations.filter((o) => o.ok && o.op === 'act').length;
      maxLive = Math.max(maxLive, live);
      maxBound = Math.max(maxBound, bound.size);
      maxChildren = Math.max(maxChildren, children);
      maxChildrenNow = Math.max(maxChildrenNow, childrenNow);
    }
    const stats = await exploration.stats();
    const note = `${LIVE_STEPS} steps x ${LIVE_AGENTS} agents (${acts} acts), ${stats.promotions} promotions, ${stats.passivations} passivations; realizer's hotBound != from-scratch bound at ${boundMismatches} steps`;
    return { figures: { maxLive, maxBound, maxChildren, maxChildrenNow, violations, entities: world.entityCount, steps: LIVE_STEPS }, note };
  } finally {
    await system.terminate();
  }
}

// ------------------------------------------------------------------ scenario

export async function runRealizer(): Promise<ScenarioResult[]> {
  const estate = generateEstate({ entities: SMALL, seed: SEED, agents: LIVE_AGENTS });
  const world = estate.graph;
  const agents = promotionAgents(world, estate.segments);
  const targets = promotionTargets(world, agents);
  log(`  10k estate: ${targets.length} targets (hosts, services) in ${agents.length} agents' hot balls`);

  const promotion = await scenario(
    {
      id: 'realizer',
      title: 'realizer: promotion latency (act on a passivated hot entity) vs the same act on a live one',
      description: `10k estate, ${agents.length} agents, hot ${HOT} / warm ${WARM}, idleMs ${IDLE_MS}; ${targets.length} targets x ${CYCLES} cycles (cold pass, then live pass) per round; nact ${fmt.size(NACT_SAMPLES)} samples per round; median of ${ROUNDS} rounds after 1 warm-up`,
      metrics: latencyMetrics,
    },
    async (rows) => {
      const mesh = await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: 60_000, gcEachRound: false }, (warmup) => meshPromotionRound(world, agents, targets, warmup));
      const discarded = mesh.all.reduce((sum, f) => sum + (f.discarded ?? 0), 0);
      pushRow(rows, 'actormesh', targets.length, side(mesh, 'cold'), `act on a passivated hot entity: spawn from saved state + ask${discarded > 0 ? `; ${discarded} pass(es) thrown away` : ''}`);
      pushRow(rows, 'floor', targets.length, side(mesh, 'live'), 'the same act on the live actor: routing + ask, no spawn');
      const nact = await block({ label: 'nact', rounds: ROUNDS, timeoutMs: 60_000, gcEachRound: false }, nactPromotionRound);
      pushRow(rows, 'nact', NACT_SAMPLES, side(nact, 'spawn'), 'spawn with the state + one query (stop untimed)');
      pushRow(rows, 'nact, live', NACT_SAMPLES, side(nact, 'live'), 'one query of a live actor', true);
    },
    (rows) => {
      const mesh = findRow(rows, 'actormesh')?.figures;
      const floor = findRow(rows, 'floor')?.figures;
      const nact = findRow(rows, 'nact')?.figures;
      return [
        {
          target: 'promotion latency p50/p99 (no target in the issue: reported)',
          met: null,
          detail:
            `promotion p50 ${fmt.us(mesh?.p50 ?? NaN)} us, p99 ${fmt.us(mesh?.p99 ?? NaN)} us = ${fmt.x3(ratio(rows, 'floor', 'p50'))} / ${fmt.x3(ratio(rows, 'floor', 'p99'))} the live act (${fmt.us(floor?.p50 ?? NaN)} / ${fmt.us(floor?.p99 ?? NaN)} us); ` +
            `nact spawn + query ${fmt.us(nact?.p50 ?? NaN)} / ${fmt.us(nact?.p99 ?? NaN)} us (actormesh ${fmt.x3(ratio(rows, 'nact', 'p50'))} / ${fmt.x3(ratio(rows, 'nact', 'p99'))})`,
        },
      ];
    },
  );

  const passivation = await scenario(
    {
      id: 'realizer-passivation',
      title: 'realizer: passivation latency (world-passivated -> actor-stopped) and step latency of promoting moves',
      description: `10k estate, hot ${HOT} / warm ${WARM}; moves: ${LIVE_AGENTS} agents, ${fmt.size(MOVES)} moves, seed ${SEED}; idle: table (a)'s setup, 3 sweeps (after the join, then after each of 2 passes over the ${targets.length} targets); median of ${ROUNDS} rounds after 1 warm-up`,
      metrics: passivationMetrics,
    },
    async (rows) => {
      const moveAgents = estate.agents;
      const observed = await block({ label: 'passivation (out-of-reach)', rounds: ROUNDS, timeoutMs: 60_000, gcEachRound: false }, async () => {
        const { clock } = await moveRound(world, moveAgents, true);
        const samples = clock.samples.get('out-of-reach') ?? [];
        return { ...percentiles(samples), samples: samples.length, unmatched: clock.unmatched };
      });
      pushRow(rows, 'passivation, out-of-reach', MOVES, observed, 'moves of the walk; events$ observed');
      const idle = await block({ label: 'passivation (idle sweep)', rounds: ROUNDS, timeoutMs: 60_000, gcEachRound: false }, async () => {
        const clock = await idleRound(world, agents, targets);
        const samples = clock.samples.get('idle') ?? [];
        return { ...percentiles(samples), samples: samples.length, unmatched: clock.unmatched };
      });
      pushRow(rows, 'passivation, idle sweep', targets.length, idle, `one sweep stops about ${targets.length} actors: the last waits for the others`);
      const steps = await block({ label: 'step (move)', rounds: ROUNDS, timeoutMs: 60_000, gcEachRound: false }, async () => {
        const { steps: samples, transitions } = await moveRound(world, moveAgents, false);
        return { ...percentiles(samples), samples: samples.length, perStep: transitions / samples.length };
      });
      pushRow(rows, 'step: move (promotes + passivates)', MOVES, steps, 'realizer step ask, moves with >= 1 promotion and >= 1 passivation; events$ not observed');
    },
    (rows) => {
      const out = findRow(rows, 'passivation, out-of-reach')?.figures;
      const idle = findRow(rows, 'passivation, idle sweep')?.figures;
      const step = findRow(rows, 'step: move (promotes + passivates)')?.figures;
      const unmatched = (out?.unmatched ?? 0) + (idle?.unmatched ?? 0);
      return [
        {
          target: 'passivation latency p50/p99 (no target in the issue: reported)',
          met: null,
          detail:
            `out-of-reach ${fmt.us(out?.p50 ?? NaN)} / ${fmt.us(out?.p99 ?? NaN)} us; idle sweep ${fmt.us(idle?.p50 ?? NaN)} / ${fmt.us(idle?.p99 ?? NaN)} us; ` +
            `promoting move ${fmt.us(step?.p50 ?? NaN)} / ${fmt.us(step?.p99 ?? NaN)} us with ${(step?.perStep ?? NaN).toFixed(1)} transitions per move` +
            (unmatched > 0 ? `; ${unmatched} passivation(s) without an actor-stopped (median per round)` : ''),
        },
      ];
    },
  );

  const liveSet = await scenario(
    {
      id: 'realizer-live',
      title: 'realizer: live entity actors vs the reachable (hot) set, every step',
      description: `examples/lazy-world/realized.ts on a ${fmt.size(LARGE)}-entity estate, ${LIVE_AGENTS} agents, hot ${HOT} / warm ${WARM}, ${LIVE_STEPS} steps, seed ${SEED}; bound = union of from-scratch hot balls; one run`,
      metrics: liveMetrics,
    },
    async (rows) => {
      const { figures, note } = await liveSetRun();
      rows.push({ impl: 'actormesh', size: LARGE, rounds: 1, figures, note });
      log(`  live set: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ')} (${note})`);
    },
    (rows) => {
      const f = findRow(rows, 'actormesh')?.figures;
      return [
        {
          target: 'live entity actors <= the reachable (hot) set at every step',
          met: f === undefined ? null : f.violations === 0,
          detail: `${fmt.int(f?.violations ?? NaN)} violations in ${fmt.int(f?.steps ?? NaN)} steps (stats.hot and settled children vs the union of from-scratch hot balls); max live ${fmt.int(f?.maxLive ?? NaN)}, max bound ${fmt.int(f?.maxBound ?? NaN)}, of ${fmt.int(f?.entities ?? NaN)} entities`,
        },
      ];
    },
  );
  return [promotion, passivation, liveSet];
}

export default runRealizer;
await runIfMain(import.meta.url, runRealizer);
