import { IMPEDANCE_CLASSES } from '../impedance/index.js';
import type { ImpedanceClass } from '../impedance/index.js';
import { DEFAULT_PRIORITY_ORDER, arrivalWindow, evaluateGather, planPriorityFirst } from '../protocol/index.js';
import type { GatherRecommendation, GatherResponse, GatherResult, MeshNode, PriorityPhase, PriorityPlan, ImpedanceClass as ProtocolClass, Trinary, TrinaryCounts } from '../protocol/index.js';

/**
 * The MESH-30K priority-first cascade (part 3.3) run against live agents: critical classes
 * first, then expanding. The plan comes from the pure planner (planPriorityFirst); this file
 * runs it, phase after phase.
 *
 *   phase       the agents of one class, in DEFAULT_PRIORITY_ORDER (GPU 0.99, PERSISTENT
 *               0.98, SERVERLESS 0.95, EDGE 0.90, LOCAL 0.85) unless an order is given;
 *               every target is sent the wave at once (`send`), then the phase waits
 *   next phase  starts as soon as one of these holds (`endedBy`):
 *                 'threshold'     READY / targets >= the phase's minimum response rate
 *                 'all-answered'  every target answered, was refused or failed, short of it
 *                                 (nothing more can come: waiting would only waste time)
 *                 'timeout'       phaseTimeoutMs passed since the phase started
 *               The document continues past a phase that fell short and notes the
 *               degradation: `met` is false and the phase result says by how much.
 *   judge       evaluateGather (3.2) over the replies that arrived by the phase's end, in the
 *               window [phase start, phase end]: the response rate counts READY only (a
 *               CONFLICT is information, not failure, and not a READY), so the rate that
 *               ended a phase is exactly the rate it is judged by.
 *   stragglers  replies after their phase ended are `late`: noted, never counted, never
 *               waited for (3.2: "stragglers are noted but don't block").
 *   F_HUMAN     is not in the document's order: its agents go to `unplanned` (listed, not
 *               sent the wave), as the planner does for any class the order leaves out.
 *               An order that ends with { impedanceClass: 'CLASS_F_HUMAN',
 *               minimumResponseRate: 0 } makes them a last phase that waits for nobody.
 *
 * The document names classes 'CLASS_D_GPU', the impedance module 'D_GPU': toProtocolClass
 * and fromProtocolClass are the one place where the two meet. Phase times are
 * performance.now() differences.
 */

const showValue = (value: unknown): string => (typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value)));

/** What one target's `send` resolves with: its trinary ACK, or the coordinator that refused it. */
export type PhaseReply = { readonly state: Trinary } | { readonly refusedBy: string };

export type PhaseEnd = 'threshold' | 'all-answered' | 'timeout';

export interface PriorityPhaseResult {
  /** Position in the run, from 0. */
  readonly index: number;
  readonly cls: ImpedanceClass;
  readonly targets: readonly string[];
  /** READY + TRANSIT + CONFLICT that arrived by the phase's end. */
  readonly acked: number;
  /** Those ACKs by state. */
  readonly counts: TrinaryCounts;
  /** READY by the phase's end / targets. */
  readonly responseRate: number;
  /** The phase's minimum response rate. */
  readonly threshold: number;
  /** responseRate >= threshold (evaluateGather said SUCCESS). */
  readonly met: boolean;
  /** evaluateGather's advice when the phase fell short. */
  readonly recommendation?: GatherRecommendation;
  readonly endedBy: PhaseEnd;
  /** Targets refused by a frozen (or otherwise refusing) coordinator. */
  readonly refused: number;
  /** The coordinators that refused, sorted. */
  readonly refusedBy: readonly string[];
  /** Targets with no reply and no refusal by the phase's end. */
  readonly missing: number;
  /** Of the missing, those that replied after the phase ended and before the cascade returned (0 in onPhaseEnd). */
  readonly late: number;
  /** When the phase started, ms after the cascade started. */
  readonly startedMs: number;
  /** How long the phase ran, ms. */
  readonly ms: number;
}

export interface PriorityCascadeResult {
  readonly status: 'COMPLETE';
  readonly phases: readonly PriorityPhaseResult[];
  /** Agents whose class is not in the order: not sent the wave. */
  readonly unplanned: readonly string[];
  readonly ms: number;
}

