import type { ActorRef } from '../actor-ref.js';
import type { FunctionBehavior } from '../behavior.js';
import type { ActorContext } from '../context.js';
import type { ActorSystem } from '../system.js';
import { entityActor } from './entity-actor.js';
import type { EntityActReply, EntityMessage, EntitySlot } from './entity-actor.js';
import { failureMessage, kindBehaviour, readEntity } from './entity-kind.js';
import type { EntityAction, EntityKinds, EntityOutcome } from './entity-kind.js';
import { Reachability } from './reachability.js';
import type { ReachDiff } from './reachability.js';
import { checkMove, checkSight, refuse, stepOp } from './steps.js';
import type { AgentEndState, Observation, Step, WorldEndState } from './steps.js';
import type { WorldTopology } from './topology.js';
import type { AgentSpec, JsonValue } from './types.js';
import type { WorldTierEvent } from './world-events.js';

/**
 * The realizer (ADR 0007): one actor that owns the tiers of a world and answers every agent
 * action from the right one.
 *
 *   hot   entity actors (children of the realizer), for every entity within some agent's hot
 *         radius: spawned from the entity's saved state when it comes into reach, passivated
 *         (state saved to the world, actor stopped) when it leaves every hot radius or idles
 *         past idleMs;
 *   warm  entities within some agent's sight (warm radius) but no hot radius: reads and acts
 *         are answered from the world by the same pure kind function the actor would run;
 *   cold  everything else: only the world graph holds it.
 *
 * Each agent has two incremental Reachability balls (hot radius and warm radius); their
 * differences drive the transitions, so a step costs what changed near the agent, never the
 * world. Live entity actors are never more than the union of the hot balls. Messages are
 * handled one at a time (an act on a hot entity awaits the actor), so no action observes a
 * half-made transition.
 */

/** Options of a realizer. */
export interface RealizerOptions {
  /** The world (WorldGraph or CompactWorld). Entity states are read and written back here. */
  readonly world: WorldTopology;
  /** Behaviour per entity kind. */
  readonly kinds: EntityKinds;
  /** Entities within this distance of an agent are hot (live actors). >= 0. */
  readonly hotRadius: number;
  /** Entities within this distance of an agent are in its sight (readable, actable). >= hotRadius. Default hotRadius + 1. */
  readonly warmRadius?: number;
  /** A hot entity unused for this long is passivated even within reach. Default 0: never for idleness. */
  readonly idleMs?: number;
  /** Agents present from the start. */
  readonly agents?: readonly AgentSpec[];
}

/** Which tier an entity is in now. */
export type Tier = 'hot' | 'warm' | 'cold';

/** Counters and sizes of a realizer. */
export interface RealizerStats {
  readonly agents: number;
  /** Live entity actors. */
  readonly hot: number;
  /** Entities within some agent's hot radius (the live-set bound). */
  readonly hotBound: number;
  /** Entities in some agent's sight and not hot. */
  readonly warm: number;
  readonly promotions: number;
  readonly passivations: number;
  readonly warmings: number;
  readonly coolings: number;
  /** Actions answered by entity actors / from the world. */
  readonly hotActions: number;
  readonly warmActions: number;
}

/** Messages of the realizer. */
export type RealizerMessage =
  | { readonly type: 'join'; readonly agent: AgentSpec; readonly replyTo: ActorRef<Observation> }
  | { readonly type: 'leave'; readonly agent: string; readonly replyTo?: ActorRef<Observation> }
  | { readonly type: 'step'; readonly agent: string; readonly step: Step; readonly replyTo: ActorRef<Observation> }
  | { readonly type: 'tier'; readonly entity: string; readonly replyTo: ActorRef<Tier> }
  | { readonly type: 'stats'; readonly replyTo: ActorRef<RealizerStats> }
  | { readonly type: 'end-state'; readonly replyTo: ActorRef<WorldEndState> }
  | { readonly type: 'idle-sweep' };

/** An agent as the realizer keeps it. */
interface AgentRecord {
  readonly hot: Reachability;
  readonly sight: Reachability;
}

/** A live entity actor. */
interface LiveEntity {
  readonly ref: ActorRef<EntityMessage>;
  readonly slot: EntitySlot;
  lastUsed: number;
}

