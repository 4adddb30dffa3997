import type { ActorContext, ActorRef } from '../../src/index.js';
import type { AgentImpedance, ImpedanceClass } from '../impedance/index.js';
import { DigestBuilder, EMPTY_DIGEST, batchSends, classifyArrival, computeSendSchedule, predictionConfidence } from '../protocol/index.js';
import type { ArrivalWindow, LatencyDigest, TargetDelay } from '../protocol/index.js';
import { agentClassOf, epochNow, expectedReplyMs, meshSettings } from './wave.js';
import type { MeshSettings } from './wave.js';
import type { Wave, WaveReport } from './wave.js';

export { epochNow };

/**
 * The predictive scatter-gather of MESH-30K 3.1 and 3.2, carried out by the hierarchy (as
 * 3.3 has sector coordinators "handle their own scatter-gather").
 *
 *   orchestrator --gather(T, window)--> sectors --> cluster leads
 *   cluster lead: for each of its agents, the expected delay and confidence from that
 *                 agent's latest heartbeat (its AgentImpedance: p50 latency + p50
 *                 processing; confidence by 3.1's calculate_confidence), or from its class
 *                 when it has not reported yet; computeSendSchedule(T) -> SCHEDULED sends
 *                 at T - expected delay, or SKIP (insufficient_lead_time, low_confidence);
 *                 batchSends in 1 ms buckets, one timer per batch; each agent gets a
 *                 stamped wave and answers with the time it became READY (`readyAtMs`)
 *   cluster lead -> report: arrivals classified against [T - w, T + w] (early, in-window,
 *                 late, missing), conflicts, digests of |readyAt - T| and of |actual delay
 *                 - predicted delay|; sectors and the orchestrator sum the reports
 *
 * Why the agent's ready time, not the report's arrival: part 3 synchronizes when agents
 * are READY ("time is an arrival state"); the trip of the ACK back up is not part of it.
 * An agent's ready time is when it handled the wave plus its simulated delay, so the
 * runtime's real delivery and timer delays are in the error, the simulation's own timer
 * granularity is not. Times are epoch ms with sub-ms precision (performance.timeOrigin +
 * performance.now()), comparable between processes of one machine.
 *
 * A cluster lead answers at T + w + grace (stragglers that arrive later are missing); a
 * sector or the orchestrator when every child answered or at T + w + 2 * grace.
 */


/** Asks a level to run scatter-gather `gatherId` over the agents below it. */
export interface Gather {
  readonly type: 'gather';
  readonly gatherId: number;
  /** T: when every agent should be READY, epoch ms. */
  readonly targetAtMs: number;
  /** The arrival window's half-width w, ms. */
  readonly halfWidthMs: number;
  /** How long after the window's end a level waits for stragglers, ms. */
  readonly graceMs: number;
  /** Agents whose confidence is below this are skipped (3.1 SKIP low_confidence). */
  readonly minConfidence: number;
  /**
   * How much earlier than its agent's own lead time each probe goes out, ms: the runtime's
   * share. Probing every agent is a burst that one event loop drains in a measurable time
   * (about 100 ms for 30,000 agents on this machine); sending the burst half that early
   * centres the agents' READY times on T instead of starting them there.
   */
  readonly runtimeLeadMs: number;
  /**
   * When this level must report, epoch ms (set by the level above; the top level takes the
   * window's end + 2 graceMs). Each level gives its children a deadline `slackMs` before its
   * own, so after an event-loop stall their due timers fire first and their reports are
   * already on the way when the parent's fires.
   */
  readonly reportByMs?: number;
  /** The gap between this level's deadline and its children's, ms (default graceMs / 2; halved per level). */
  readonly slackMs?: number;
  readonly replyTo: ActorRef<GatherReport>;
}

