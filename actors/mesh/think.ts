import type { ActorContext, ActorRef, ActorSystem } from '../../src/index.js';
import { validateRequest } from '../../src/admission/planner.js';
import type { AdmissionJob, LaneId } from '../../src/admission/types.js';
import type { ImpedanceClass } from '../impedance/index.js';
import type { TreeConfig } from '../../supervisors/config/index.js';
import { spawnAdmissionController } from '../admission/controller.js';
import { laneKeyOf } from '../admission/messages.js';
import type { AdmissionMsg, AdmissionOutcome, AdmissionSettings } from '../admission/messages.js';
import { agentSimFor } from './agent-sims.js';
import { expectedReplyMs, hashOf, meshSettings } from './wave.js';

/**
 * Agents' simulated model calls through admission lanes (issue 9: thirty thousand agents
 * calling one provider at once is a rate-limit storm).
 *
 *   { type: 'think', prompt, replyTo }  an agent makes one simulated model call and answers
 *                                       { type: 'thought', ... } when it is done
 *
 * The call's lane comes from the agent's impedance class: D_GPU -> local-generation,
 * B_SERVERLESS and C_PERSISTENT -> cloud-generation with a provider chosen from the agent's
 * path hash among openai / anthropic / google, the others -> tool. Its duration is the
 * agent's SimulatedAgent delay (as a wave's reply delay: capped at maxReplyMs).
 *
 * Lanes are per system (one mesh per system): `configureAdmission(system, settings)` spawns
 * the admission controller once, as /system/admission, with the lane budgets. A tree file
 * gives them as the root node's props, `props: { admission: { lanes, providerLanes } }`
 * (examples/mesh-30k.yaml), read with `admissionSettingsOf(config)`:
 *
 *   const config = loadTreeFile('examples/mesh-30k.yaml');
 *   const admission = admissionSettingsOf(config);
 *   if (admission !== undefined) configureAdmission(system, admission);
 *   spawnTree(system, config);
 *
 * Without lanes configured an agent calls at once (no admission): the storm, for comparison.
 * Either way `thinkStats(system)` counts calls in flight and their peak per lane.
 */

export interface Think {
  readonly type: 'think';
  readonly prompt: string;
  readonly replyTo: ActorRef<Thought>;
}

export interface Thought {
  readonly type: 'thought';
  /** Path of the thinking agent. */
  readonly from: string;
  readonly prompt: string;
  readonly cls: ImpedanceClass;
  readonly lane: LaneId;
  /** The call's simulated duration, wall-clock ms. */
  readonly callMs: number;
  /** Whether the call went through admission lanes. */
  readonly admitted: boolean;
  /** Wall-clock ms the call waited for its lane (0 without lanes). */
  readonly waitedMs: number;
  /** Set when the call was refused (no budget for its lane) or failed: nothing was thought. */
  readonly error?: string;
}

/** The providers an agent's cloud calls go to (by its path hash). */
export const THINK_PROVIDERS = ['openai', 'anthropic', 'google'] as const;

/** Calls in flight and their peak, by lane key (`tool`, `cloud-generation:openai` ...). */
export interface ThinkStats {
  readonly running: Record<string, number>;
  readonly peak: Record<string, number>;
  /** Calls made (started) so far. */
  calls: number;
}

const controllers = new WeakMap<ActorSystem, ActorRef<AdmissionMsg>>();
const stats = new WeakMap<ActorSystem, ThinkStats>();

/**
 * Gives `system`'s mesh admission lanes: spawns its admission controller (/system/admission)
 * with `settings`. Once per system: a second call throws (the controller holds the queue).
 * Throws AdmissionRequestError (from the planner's checks) on bad lane budgets.
 */
export function configureAdmission(system: ActorSystem, settings: AdmissionSettings): ActorRef<AdmissionMsg> {
  if (controllers.has(system)) throw new Error(`configureAdmission: system '${system.name}' already has admission lanes (${controllers.get(system)!.path})`);
  if (settings === null || typeof settings !== 'object') throw new TypeError(`configureAdmission: settings must be { lanes, providerLanes? } (got ${String(settings)})`);
  validateRequest({ nowMs: 0, jobs: [], lanes: settings.lanes, ...(settings.providerLanes !== undefined ? { providerLanes: settings.providerLanes } : {}) });
  const ref = spawnAdmissionController(system, settings);
  controllers.set(system, ref);
  return ref;
}

