import type { ActorContext, ActorRef, ActorSystem, FunctionBehavior, Receive } from '../src/index.js';
import { registerTreeType } from '../supervisors/config/index.js';
import { WaveGatherer, agentWave, meshSettings } from './mesh/wave.js';
import { agentClassOf } from './mesh/wave.js';
import type { AgentSim, Wave, WaveReport, WaveTimeout } from './mesh/wave.js';
import type { ImpedanceClass } from './impedance/index.js';
import { agentSimFor, setAgentCapabilities } from './mesh/agent-sims.js';
import { checkAgentProps } from './mesh/capabilities.js';
import { ClusterHeartbeats, GlobalHeartbeats, SectorHeartbeats, agentHeartbeat } from './mesh/heartbeat.js';
import type { GlobalImpedance, Heartbeat, HeartbeatMsg } from './mesh/heartbeat.js';
import { conflictDeskOf, escalationCounterOf } from './mesh/conflict-desk.js';
import type { ConflictDesk, ConflictMsg } from './mesh/conflict-desk.js';
import { routeTask } from './mesh/capability-routing.js';
import { GatherRunner, frozenGather } from './mesh/gather.js';
import type { GatherMsg } from './mesh/gather.js';
import type { RouteRequest } from './mesh/capability-routing.js';
import { agentThink } from './mesh/think.js';
import { wasmAgent } from './wasm-agent.js';
import type { Think } from './mesh/think.js';

export { MESH_DEFAULTS, configureMesh, meshSettings, agentClassOf, expectedReplyMs, hashOf } from './mesh/wave.js';
export type { MeshSettings, Wave, WaveReport, WaveTimeout } from './mesh/wave.js';
export { agentSimOf } from './mesh/agent-sims.js';
export { DEFAULT_CAPABILITIES, AgentPropsError, checkAgentProps } from './mesh/capabilities.js';
export type { AgentProps } from './mesh/capabilities.js';
export { HEARTBEAT_DEFAULTS, configureHeartbeats, heartbeatSettings } from './mesh/heartbeat.js';
export type { HeartbeatSettings, Heartbeat, AgentHeartbeat, ClusterHeartbeat, SectorHeartbeat, HeartbeatNow, ImpedancesQuery, AgentImpedances, ImpedanceMapQuery, ImpedanceView, ClusterImpedance, SectorImpedance, GlobalImpedance } from './mesh/heartbeat.js';
export { CONFLICT_QUARANTINE_REASON, configureConflicts, meshQuarantine, conflictDetailOf } from './mesh/conflict-desk.js';
export type { ConflictEscalated, ConflictsQuery, ConflictSummary } from './mesh/conflict-desk.js';
export type { RouteRequest, NoCapableAgent } from './mesh/capability-routing.js';

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
 *   { type: 'think', prompt, replyTo }  with { type: 'thought', ... } (agents: a simulated model call
 *       through the admission lanes when the system has them; mesh/think.ts)
 * and coordinators also { type: 'status', replyTo } with their live children count,
 *   { type: 'freeze' | 'thaw', replyTo? } (publishing `mesh-frozen` / `mesh-thawed` on events$):
 *       a frozen coordinator refuses new work: a wave is answered at once with no ACKs and
 *       its path in `frozen`, a `deliver` with a Refused (the flag is lost on a restart),
 *   { type: 'deliver', target, message } forwarded down towards `target` (refused when frozen).
 *
 * Heartbeats, capabilities and routing, conflicts (actors/mesh/heartbeat.ts,
 * capabilities.ts, capability-routing.ts, conflict-desk.ts):
 *   agents        { type: 'heartbeat', beat, at, replyTo } with their AgentImpedance;
 *                 capabilities from the node's `props: { capabilities: [...] }`, else by class
 *   cluster leads beat their agents every intervalMs (configureHeartbeats) and report a
 *                 ClusterAggregate up; answer { type: 'impedances', replyTo }; log the
 *                 CONFLICT acks of their agents, escalate them, hold their tasks
 *   sectors       aggregate their clusters' beats and report up
 *   orchestrator  keeps the global map; answers { type: 'impedance-map', replyTo },
 *                 { type: 'heartbeat-now', replyTo? }, { type: 'route', capability, task,
 *                 replyTo } and { type: 'conflicts', replyTo }
 * (`impedance-map`, `heartbeat-now` and `conflicts` are answered by every coordinator for
 * what is at and below it.)
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