/** Sums of a gather below one actor. */
export interface GatherReport {
  readonly type: 'gather-report';
  readonly gatherId: number;
  readonly from: string;
  readonly agents: number;
  readonly sent: number;
  readonly skippedLate: number;
  readonly skippedLowConfidence: number;
  /** Scheduled probes whose send time had not come when the level reported (an overloaded event loop). */
  readonly notSent: number;
  /** READY answers by the window's end (early or in-window). */
  readonly ready: number;
  /** READY answers after the window's end. */
  readonly lateReady: number;
  readonly conflicts: number;
  readonly early: number;
  readonly inWindow: number;
  readonly late: number;
  readonly missing: number;
  /** Sends predicted from a heartbeat (vs. from the class's typical figures). */
  readonly fromProfile: number;
  /** Children (coordinators) that did not report in time. */
  readonly missingChildren: number;
  /** Frozen coordinators that refused the gather (their agents were not probed). */
  readonly frozen: readonly string[];
  /** |readyAt - T| of every answer, ms. */
  readonly arrivalErrors: LatencyDigest;
  /** T - readyAt of the answers READY before T, ms (with `lateErrors`: the signed errors). */
  readonly earlyErrors: LatencyDigest;
  /** readyAt - T of the answers READY at or after T, ms. */
  readonly lateErrors: LatencyDigest;
  /** Sum of readyAt - T (signed) over the answers: / answers = the mean offset, > 0 when late. */
  readonly errorSumMs: number;
  /** |actual delay - predicted delay| of every answer, ms (impedance prediction accuracy). */
  readonly predictionErrors: LatencyDigest;
}

/** A level's own timer: the gather's reporting time came. */
export interface GatherDue {
  readonly type: 'gather-due';
  readonly gatherId: number;
}

/** A cluster lead's own timer: send batch `batch` of gather `gatherId`. */
export interface GatherSend {
  readonly type: 'gather-send';
  readonly gatherId: number;
  readonly batch: number;
}

/** The scatter-gather messages a coordinator handles. */
export type GatherMsg = Gather | GatherReport | GatherDue | GatherSend;

/** What a cluster lead knows of an agent, for a prediction. */
export type ImpedanceLookup = (agentPath: string) => AgentImpedance | undefined;

/** The expected delay and confidence of one agent (exported for tests and the scenario). */
export function predictAgent(impedance: AgentImpedance | undefined, cls: ImpedanceClass, nowEpochMs: number, settings: Pick<MeshSettings, 'maxReplyMs' | 'speedup'>): { expectedDelayMs: number; confidence: number; fromProfile: boolean } {
  if (impedance === undefined || impedance.samples === 0) {
    // No heartbeat yet: the class's typical figures, with the confidence of an unknown agent.
    return { expectedDelayMs: expectedReplyMs(cls, settings), confidence: predictionConfidence({ reliability: 1, driftCoefficient: 0, heartbeatAgeMs: null }), fromProfile: false };
  }
  const expected = Math.min(settings.maxReplyMs, impedance.latencyP50Ms + impedance.processingP50Ms);
  return {
    expectedDelayMs: expected,
    confidence: predictionConfidence({ reliability: impedance.reliability, driftCoefficient: impedance.driftCoefficient, heartbeatAgeMs: Math.max(0, nowEpochMs - impedance.at) }),
    fromProfile: true,
  };
}

const zeroReport = (gatherId: number, from: string): Omit<GatherReport, 'arrivalErrors' | 'earlyErrors' | 'lateErrors' | 'predictionErrors' | 'frozen'> => ({
  type: 'gather-report',
  gatherId,
  from,
  agents: 0,
  sent: 0,
  skippedLate: 0,
  skippedLowConfidence: 0,
  notSent: 0,
  ready: 0,
  lateReady: 0,
  conflicts: 0,
  early: 0,
  inWindow: 0,
  late: 0,
  missing: 0,
  fromProfile: 0,
  missingChildren: 0,
  errorSumMs: 0,
});

type Sums = { -readonly [K in keyof ReturnType<typeof zeroReport>]: ReturnType<typeof zeroReport>[K] };

interface Probe {
  readonly path: string;
  readonly ref: ActorRef<Wave>;
  readonly predictedMs: number;
  sentAt: number;
  answered: boolean;
}

interface Running {
  readonly gather: Gather;
  readonly sums: Sums;
  readonly arrival: DigestBuilder;
  readonly early: DigestBuilder;
  readonly late: DigestBuilder;
  readonly prediction: DigestBuilder;
  readonly window: ArrivalWindow;
  readonly frozen: string[];
  /** Cluster lead: probes by wave id; batches of probe indexes. */
  readonly probes: Map<number, Probe>;
  readonly batches: (readonly Probe[])[];
  /** Coordinators: children still to report. */
  expected: number;
  received: number;
  /** This level's deadline minus its children's, ms. */
  readonly slackMs: number;
  /** The one last call after the deadline has been made. */
  lastCall: boolean;
}

/**
 * A level's scatter-gather state. A cluster lead (`leaf: true`) probes its agents; the
 * levels above forward and sum. Probe ids live in their own range (negative wave ids) so
 * an agent's answer can never be taken for a wave's.
 */