/** The admission controller of `system`'s mesh, if configureAdmission gave it one. */
export function admissionOf(system: ActorSystem): ActorRef<AdmissionMsg> | undefined {
  return controllers.get(system);
}

/**
 * The admission lanes a tree configuration gives: its root node's `props.admission`, or
 * undefined when it gives none. Throws TypeError when `props.admission` is not an object.
 */
export function admissionSettingsOf(config: TreeConfig): AdmissionSettings | undefined {
  const props = config.root.props as { admission?: unknown } | undefined;
  if (props === null || typeof props !== 'object' || props.admission === undefined) return undefined;
  const admission = props.admission as AdmissionSettings;
  if (admission === null || typeof admission !== 'object' || admission.lanes === null || typeof admission.lanes !== 'object') {
    throw new TypeError(`tree root '${config.root.name}': props.admission must be { lanes, providerLanes? } (got ${JSON.stringify(admission)})`);
  }
  return admission;
}

/** The think statistics of `system` (made on first use). */
export function thinkStats(system: ActorSystem): ThinkStats {
  let s = stats.get(system);
  if (s === undefined) stats.set(system, (s = { running: {}, peak: {}, calls: 0 }));
  return s;
}

/** The lane of a model call of the agent at `path` with class `cls`. */
export function thinkLaneOf(path: string, cls: ImpedanceClass, seed: number): LaneId {
  switch (cls) {
    case 'D_GPU':
      return { resourceClass: 'local-generation' };
    case 'B_SERVERLESS':
    case 'C_PERSISTENT':
      // A hash apart from the class hash (another seed), so providers spread within a class.
      return { resourceClass: 'cloud-generation', provider: THINK_PROVIDERS[hashOf(path, seed ^ 0x7a11) % THINK_PROVIDERS.length]! };
    default:
      return { resourceClass: 'tool' };
  }
}

let thinkSeq = 0;

/** An agent's `think`: one simulated model call, through the lanes when the system has them. */
export function agentThink(message: Think, ctx: ActorContext<unknown>): void {
  const system = ctx.system;
  const sim = agentSimFor(ctx);
  const settings = meshSettings(system);
  const callMs = Math.min(settings.maxReplyMs, sim.model.delay());
  const lane = thinkLaneOf(ctx.path, sim.cls, settings.seed);
  const key = laneKeyOf(lane);
  const counters = thinkStats(system);
  const from = ctx.path;
  const { prompt, replyTo } = message;
  const call = (): Promise<void> => {
    counters.calls++;
    const now = (counters.running[key] = (counters.running[key] ?? 0) + 1);
    if (now > (counters.peak[key] ?? 0)) counters.peak[key] = now;
    return new Promise<void>((resolve) => setTimeout(resolve, callMs)).then(() => {
      counters.running[key]!--;
    });
  };
  const controller = controllers.get(system);
  if (controller === undefined) {
    void call().then(() => replyTo.tell({ type: 'thought', from, prompt, cls: sim.cls, lane, callMs, admitted: false, waitedMs: 0 }));
    return;
  }
  const createdAtMs = Date.now();
  const id = `${from}#${++thinkSeq}`;
  const job: AdmissionJob = {
    id,
    resourceClass: lane.resourceClass,
    ...(lane.provider !== undefined ? { provider: lane.provider } : {}),
    priority: 0,
    createdAtMs,
    artifactKey: id,
    estimatedDurationMs: expectedReplyMs(sim.cls, settings),
  };
  const settled = (outcome: AdmissionOutcome): void => {
    const base = { type: 'thought', from, prompt, cls: sim.cls, lane, callMs, admitted: true, waitedMs: outcome.waitedMs ?? 0 } as const;
    replyTo.tell(outcome.outcome === 'completed' ? base : { ...base, error: outcome.error ?? outcome.outcome });
  };
  controller.tell({ type: 'submit', job, run: call, settled });
}