/** Throws RangeError naming the bad option. */
function checkOptions(options: RealizerOptions): { warmRadius: number; idleMs: number } {
  if (options === undefined || options === null || typeof options !== 'object') throw new TypeError('realizer: props must be RealizerOptions');
  const { hotRadius } = options;
  if (typeof options.world?.hasEntity !== 'function' || typeof options.world?.forEachOutEdge !== 'function') throw new TypeError('realizer: world must be a WorldTopology (a WorldGraph or a CompactWorld)');
  if (typeof options.kinds !== 'object' || options.kinds === null) throw new TypeError('realizer: kinds must be an object of entity kinds by name');
  if (typeof hotRadius !== 'number' || !(hotRadius >= 0)) throw new RangeError(`realizer: hotRadius must be a number >= 0 (got ${String(hotRadius)})`);
  const warmRadius = options.warmRadius ?? hotRadius + 1;
  if (typeof warmRadius !== 'number' || !(warmRadius >= hotRadius)) throw new RangeError(`realizer: warmRadius must be a number >= hotRadius ${hotRadius} (got ${String(warmRadius)})`);
  const idleMs = options.idleMs ?? 0;
  if (typeof idleMs !== 'number' || !(idleMs >= 0) || !Number.isFinite(idleMs)) throw new RangeError(`realizer: idleMs must be a finite number >= 0 (got ${String(idleMs)})`);
  return { warmRadius, idleMs };
}

/** A valid actor name for an entity's actor (entity ids may hold any character). */
function actorName(entity: string, generation: number): string {
  return `${entity.replace(/[^A-Za-z0-9\-_.~:@+=]/g, '_')}.${generation}`;
}