export class GatherRunner {
  private readonly running = new Map<number, Running>();
  private readonly probeOwner = new Map<number, number>();
  private nextProbe = -1;

  constructor(
    private readonly leaf: boolean,
    private readonly impedanceOf: ImpedanceLookup = () => undefined,
  ) {}

  /** Starts `gather` below this actor. */
  start(gather: Gather, ctx: ActorContext<unknown>): void {
    const now = epochNow();
    const sums = zeroReport(gather.gatherId, ctx.path) as Sums;
    const window: ArrivalWindow = { startMs: gather.targetAtMs - gather.halfWidthMs, targetTimeMs: gather.targetAtMs, endMs: gather.targetAtMs + gather.halfWidthMs, halfWidthMs: gather.halfWidthMs };
    const slackMs = gather.slackMs ?? gather.graceMs / 2;
    const run: Running = { gather, sums, arrival: new DigestBuilder(), early: new DigestBuilder(), late: new DigestBuilder(), prediction: new DigestBuilder(), window, frozen: [], probes: new Map(), batches: [], expected: 0, received: 0, slackMs, lastCall: false };
    this.running.set(gather.gatherId, run);
    const children = ctx.children;
    const dueAt = this.leaf ? Math.min(window.endMs + gather.graceMs, gather.reportByMs ?? Number.POSITIVE_INFINITY) : (gather.reportByMs ?? window.endMs + 2 * gather.graceMs);
    ctx.timers.startSingleTimer(`gather-${gather.gatherId}`, { type: 'gather-due', gatherId: gather.gatherId } satisfies GatherDue, Math.max(0, dueAt - now));
    if (!this.leaf) {
      run.expected = children.length;
      const forward: Gather = { ...gather, reportByMs: dueAt - slackMs, slackMs: slackMs / 2, replyTo: ctx.self as ActorRef<GatherReport> };
      for (const child of children) (child as ActorRef<Gather>).tell(forward);
      if (run.expected === 0) this.finish(gather.gatherId, ctx);
      return;
    }
    const settings = meshSettings(ctx.system);
    const targets: TargetDelay[] = [];
    const byPath = new Map<string, Probe>();
    for (const child of children) {
      const path = child.path;
      const p = predictAgent(this.impedanceOf(path), agentClassOf(path, settings.seed), now, settings);
      if (p.fromProfile) sums.fromProfile++;
      targets.push({ id: path, expectedDelayMs: p.expectedDelayMs, confidence: p.confidence });
      byPath.set(path, { path, ref: child as ActorRef<Wave>, predictedMs: p.expectedDelayMs, sentAt: 0, answered: false });
    }
    sums.agents = children.length;
    const schedule = computeSendSchedule(targets, { targetTimeMs: gather.targetAtMs - gather.runtimeLeadMs, nowMs: now, minConfidence: gather.minConfidence });
    for (const entry of schedule) {
      if (entry.status === 'SKIP') {
        if (entry.reason === 'low_confidence') sums.skippedLowConfidence++;
        else sums.skippedLate++;
      }
    }
    const batches = batchSends(schedule, { nowMs: now, bucketMs: 1 });
    batches.forEach((b, i) => {
      run.batches.push(b.ids.map((id) => byPath.get(id)!));
      const delay = b.atMs - now;
      if (delay <= 0) this.sendBatch({ type: 'gather-send', gatherId: gather.gatherId, batch: i }, ctx);
      else ctx.timers.startSingleTimer(`gather-${gather.gatherId}-${i}`, { type: 'gather-send', gatherId: gather.gatherId, batch: i } satisfies GatherSend, delay);
    });
  }

  /** A cluster lead's batch is due: sends its stamped waves. */
  sendBatch(message: GatherSend, ctx: ActorContext<unknown>): void {
    const run = this.running.get(message.gatherId);
    if (run === undefined) return;
    const self = ctx.self as ActorRef<WaveReport>;
    for (const probe of run.batches[message.batch] ?? []) {
      const id = this.nextProbe--;
      run.probes.set(id, probe);
      this.probeOwner.set(id, message.gatherId);
      probe.sentAt = epochNow();
      run.sums.sent++;
      probe.ref.tell({ type: 'wave', waveId: id, replyTo: self, stamp: true });
    }
  }

  /** Whether `waveId` is one of this runner's probes (a cluster lead routes agents' answers by it). */
  ownsProbe(waveId: number): boolean {
    return this.probeOwner.has(waveId);
  }