export interface PriorityCascadeInput {
  /** Every agent, each once. */
  readonly agents: readonly string[];
  readonly classOf: (agent: string) => ImpedanceClass;
  /** Sends the wave to one agent; a rejection means no answer (timed out, gone). */
  readonly send: (agent: string) => Promise<PhaseReply>;
  /** The longest a phase waits, ms. */
  readonly phaseTimeoutMs: number;
  /** Phases in order with their minimum response rates (default DEFAULT_PRIORITY_ORDER). */
  readonly order?: readonly PriorityPhase[];
  /** Called as each phase ends, before the next starts. */
  readonly onPhaseEnd?: (phase: PriorityPhaseResult) => void;
  /** The clock, ms (default performance.now). */
  readonly now?: () => number;
}

/** The document's name of an impedance class: 'D_GPU' -> 'CLASS_D_GPU'. */
export function toProtocolClass(cls: ImpedanceClass): ProtocolClass {
  return `CLASS_${cls}`;
}

/** The impedance module's name of a document class name: 'CLASS_D_GPU' -> 'D_GPU'; RangeError naming `where` otherwise. */
export function fromProtocolClass(name: unknown, where = 'impedanceClass'): ImpedanceClass {
  const bare = typeof name === 'string' && name.startsWith('CLASS_') ? name.slice('CLASS_'.length) : undefined;
  const cls = IMPEDANCE_CLASSES.find((c) => c === bare);
  if (cls === undefined) throw new RangeError(`${where} must be one of ${IMPEDANCE_CLASSES.map((c) => `'CLASS_${c}'`).join(', ')} (got ${showValue(name)})`);
  return cls;
}

/** The id of the planner's root: not an actor path, so it never meets an agent's. */
const PLAN_ROOT = 'priority-cascade-root';

/**
 * Checks a priority order: an array of { impedanceClass, minimumResponseRate } with known
 * document class names, each listed once, rates in [0, 1]. Errors name `where`[i] and the
 * value (TypeError for the wrong shape, RangeError for a wrong value).
 */
export function checkPriorityOrder(order: unknown, where = 'priority.order'): readonly PriorityPhase[] {
  if (!Array.isArray(order)) throw new TypeError(`${where} must be an array of { impedanceClass, minimumResponseRate } (got ${showValue(order)})`);
  const seen = new Set<ImpedanceClass>();
  order.forEach((phase: unknown, i) => {
    if (phase === null || typeof phase !== 'object') throw new TypeError(`${where}[${i}] must be { impedanceClass, minimumResponseRate } (got ${showValue(phase)})`);
    const { impedanceClass, minimumResponseRate: rate } = phase as Partial<PriorityPhase>;
    const cls = fromProtocolClass(impedanceClass, `${where}[${i}].impedanceClass`);
    if (seen.has(cls)) throw new RangeError(`${where}[${i}].impedanceClass must be listed once (got ${showValue(impedanceClass)} again)`);
    seen.add(cls);
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) throw new RangeError(`${where}[${i}].minimumResponseRate must be a number between 0 and 1 (got ${showValue(rate)})`);
  });
  return order as readonly PriorityPhase[];
}

/**
 * The priority-first plan of `agents` (planPriorityFirst over a root with the agents as
 * leaves): one step per class of `order` that has agents, in order; agents of other classes
 * in `unplanned`. The order is checked first (checkPriorityOrder).
 */
export function planPriorityPhases(agents: readonly string[], classOf: (agent: string) => ImpedanceClass, order: readonly PriorityPhase[] = DEFAULT_PRIORITY_ORDER): PriorityPlan {
  checkPriorityOrder(order);
  const root: MeshNode = { id: PLAN_ROOT, children: agents.map((id) => ({ id, impedanceClass: toProtocolClass(classOf(id)) })) };
  return planPriorityFirst(root, order);
}

