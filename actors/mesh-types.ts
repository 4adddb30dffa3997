import type { ActorContext, ActorRef, ActorSystem, FunctionBehavior } from '../src/index.js';
import { registerTreeType } from '../supervisors/config/index.js';
import { WaveGatherer, agentWave, createAgentSim, meshSettings } from './mesh/wave.js';
import { agentClassOf } from './mesh/wave.js';
import type { AgentSim, Wave, WaveReport, WaveTimeout } from './mesh/wave.js';
import type { ImpedanceClass } from './impedance/index.js';

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
 *   { type: 'question', question, replyTo } with { type: 'answer', ... } (agents; the console's ask)
 *   { type: 'task', task, replyTo }     with { type: 'task-done', ... } (agents; the console's delegate)
 * and coordinators also { type: 'status', replyTo } with their live children count,
 *   { type: 'freeze' | 'thaw', replyTo? } (publishing `mesh-frozen` / `mesh-thawed` on events$):
 *       a frozen coordinator refuses new work: a wave is answered at once with no ACKs and
 *       its path in `frozen`, a `deliver` with a Refused (the flag is lost on a restart),
 *   { type: 'deliver', target, message } forwarded down towards `target` (refused when frozen).
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

/** A question for an agent (the console's `ask`): answered with one Answer. */
export interface Question {
  readonly type: 'question';
  readonly question: string;
  readonly replyTo: ActorRef<Answer | Refused>;
}

export interface Answer {
  readonly type: 'answer';
  /** Path of the answering agent. */
  readonly from: string;
  readonly question: string;
  readonly cls: ImpedanceClass;
  readonly answer: string;
}

/** A piece of work for an agent (the console's `delegate`): answered with one TaskDone. */
export interface Task {
  readonly type: 'task';
  readonly task: unknown;
  readonly replyTo: ActorRef<TaskDone | Refused>;
}

export interface TaskDone {
  readonly type: 'task-done';
  readonly from: string;
  readonly task: unknown;
  readonly cls: ImpedanceClass;
}

/** Work a coordinator forwards down to the actor at `target` (an absolute path below it). */
export interface Deliver {
  readonly type: 'deliver';
  readonly target: string;
  readonly message: Question | Task | Wave;
}

/** A coordinator's refusal of delivered work: it is frozen, or there is no such actor below it. */
export interface Refused {
  readonly type: 'refused';
  /** Path of the refusing coordinator. */
  readonly by: string;
  readonly target: string;
  readonly reason: 'frozen' | 'no-such-actor';
}

/** Freezes (`freeze`) or thaws (`thaw`) a coordinator; answered with its new state. */
export interface FreezeSwitch {
  readonly type: 'freeze' | 'thaw';
  readonly replyTo?: ActorRef<FreezeState>;
}

export interface FreezeState {
  readonly type: 'freeze-state';
  readonly path: string;
  readonly frozen: boolean;
}

export type AgentMsg = { readonly type: 'ping'; readonly replyTo: ActorRef<Pong> } | { readonly type: 'fail'; readonly reason?: string } | { readonly type: 'stop' } | Wave | Question | Task;

export type CoordinatorMsg = AgentMsg | { readonly type: 'status'; readonly replyTo: ActorRef<CoordinatorStatus> } | WaveReport | WaveTimeout | Deliver | FreezeSwitch;

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
    case 'question':
      message.replyTo.tell({ type: 'answer', from: ctx.path, question: message.question, cls: agentClassOf(ctx.path, meshSettings(ctx.system).seed), answer: `${ctx.path} heard: ${message.question}` });
      break;
    case 'task':
      message.replyTo.tell({ type: 'task-done', from: ctx.path, task: message.task, cls: agentClassOf(ctx.path, meshSettings(ctx.system).seed) });
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

/** A coordinator's handling of `deliver`: refuse when frozen, else pass it one level down. */
function deliver(message: Deliver, ctx: ActorContext<unknown>, frozen: boolean): void {
  const refuse = (reason: Refused['reason']) => (message.message.replyTo as ActorRef<Refused>).tell({ type: 'refused', by: ctx.path, target: message.target, reason });
  if (frozen) return refuse('frozen');
  const child = ctx.children.find((c) => message.target === c.path || message.target.startsWith(c.path + '/'));
  if (child === undefined) return refuse('no-such-actor');
  child.tell(child.path === message.target ? message.message : message);
}

/** A coordinator of the given role (orchestrator, sector coordinator, cluster lead). */
export function coordinator(role: string): FunctionBehavior<CoordinatorMsg, unknown> {
  const behavior: FunctionBehavior<CoordinatorMsg, unknown> = (ctx) => {
    const gatherer = new WaveGatherer(role);
    const c = ctx as ActorContext<unknown>;
    let frozen = false;
    return (message) => {
      switch (message.type) {
        case 'freeze':
        case 'thaw':
          frozen = message.type === 'freeze';
          ctx.system.publish({ type: frozen ? 'mesh-frozen' : 'mesh-thawed', timestamp: Date.now(), path: ctx.path, role });
          message.replyTo?.tell({ type: 'freeze-state', path: ctx.path, frozen });
          return;
        case 'deliver':
          deliver(message, c, frozen);
          return;
        case 'status':
          message.replyTo.tell({ type: 'status', path: ctx.path, role, children: ctx.children.length, restarts: ctx.restartCount });
          return;
        case 'wave':
          if (frozen) message.replyTo.tell({ type: 'wave-report', waveId: message.waveId, from: ctx.path, counts: { ready: 0, transit: 0, conflict: 0 }, missing: 0, latencies: {}, frozen: [ctx.path] });
          else gatherer.start(message, c);
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