  /** An agent's answer to a probe. */
  probeAnswered(report: WaveReport): void {
    const gatherId = this.probeOwner.get(report.waveId);
    if (gatherId === undefined) return;
    this.probeOwner.delete(report.waveId);
    const run = this.running.get(gatherId);
    const probe = run?.probes.get(report.waveId);
    if (run === undefined || probe === undefined || probe.answered) return;
    probe.answered = true;
    const readyAt = report.readyAtMs ?? epochNow();
    const s = run.sums;
    const where = classifyArrival(run.window, readyAt);
    if (where === 'early') s.early++;
    else if (where === 'late') s.late++;
    else s.inWindow++;
    if (report.counts.conflict > 0) s.conflicts++;
    else if (report.counts.ready > 0) {
      if (where === 'late') s.lateReady++;
      else s.ready++;
    }
    const error = readyAt - run.window.targetTimeMs;
    run.arrival.add(Math.abs(error));
    if (error < 0) run.early.add(-error);
    else run.late.add(error);
    s.errorSumMs += readyAt - run.window.targetTimeMs;
    run.prediction.add(Math.abs(readyAt - probe.sentAt - probe.predictedMs));
  }

  /** A child's report (levels above the cluster leads). */
  report(report: GatherReport, ctx: ActorContext<unknown>): void {
    const run = this.running.get(report.gatherId);
    if (run === undefined) return; // late: the child was counted missing
    const s = run.sums;
    for (const key of SUMMED) s[key] += report[key];
    if (report.frozen.length > 0) run.frozen.push(...report.frozen);
    run.arrival.merge(report.arrivalErrors);
    run.early.merge(report.earlyErrors);
    run.late.merge(report.lateErrors);
    run.prediction.merge(report.predictionErrors);
    run.received++;
    if (run.received >= run.expected) this.finish(report.gatherId, ctx);
  }

  /**
   * The reporting time came: answer with what there is. A level still missing children makes
   * one last call first (half its slack): after a stall, the children's due timers fired in
   * the same turn as this one and their reports are queued behind it.
   */
  due(message: GatherDue, ctx: ActorContext<unknown>): void {
    const run = this.running.get(message.gatherId);
    if (run === undefined) return;
    if (!this.leaf && !run.lastCall && run.received < run.expected) {
      run.lastCall = true;
      ctx.timers.startSingleTimer(`gather-${message.gatherId}`, message, run.slackMs / 2);
      return;
    }
    this.finish(message.gatherId, ctx);
  }

  private finish(gatherId: number, ctx: ActorContext<unknown>): void {
    const run = this.running.get(gatherId)!;
    this.running.delete(gatherId);
    ctx.timers.cancel(`gather-${gatherId}`);
    const s = run.sums;
    if (this.leaf) {
      for (const [id, probe] of run.probes) {
        this.probeOwner.delete(id);
        if (!probe.answered) s.missing++;
      }
      // Batches not sent yet (their timers ran late past the reporting time): counted, never lost.
      for (let i = 0; i < run.batches.length; i++) ctx.timers.cancel(`gather-${gatherId}-${i}`);
      s.notSent = s.agents - s.sent - s.skippedLate - s.skippedLowConfidence;
    } else s.missingChildren += run.expected - run.received;
    run.gather.replyTo.tell({ ...s, frozen: run.frozen, arrivalErrors: built(run.arrival), earlyErrors: built(run.early), lateErrors: built(run.late), predictionErrors: run.prediction.count === 0 ? EMPTY_DIGEST : run.prediction.build() });
  }
}

const built = (b: DigestBuilder): LatencyDigest => (b.count === 0 ? EMPTY_DIGEST : b.build());

/** A frozen coordinator's answer: it refuses new work, so nothing below it is probed. */
export function frozenGather(gather: Gather, path: string): GatherReport {
  return { ...zeroReport(gather.gatherId, path), frozen: [path], arrivalErrors: EMPTY_DIGEST, earlyErrors: EMPTY_DIGEST, lateErrors: EMPTY_DIGEST, predictionErrors: EMPTY_DIGEST };
}

const SUMMED = ['agents', 'sent', 'skippedLate', 'skippedLowConfidence', 'notSent', 'ready', 'lateReady', 'conflicts', 'early', 'inWindow', 'late', 'missing', 'fromProfile', 'missingChildren', 'errorSumMs'] as const;