/** Runs the priority-first cascade over `input.agents`; resolves when the last phase ended. */
export async function runPriorityCascade(input: PriorityCascadeInput): Promise<PriorityCascadeResult> {
  if (!(typeof input.phaseTimeoutMs === 'number' && Number.isFinite(input.phaseTimeoutMs) && input.phaseTimeoutMs > 0)) throw new RangeError(`runPriorityCascade: phaseTimeoutMs must be a finite number of ms > 0 (got ${String(input.phaseTimeoutMs)})`);
  const now = input.now ?? (() => performance.now());
  const plan = planPriorityPhases(input.agents, input.classOf, input.order);
  const cascadeStart = now();
  const phases: Phase[] = [];
  for (const step of plan.steps) {
    const phase = new Phase(step.index, fromProtocolClass(step.impedanceClass), step.targets, step.minimumResponseRate, now);
    phases.push(phase);
    await phase.run(input.send, input.phaseTimeoutMs);
    input.onPhaseEnd?.(phase.result(cascadeStart));
  }
  return { status: 'COMPLETE', phases: phases.map((p) => p.result(cascadeStart)), unplanned: plan.unplanned, ms: now() - cascadeStart };
}

/** One phase: sends, counts, decides when it ends, and judges. */
class Phase {
  private readonly counts = { ready: 0, transit: 0, conflict: 0 };
  /** Replies by the phase's end, for the judge. */
  private readonly arrivals: GatherResponse[] = [];
  private readonly refusedBy = new Set<string>();
  private refused = 0;
  private failed = 0;
  private late = 0;
  private startedAt = 0;
  private endedAt: number | undefined;
  private endedBy: PhaseEnd = 'timeout';
  private verdict: GatherResult | undefined;

  constructor(
    readonly index: number,
    readonly cls: ImpedanceClass,
    readonly targets: readonly string[],
    readonly threshold: number,
    private readonly now: () => number,
  ) {}

  /** Sends to every target and resolves when the phase ends. */
  run(send: (agent: string) => Promise<PhaseReply>, timeoutMs: number): Promise<void> {
    this.startedAt = this.now();
    return new Promise<void>((resolve) => {
      const end = (by: PhaseEnd) => {
        if (this.endedAt !== undefined) return;
        this.endedAt = this.now();
        this.endedBy = by;
        clearTimeout(timer);
        this.verdict = this.judge();
        resolve();
      };
      // Checked after every reply: the threshold first, so a phase that met it says so.
      const check = () => {
        if (this.counts.ready / this.targets.length >= this.threshold) end('threshold');
        else if (this.arrivals.length + this.refused + this.failed >= this.targets.length) end('all-answered');
      };
      const timer = setTimeout(() => end('timeout'), timeoutMs);
      for (const target of this.targets) {
        // new Promise(...) turns a synchronous throw of `send` into a rejection: one bad send is one missing target.
        new Promise<PhaseReply>((r) => r(send(target))).then(
          (reply) => {
            if (this.endedAt !== undefined) {
              if ('state' in reply) this.late++;
              return;
            }
            if ('refusedBy' in reply) {
              this.refused++;
              this.refusedBy.add(reply.refusedBy);
            } else {
              this.arrivals.push({ id: target, arrivedAtMs: this.now(), state: reply.state });
              if (reply.state === 1) this.counts.ready++;
              else if (reply.state === 0) this.counts.transit++;
              else this.counts.conflict++;
            }
            check();
          },
          () => {
            if (this.endedAt !== undefined) return;
            this.failed++;
            check();
          },
        );
      }
      check(); // a minimum of 0 is met before anyone answers
    });
  }

  /**
   * 3.2's judge over the replies by the end. The window [start, end + (end - start)] holds
   * every one of them (none can be late: later ones were never added), so the rate is
   * exactly the one `check` saw.
   */
  private judge(): GatherResult {
    const end = this.endedAt!;
    const window = arrivalWindow(end, { defaultHalfWidthMs: end - this.startedAt });
    return evaluateGather(this.targets, this.arrivals, window, { minimumResponseRate: this.threshold });
  }

  result(cascadeStart: number): PriorityPhaseResult {
    const verdict = this.verdict!;
    const { ready, transit, conflict } = this.counts;
    return {
      index: this.index,
      cls: this.cls,
      targets: this.targets,
      acked: ready + transit + conflict,
      counts: { ...this.counts },
      responseRate: verdict.responseRate,
      threshold: this.threshold,
      met: verdict.status === 'SUCCESS',
      ...(verdict.recommendation !== undefined ? { recommendation: verdict.recommendation } : {}),
      endedBy: this.endedBy,
      refused: this.refused,
      refusedBy: [...this.refusedBy].sort(),
      missing: this.targets.length - this.arrivals.length - this.refused,
      late: this.late,
      startedMs: this.startedAt - cascadeStart,
      ms: this.endedAt! - this.startedAt,
    };
  }
}
