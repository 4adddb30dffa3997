import type { ActorContext, ActorRef, ActorSystem, FunctionBehavior } from '../src/index.js';
import { registerTreeType } from '../supervisors/config/index.js';
import { WaveGatherer, agentWave, createAgentSim, meshSettings } from './mesh/wave.js';
import type { AgentSim, Wave, WaveReport, WaveTimeout } from './mesh/wave.js';

export { MESH_DEFAULTS, configureMesh, meshSettings, agentClassOf, expectedReplyMs, hashOf } from './mesh/wave.js';
export type { MeshSettings, Wave, WaveReport, WaveTimeout } from './mesh/wave.js';

/**
 * The MESH-30K actor types: enough for `examples/mesh-30k.yaml` to name them, for tests to
 * poke them, and for the wave cascade (actors/mesh/wave.ts): agents with an impedance
 * class that simulate processing and answer a wave with a trinary ACK, coordinators that
 * forward a wave to their children and gather their reports.
 *
 *   orchestrator, sector-coordinator, cluster-lead   coordinators (the tree builder spawns
 *                                                    their configured children)
 *   agent                                            a leaf
 *
 * Every one of them answers:
 *   { type: 'ping', replyTo }   with { type: 'pong', from: <its path> }
 *   { type: 'fail', reason? }   by throwing (a failure for its supervisor to handle)
 *   { type: 'stop' }            by stopping itself (a normal exit)
 *   { type: 'wave', waveId, replyTo } with one { type: 'wave-report', ... } (see wave.ts)
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

export type AgentMsg = { readonly type: 'ping'; readonly replyTo: ActorRef<Pong> } | { readonly type: 'fail'; readonly reason?: string } | { readonly type: 'stop' } | Wave;

export type CoordinatorMsg = AgentMsg | { readonly type: 'status'; readonly replyTo: ActorRef<CoordinatorStatus> } | WaveReport | WaveTimeout;

/** Each agent's simulation, made on its first wave (an idle agent costs nothing more). */
const sims = new WeakMap<object, AgentSim>();

/** The impedance simulation of the agent `ref` (after its first wave), for inspection. */
export function agentSimOf(ref: ActorRef<unknown>): AgentSim | undefined {
  return sims.get(ref);
}

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
    case 'wave': {
      const settings = meshSettings(ctx.system);
      let sim = sims.get(ctx.self);
      if (sim === undefined) sims.set(ctx.self, (sim = createAgentSim(ctx.path, settings)));
      agentWave(message, ctx as unknown as ActorContext<never>, sim, settings);
      break;
    }
  }
}

/** The agent: a leaf that answers pings and fails or stops when told. */
export const agent: FunctionBehavior<AgentMsg, unknown> = function agent() {
  return agentReceive;
};

/** A coordinator of the given role (orchestrator, sector coordinator, cluster lead). */
export function coordinator(role: string): FunctionBehavior<CoordinatorMsg, unknown> {
  const behavior: FunctionBehavior<CoordinatorMsg, unknown> = (ctx) => {
    const gatherer = new WaveGatherer(role);
    const c = ctx as ActorContext<unknown>;
    return (message) => {
      switch (message.type) {
        case 'status':
          message.replyTo.tell({ type: 'status', path: ctx.path, role, children: ctx.children.length, restarts: ctx.restartCount });
          return;
        case 'wave':
          gatherer.start(message, c);
          return;
        case 'wave-report':
          gatherer.report(message, c);
          return;
        case 'wave-timeout':
          gatherer.timeout(message, c);
          return;
        default:
          agentReceive(message, ctx as ActorContext<AgentMsg>);
      }
    };
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