export type AgentMsg = { readonly type: 'ping'; readonly replyTo: ActorRef<Pong> } | { readonly type: 'fail'; readonly reason?: string } | { readonly type: 'stop' } | Wave | Question | Task | Heartbeat | Think;

export type CoordinatorMsg = AgentMsg | { readonly type: 'status'; readonly replyTo: ActorRef<CoordinatorStatus> } | WaveReport | WaveTimeout | Deliver | FreezeSwitch | HeartbeatMsg | ConflictMsg | RouteRequest | GatherMsg;

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

/**
 * One handler shared by every idle agent: an idle agent costs no closure of its own. Its
 * first wave makes its simulation and switches it (become) to `simulatedReceive`, which
 * holds the simulation: a wave then costs no lookup of it (30,000 per wave).
 */
function agentReceive(message: AgentMsg, ctx: ActorContext<AgentMsg>): void | Receive<AgentMsg> {
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
      const sim = agentSimFor(ctx as ActorContext<unknown>);
      agentWave(message, ctx as unknown as ActorContext<never>, sim, meshSettings(ctx.system));
      return simulatedReceive(sim);
    }
    case 'heartbeat':
      agentHeartbeat(message, ctx as ActorContext<unknown>);
      break;
    case 'think':
      // A simulated model call through the admission lanes, if any (mesh/think.ts).
      agentThink(message, ctx as ActorContext<unknown>);
      break;
  }
}

/** An agent's handler once it has its simulation: waves use it directly, the rest as before. */
function simulatedReceive(sim: AgentSim): Receive<AgentMsg> {
  return (message, ctx) => {
    if (message.type === 'wave') agentWave(message, ctx as unknown as ActorContext<never>, sim, meshSettings(ctx.system));
    else agentReceive(message, ctx);
  };
}

/**
 * The agent: a leaf that answers pings and fails or stops when told. Its props may give
 * its capabilities (`{ capabilities: [...] }`); anything else fails its start with an
 * AgentPropsError naming the agent, the key and the value.
 */
