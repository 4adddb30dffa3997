import type { ActorRef } from '../actor-ref.js';
import type { ActorSystem } from '../system.js';
import { entityActor } from './entity-actor.js';
import type { EntityActReply, EntityMessage, EntitySlot } from './entity-actor.js';
import { kindBehaviour } from './entity-kind.js';
import type { EntityKinds } from './entity-kind.js';
import { Reachability } from './reachability.js';
import { checkMove, checkSight, refuse, stepOp } from './steps.js';
import type { AgentEndState, Observation, Step, WorldEndState } from './steps.js';
import type { WorldTopology } from './topology.js';
import type { AgentSpec, JsonValue } from './types.js';

/**
 * The fully realized world: the verifier's reference (ADR 0007). Every entity is a live actor
 * from the start and stays one; nothing is ever answered from the graph. Sight is computed
 * from scratch for every read and act (a new bounded search from the agent's position), so the
 * realizer's incremental balls are checked as well as its tiers.
 *
 * It runs on a copy of the world's states (the world itself is not written), under one parent
 * actor whose children are the entities. Meant for worlds small enough to keep every entity
 * alive: that is the point of the comparison.
 */
export class FullWorld {
  private readonly actors = new Map<string, { ref: ActorRef<EntityMessage>; slot: EntitySlot }>();
  private readonly agents = new Map<string, { position: string; holdings: Set<string> }>();
  private readonly parent: ActorRef<never>;

  /**
   * Spawns one actor per entity under `/user/<name>`.
   * @param warmRadius the agents' sight, as the realizer's `warmRadius`.
   */
  constructor(
    private readonly system: ActorSystem,
    private readonly world: WorldTopology,
    private readonly kinds: EntityKinds,
    private readonly warmRadius: number,
    name = 'full-world',
  ) {
    const actors = this.actors;
    this.parent = system.spawn<never>(
      (ctx) => {
        let i = 0;
        for (const entity of world.entityIds()) {
          const slot: EntitySlot = { state: world.stateOf(entity) };
          const kind = world.kindOf(entity);
          actors.set(entity, { ref: ctx.spawn(entityActor, { name: `e${i++}`, props: { entity, kind, kinds, slot } }), slot });
        }
        return () => undefined;
      },
      { name },
    );
  }

  /** Live entity actors (all of them). */
  get liveCount(): number {
    return this.actors.size;
  }

  /** An agent enters the world. */
  join(agent: AgentSpec): Observation {
    if (this.agents.has(agent.id)) return refuse('join', 'agent-exists', `agent '${agent.id}' has already joined`);
    if (!this.world.hasEntity(agent.position)) return refuse('join', 'unknown-entity', `agent '${agent.id}': no entity '${agent.position}' to stand on`);
    this.agents.set(agent.id, { position: agent.position, holdings: new Set([...(agent.credentials ?? []), ...(agent.capabilities ?? [])]) });
    return { ok: true, op: 'join', agent: agent.id, position: agent.position };
  }

  /** An agent leaves. */
  leave(id: string): Observation {
    if (!this.agents.delete(id)) return refuse('leave', 'unknown-agent', `no agent '${id}'`);
    return { ok: true, op: 'leave', agent: id };
  }

  /** One agent action. */
  async step(agentId: string, step: Step): Promise<Observation> {
    const agent = this.agents.get(agentId);
    const op = stepOp(step);
    if (agent === undefined) return refuse(op, 'unknown-agent', `no agent '${agentId}'`);
    const inSight = (entity: string): boolean => new Reachability(this.world, { position: agent.position, credentials: [...agent.holdings], capabilities: [] }, this.warmRadius).has(entity);
    switch (step?.op) {
      case 'move': {
        const refusal = checkMove(this.world, agent.holdings, agent.position, step.to);
        if (refusal !== undefined) return refusal;
        agent.position = step.to;
        return { ok: true, op: 'move', position: step.to };
      }
      case 'gain': {
        if (typeof step.name !== 'string' || step.name === '') return refuse('gain', 'bad-step', `gain needs a non-empty name (got ${JSON.stringify(step.name)})`);
        const gained = !agent.holdings.has(step.name);
        agent.holdings.add(step.name);
        return { ok: true, op: 'gain', name: step.name, gained };
      }
      case 'read': {
        const refusal = checkSight(this.world, 'read', step.entity, inSight, this.warmRadius);
        if (refusal !== undefined) return refusal;
        const view = await this.actors.get(step.entity)!.ref.ask<JsonValue>((replyTo) => ({ type: 'read', replyTo }));
        return { ok: true, op: 'read', entity: step.entity, kind: this.world.kindOf(step.entity), view };
      }
      case 'act': {
        const refusal = checkSight(this.world, 'act', step.entity, inSight, this.warmRadius);
        if (refusal !== undefined) return refusal;
        const kind = this.world.kindOf(step.entity);
        if (kindBehaviour(this.kinds, kind) === undefined) return refuse('act', 'no-behaviour', `entities of kind '${kind}' take no actions`);
        const holdings = new Set(agent.holdings);
        const reply = await this.actors.get(step.entity)!.ref.ask<EntityActReply>((replyTo) => ({ type: 'act', action: step.action, agent: { id: agentId, holdings }, replyTo }));
        if (!reply.ok) return refuse('act', 'entity-failed', reply.message);
        const granted: string[] = [];
        for (const name of reply.outcome.grants ?? []) {
          if (agent.holdings.has(name)) continue;
          agent.holdings.add(name);
          granted.push(name);
        }
        return { ok: true, op: 'act', entity: step.entity, reply: reply.outcome.reply, granted };
      }
      default:
        return refuse(op, 'bad-step', `unknown step op '${op}' (expected move, gain, read or act)`);
    }
  }

  /** Every agent's and every entity's state now. */
  endState(): WorldEndState {
    const agents: Record<string, AgentEndState> = {};
    for (const [id, agent] of this.agents) agents[id] = { position: agent.position, holdings: [...agent.holdings].sort() };
    const entities: Record<string, JsonValue> = {};
    for (const [id, { slot }] of this.actors) if (slot.state !== undefined) entities[id] = slot.state;
    return { agents, entities };
  }

  /** Stops every entity actor. */
  stop(): void {
    this.system.stop(this.parent);
  }
}
