import type { ActorContext, ActorRef, ActorSystem, FunctionBehavior } from '../src/index.js';
import { registerTreeType } from '../supervisors/config/index.js';

/**
 * The MESH-30K actor types, minimal: enough for `examples/mesh-30k.yaml` to name them and
 * for tests to poke them. The real MESH protocol (heartbeats, impedance, scatter-gather,
 * quorum ...) is a later issue.
 *
 *   orchestrator, sector-coordinator, cluster-lead   coordinators (the tree builder spawns
 *                                                    their configured children)
 *   agent                                            a leaf
 *
 * Every one of them answers:
 *   { type: 'ping', replyTo }   with { type: 'pong', from: <its path> }
 *   { type: 'fail', reason? }   by throwing (a failure for its supervisor to handle)
 *   { type: 'stop' }            by stopping itself (a normal exit)
 * and coordinators also { type: 'status', replyTo } with their live children count.
 */

export interface Pong {
  readonly type: 'pong';
  readonly from: string;
}

export interface CoordinatorStatus {
  readonly type: 'status';
  readonly path: string;
  readonly role: string;
  readonly children: number;
  readonly restarts: number;
}

export type AgentMsg = { readonly type: 'ping'; readonly replyTo: ActorRef<Pong> } | { readonly type: 'fail'; readonly reason?: string } | { readonly type: 'stop' };

export type CoordinatorMsg = AgentMsg | { readonly type: 'status'; readonly replyTo: ActorRef<CoordinatorStatus> };

/** Raised by `{ type: 'fail' }`: a deliberate failure. */
export class AgentFailure extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`'${path}' failed on request: ${reason}`);
    this.name = 'AgentFailure';
  }
}

/** One handler shared by every agent: an idle agent costs no closure of its own. */
function agentReceive(message: AgentMsg, ctx: ActorContext<AgentMsg>): void {
  switch (message.type) {
    case 'ping':
      message.replyTo.tell({ type: 'pong', from: ctx.path });
      break;
    case 'fail':
      throw new AgentFailure(ctx.path, message.reason ?? 'told to fail');
    case 'stop':
      ctx.stop();
      break;
  }
}

/** The agent: a leaf that answers pings and fails or stops when told. */
export const agent: FunctionBehavior<AgentMsg, unknown> = function agent() {
  return agentReceive;
};

/** A coordinator of the given role (orchestrator, sector coordinator, cluster lead). */
export function coordinator(role: string): FunctionBehavior<CoordinatorMsg, unknown> {
  const behavior: FunctionBehavior<CoordinatorMsg, unknown> = (ctx) => (message) => {
    if (message.type === 'status') {
      message.replyTo.tell({ type: 'status', path: ctx.path, role, children: ctx.children.length, restarts: ctx.restartCount });
      return;
    }
    agentReceive(message, ctx as ActorContext<AgentMsg>);
  };
  Object.defineProperty(behavior, 'name', { value: role });
  return behavior;
}

/** The type names `registerMeshTypes` registers. */
export const MESH_TYPES = ['orchestrator', 'sector-coordinator', 'cluster-lead', 'agent'] as const;

/** Registers the four MESH-30K types with `system` (and with the tree builder). */
export function registerMeshTypes(system: ActorSystem): void {
  registerTreeType(system, 'orchestrator', coordinator('orchestrator'));
  registerTreeType(system, 'sector-coordinator', coordinator('sector-coordinator'));
  registerTreeType(system, 'cluster-lead', coordinator('cluster-lead'));
  registerTreeType(system, 'agent', agent);
}