export const agent: FunctionBehavior<AgentMsg, unknown> = function agent(ctx, props) {
  const capabilities = checkAgentProps(props, ctx.path);
  if (capabilities !== undefined) setAgentCapabilities(ctx.self, capabilities);
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
    const isFrozen = (): boolean => frozen;
    // Per role: heartbeat state, conflict handling.
    const desk: ConflictDesk | undefined = role === 'cluster-lead' ? conflictDeskOf(c) : undefined;
    const cluster = desk !== undefined ? new ClusterHeartbeats(isFrozen, (path) => desk.isQuarantined(ctx.system, path)) : undefined;
    const sector = role === 'sector-coordinator' ? new SectorHeartbeats(isFrozen) : undefined;
    const global = role === 'orchestrator' ? new GlobalHeartbeats() : undefined;
    const escalations = desk === undefined ? escalationCounterOf(c) : undefined;
    const gathers = new GatherRunner(cluster !== undefined, cluster === undefined ? undefined : (path) => cluster.impedanceOf(path));
    cluster?.start(c);
    return (message) => {
      switch (message.type) {
        case 'freeze':
        case 'thaw':
          frozen = message.type === 'freeze';
          ctx.system.publish({ type: frozen ? 'mesh-frozen' : 'mesh-thawed', timestamp: Date.now(), path: ctx.path, role });
          message.replyTo?.tell({ type: 'freeze-state', path: ctx.path, frozen });
          return;
        case 'deliver':
          // A quarantined agent's tasks wait in the conflict quarantine (frozen refuses first).
          if (desk !== undefined && !frozen && message.message.type === 'task' && desk.hold(ctx.system, message.target, message.message)) return;
          deliver(message, c, frozen);
          return;
        case 'status':
          message.replyTo.tell({ type: 'status', path: ctx.path, role, children: ctx.children.length, restarts: ctx.restartCount });
          return;
        case 'wave':
          cluster?.waveSeen();
          if (frozen) message.replyTo.tell({ type: 'wave-report', waveId: message.waveId, from: ctx.path, counts: { ready: 0, transit: 0, conflict: 0 }, missing: 0, frozen: [ctx.path] });
          else gatherer.start(message, c);
          return;
        case 'wave-report':
          // The one extra check on the wave path: only a lead's agents' CONFLICT acks go to the desk.
          if (message.counts.conflict > 0 && desk !== undefined) desk.record(message, c);
          // Scatter-gather probes have negative ids (gather.ts); waves never do.
          if (message.waveId < 0) gathers.probeAnswered(message);
          else gatherer.report(message, c);
          return;
        case 'gather':
          if (frozen) message.replyTo.tell(frozenGather(message, ctx.path));
          else gathers.start(message, c);
          return;
        case 'gather-report':
          gathers.report(message, c);
          return;
        case 'gather-send':
          gathers.sendBatch(message, c);
          return;
        case 'gather-due':
          gathers.due(message, c);
          return;
        case 'wave-timeout':
          gatherer.timeout(message, c);
          return;
        case 'heartbeat-tick':
          cluster?.tick(c);
          return;
        case 'heartbeat-window':
          cluster?.window(message, c);
          return;
        case 'agent-heartbeat':
          cluster?.answer(message, c);
          return;
        case 'cluster-heartbeat':
          sector?.cluster(message, c);
          return;
        case 'sector-heartbeat':
          global?.sector(message);
          return;
        case 'heartbeat-now':
          if (cluster !== undefined) cluster.beatNow(c, message.replyTo);
          else if (sector !== undefined) sector.now(message, c);
          else if (global !== undefined) global.now(message, c);
          else message.replyTo?.tell(noView(c));
          return;
        case 'impedances':
          if (cluster !== undefined) cluster.impedances(message, c);
          else message.replyTo.tell({ type: 'agent-impedances', from: ctx.path, frozen, agents: [] });
          return;
        case 'impedance-map':
          message.replyTo.tell(cluster?.view(c) ?? sector?.view(c) ?? global?.view(c) ?? noView(c));
          return;
        case 'heartbeat':
          return; // for agents: a coordinator has no profiler of its own
        case 'mesh-continue':
          message.run();
          return;
        case 'conflict-escalated':
          escalations?.add(message);
          return;
        case 'conflicts':
          if (desk !== undefined) message.replyTo.tell(desk.summary(ctx.system));
          else escalations!.summarize(message, c, role === 'orchestrator' ? 'orchestrator' : 'sector', meshSettings(ctx.system).gatherTimeoutMs * 2 + 100);
          return;
        case 'route':
          routeRequest(message, c, role, frozen, global);
          return;
        default:
          agentReceive(message, ctx as ActorContext<AgentMsg>);
      }
    };
  };
  Object.defineProperty(behavior, 'name', { value: role });
  return behavior;
}

/** The answer to `impedance-map` of a coordinator of some other role: it keeps no view. */
function noView(ctx: ActorContext<unknown>): GlobalImpedance {
  return { type: 'global-impedance-map', from: ctx.path, map: null };
}

/** `route`: the orchestrator routes (capability-routing.ts); other coordinators pass it up. */
function routeRequest(message: RouteRequest, ctx: ActorContext<unknown>, role: string, frozen: boolean, global: GlobalHeartbeats | undefined): void {
  if (global === undefined || role !== 'orchestrator') {
    ctx.parent.tell(message);
    return;
  }
  if (frozen) {
    message.replyTo.tell({ type: 'no-capable-agent', capability: message.capability, task: message.task, reason: 'frozen', skipped: [] });
    return;
  }
  void routeTask(message, { system: ctx.system, self: ctx.self, path: ctx.path, map: global.map(), timeoutMs: meshSettings(ctx.system).gatherTimeoutMs + 100 });
}

/** The type names `registerMeshTypes` registers. */
export const MESH_TYPES = ['orchestrator', 'sector-coordinator', 'cluster-lead', 'agent'] as const;

/** Registers the four MESH-30K types with `system` (and with the tree builder). */
export function registerMeshTypes(system: ActorSystem): void {
  registerTreeType(system, 'orchestrator', coordinator('orchestrator'));
  registerTreeType(system, 'sector-coordinator', coordinator('sector-coordinator'));
  registerTreeType(system, 'cluster-lead', coordinator('cluster-lead'));
  registerTreeType(system, 'agent', agent);
  // A mesh agent whose decisions run as a WebAssembly micro-agent (issue 8, actors/wasm-agent.ts).
  registerTreeType(system, 'wasm-agent', wasmAgent);
}