/** The realizer's behaviour. Props: RealizerOptions. */
export const realizer: FunctionBehavior<RealizerMessage, RealizerOptions> = (ctx, options) => {
  const { warmRadius, idleMs } = checkOptions(options);
  const { world, kinds, hotRadius } = options;
  const agents = new Map<string, AgentRecord>();
  /** Entity -> how many agents' hot balls hold it. */
  const hotCount = new Map<string, number>();
  /** Entity -> how many agents' sights hold it. */
  const sightCount = new Map<string, number>();
  const live = new Map<string, LiveEntity>();
  let generation = 0;
  const stats = { promotions: 0, passivations: 0, warmings: 0, coolings: 0, hotActions: 0, warmActions: 0 };

  const publish = (event: Omit<WorldTierEvent, 'timestamp' | 'path'>): void => {
    if (ctx.system.eventsObserved) ctx.system.publish({ ...event, timestamp: Date.now(), path: ctx.self.path } as WorldTierEvent);
  };

  const promote = (entity: string, reason: 'reach' | 'action'): LiveEntity => {
    const slot: EntitySlot = { state: world.stateOf(entity) };
    const kind = world.kindOf(entity);
    const ref = ctx.spawn(entityActor, { name: actorName(entity, ++generation), props: { entity, kind, kinds, slot }, tags: { entity, kind } });
    const record: LiveEntity = { ref, slot, lastUsed: Date.now() };
    live.set(entity, record);
    stats.promotions++;
    publish({ type: 'world-promoted', entity, kind, reason });
    return record;
  };

  const passivate = (entity: string, reason: 'out-of-reach' | 'idle' | 'stopping'): void => {
    const record = live.get(entity);
    if (record === undefined) return;
    // Save first: the actor has finished its last action (this actor awaited it).
    world.setState(entity, record.slot.state);
    live.delete(entity);
    ctx.stop(record.ref);
    stats.passivations++;
    publish({ type: 'world-passivated', entity, reason });
  };

  /** Applies one agent's ball differences to the counts and the tiers (sight first: hot is inside it). */
  const apply = (sight: ReachDiff, hot: ReachDiff): void => {
    for (const entity of sight.entered) {
      const n = (sightCount.get(entity) ?? 0) + 1;
      sightCount.set(entity, n);
      if (n === 1) {
        stats.warmings++;
        publish({ type: 'world-warmed', entity });
      }
    }
    for (const entity of hot.entered) {
      const n = (hotCount.get(entity) ?? 0) + 1;
      hotCount.set(entity, n);
      if (n === 1 && !live.has(entity)) promote(entity, 'reach');
    }
    for (const entity of hot.left) {
      const n = hotCount.get(entity)! - 1;
      if (n > 0) hotCount.set(entity, n);
      else {
        hotCount.delete(entity);
        passivate(entity, 'out-of-reach');
      }
    }
    for (const entity of sight.left) {
      const n = sightCount.get(entity)! - 1;
      if (n > 0) sightCount.set(entity, n);
      else {
        sightCount.delete(entity);
        stats.coolings++;
        publish({ type: 'world-cooled', entity });
      }
    }
  };

  const everything = (ball: Reachability): ReachDiff => ({ entered: [...ball.entities()], left: [] });
  const nothing = (ball: Reachability): ReachDiff => ({ entered: [], left: [...ball.entities()] });

  const join = (agent: AgentSpec): Observation => {
    const id = (agent as { id?: unknown })?.id;
    if (typeof id !== 'string' || id === '') return refuse('join', 'unknown-agent', `an agent needs a non-empty string id (got ${JSON.stringify(id)})`);
    if (agents.has(id)) return refuse('join', 'agent-exists', `agent '${id}' has already joined`);
    if (typeof agent.position !== 'string' || !world.hasEntity(agent.position)) return refuse('join', 'unknown-entity', `agent '${id}': no entity '${String(agent.position)}' to stand on`);
    const spec = { position: agent.position, credentials: agent.credentials ?? [], capabilities: agent.capabilities ?? [] };
    const record: AgentRecord = { hot: new Reachability(world, spec, hotRadius), sight: new Reachability(world, spec, warmRadius) };
    agents.set(id, record);
    apply(everything(record.sight), everything(record.hot));
    return { ok: true, op: 'join', agent: id, position: agent.position };
  };

  const leave = (id: string): Observation => {
    const record = agents.get(id);
    if (record === undefined) return refuse('leave', 'unknown-agent', `no agent '${id}'`);
    agents.delete(id);
    apply(nothing(record.sight), nothing(record.hot));
    return { ok: true, op: 'leave', agent: id };
  };

  const gain = (record: AgentRecord, name: string): boolean => {
    if (record.sight.holdings.has(name)) return false;
    apply(record.sight.gain(name), record.hot.gain(name));
    return true;
  };

  /** Runs an action from the world (warm): the same pure function the actor runs. */
  const actWarm = (entity: string, action: EntityAction, agentId: string, record: AgentRecord): EntityActReply => {
    stats.warmActions++;
    const behaviour = kindBehaviour(kinds, world.kindOf(entity))!;
    let outcome: EntityOutcome;
    try {
      outcome = behaviour.act(world.stateOf(entity), action, entity, { id: agentId, holdings: record.sight.holdings });
    } catch (error) {
      return { ok: false, message: failureMessage(error) };
    }
    world.setState(entity, outcome.state);
    return { ok: true, outcome };
  };

  const actHot = async (target: LiveEntity, action: EntityAction, agentId: string, record: AgentRecord): Promise<EntityActReply> => {
    stats.hotActions++;
    target.lastUsed = Date.now();
    // A copy of the holdings: the actor must not see later gains through a shared Set.
    const holdings = new Set(record.sight.holdings);
    return target.ref.ask<EntityActReply>((replyTo) => ({ type: 'act', action, agent: { id: agentId, holdings }, replyTo }));
  };

  const step = async (agentId: string, step: Step): Promise<Observation> => {
    const record = agents.get(agentId);
    const op = stepOp(step);
    if (record === undefined) return refuse(op, 'unknown-agent', `no agent '${agentId}'`);
    switch (step?.op) {
      case 'move': {
        const refusal = checkMove(world, record.sight.holdings, record.sight.position, step.to);
        if (refusal !== undefined) return refusal;
        apply(record.sight.moveTo(step.to), record.hot.moveTo(step.to));
        return { ok: true, op: 'move', position: step.to };
      }
      case 'gain': {
        if (typeof step.name !== 'string' || step.name === '') return refuse('gain', 'bad-step', `gain needs a non-empty name (got ${JSON.stringify(step.name)})`);
        return { ok: true, op: 'gain', name: step.name, gained: gain(record, step.name) };
      }
      case 'read': {
        const refusal = checkSight(world, 'read', step.entity, (e) => record.sight.has(e), warmRadius);
        if (refusal !== undefined) return refusal;
        const target = live.get(step.entity);
        let view: JsonValue;
        if (target !== undefined) {
          target.lastUsed = Date.now();
          view = await target.ref.ask<JsonValue>((replyTo) => ({ type: 'read', replyTo }));
        } else view = readEntity(kinds, world.kindOf(step.entity), world.stateOf(step.entity), step.entity);
        return { ok: true, op: 'read', entity: step.entity, kind: world.kindOf(step.entity), view };
      }
      case 'act': {
        const refusal = checkSight(world, 'act', step.entity, (e) => record.sight.has(e), warmRadius);
        if (refusal !== undefined) return refusal;
        const kind = world.kindOf(step.entity);
        if (kindBehaviour(kinds, kind) === undefined) return refuse('act', 'no-behaviour', `entities of kind '${kind}' take no actions`);
        let target = live.get(step.entity);
        if (target === undefined && hotCount.has(step.entity)) target = promote(step.entity, 'action');
        const reply = target !== undefined ? await actHot(target, step.action, agentId, record) : actWarm(step.entity, step.action, agentId, record);
        if (!reply.ok) return refuse('act', 'entity-failed', reply.message);
        const granted: string[] = [];
        for (const name of reply.outcome.grants ?? []) if (gain(record, name)) granted.push(name);
        return { ok: true, op: 'act', entity: step.entity, reply: reply.outcome.reply, granted };
      }
      default:
        return refuse(op, 'bad-step', `unknown step op '${op}' (expected move, gain, read or act)`);
    }
  };

  const tierOf = (entity: string): Tier => (live.has(entity) ? 'hot' : sightCount.has(entity) ? 'warm' : 'cold');

  const endState = (): WorldEndState => {
    const agentStates: Record<string, AgentEndState> = {};
    for (const [id, record] of agents) agentStates[id] = { position: record.sight.position, holdings: [...record.sight.holdings].sort() };
    const entities: Record<string, JsonValue> = {};
    for (const id of world.entityIds()) {
      const state = live.get(id)?.slot.state ?? world.stateOf(id);
      if (state !== undefined) entities[id] = state;
    }
    return { agents: agentStates, entities };
  };

  const currentStats = (): RealizerStats => ({
    agents: agents.size,
    hot: live.size,
    hotBound: hotCount.size,
    warm: [...sightCount.keys()].filter((e) => !live.has(e)).length,
    ...stats,
  });

  const sweep = (): void => {
    const before = Date.now() - idleMs;
    for (const [entity, record] of live) if (record.lastUsed <= before) passivate(entity, 'idle');
  };

  for (const agent of options.agents ?? []) {
    const observation = join(agent);
    if (!observation.ok) throw new RangeError(`realizer: agent ${JSON.stringify((agent as { id?: unknown })?.id)}: ${observation.detail}`);
  }
  if (idleMs > 0) ctx.timers.startPeriodicTimer('idle-sweep', { type: 'idle-sweep' }, Math.max(1, idleMs / 2));

  return {
    receive: async (message: RealizerMessage, _ctx: ActorContext<RealizerMessage>) => {
      switch (message.type) {
        case 'join':
          message.replyTo.tell(join(message.agent));
          return;
        case 'leave':
          message.replyTo?.tell(leave(message.agent));
          return;
        case 'step':
          message.replyTo.tell(await step(message.agent, message.step));
          return;
        case 'tier':
          message.replyTo.tell(tierOf(message.entity));
          return;
        case 'stats':
          message.replyTo.tell(currentStats());
          return;
        case 'end-state':
          message.replyTo.tell(endState());
          return;
        case 'idle-sweep':
          sweep();
          return;
      }
    },
    // Stopping (or a restart) saves every hot entity, so a realizer started again on the same world resumes it.
    postStop: () => {
      for (const entity of [...live.keys()]) passivate(entity, 'stopping');
    },
    preRestart: () => {
      for (const entity of [...live.keys()]) passivate(entity, 'stopping');
    },
  };
};

/** Spawns a realizer under /user. */
export function spawnRealizer(system: ActorSystem, options: RealizerOptions, name = 'realizer'): ActorRef<RealizerMessage> {
  checkOptions(options);
  return system.spawn(realizer, { name, props: options });
}
