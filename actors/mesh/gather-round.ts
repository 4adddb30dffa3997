import type { ActorRef } from '../../src/index.js';
import { digestPercentile, judgeGather } from '../protocol/index.js';
import type { GatherOptions, GatherVerdict, LatencyDigest } from '../protocol/index.js';
import { epochNow } from './wave.js';
import type { Gather, GatherReport } from './gather.js';

/**
 * One predictive scatter-gather over every agent below `root` (MESH-30K 3.2, carried out
 * by the hierarchy: actors/mesh/gather.ts), judged at the top.
 *
 *   T               now + leadMs (3.2 phase 1 gives "enough time for the 95th percentile
 *                   to arrive": the slowest agents' expected delay plus the cascade down)
 *   window          [T - w, T + w]; w = the p95 of the previous round's |readyAt - T|
 *                   (`previous`), clamped to [minHalfWidthMs, maxHalfWidthMs], or
 *                   `defaultHalfWidthMs` for a first round (the document's 500 ms, scaled)
 *   verdict         judgeGather on the summed counts: SUCCESS when READY by the window's
 *                   end / sent >= minimumResponseRate (0.95)
 */

export interface GatherRoundOptions {
  readonly gatherId: number;
  /** T - now, ms. */
  readonly leadMs: number;
  /** The previous round's arrival errors; none for a first round. */
  readonly previous?: LatencyDigest;
  readonly defaultHalfWidthMs: number;
  readonly minHalfWidthMs: number;
  readonly maxHalfWidthMs?: number;
  /** How long each level waits for stragglers after the window, ms. */
  readonly graceMs: number;
  readonly minConfidence?: number;
  /** See Gather.runtimeLeadMs (default 0). */
  readonly runtimeLeadMs?: number;
  readonly judge?: GatherOptions;
}

export interface GatherRound {
  readonly report: GatherReport;
  readonly verdict: GatherVerdict;
  readonly halfWidthMs: number;
  /** Wall time from the first send to the verdict, ms. */
  readonly ms: number;
}

/** The window half-width for a round after `previous` (see above). */
export function nextHalfWidth(previous: LatencyDigest | undefined, options: Pick<GatherRoundOptions, 'defaultHalfWidthMs' | 'minHalfWidthMs' | 'maxHalfWidthMs'>): number {
  const p95 = previous === undefined ? null : digestPercentile(previous, 0.95);
  const w = p95 ?? options.defaultHalfWidthMs;
  return Math.min(options.maxHalfWidthMs ?? Number.MAX_SAFE_INTEGER, Math.max(options.minHalfWidthMs, w));
}

/** Runs one round from `root` (an orchestrator, a sector or a cluster lead). */
export async function runGatherRound(root: ActorRef<unknown>, options: GatherRoundOptions): Promise<GatherRound> {
  if (!(options.leadMs > 0)) throw new RangeError(`runGatherRound: leadMs must be > 0 (got ${options.leadMs})`);
  if (!((options.runtimeLeadMs ?? 0) >= 0)) throw new RangeError(`runGatherRound: runtimeLeadMs must be >= 0 (got ${options.runtimeLeadMs})`);
  if (!(options.graceMs >= 0)) throw new RangeError(`runGatherRound: graceMs must be >= 0 (got ${options.graceMs})`);
  const halfWidthMs = nextHalfWidth(options.previous, options);
  const t0 = performance.now();
  const targetAtMs = epochNow() + options.leadMs;
  const report = await root.ask<GatherReport>(
    (replyTo) => ({ type: 'gather', gatherId: options.gatherId, targetAtMs, halfWidthMs, graceMs: options.graceMs, minConfidence: options.minConfidence ?? 0, runtimeLeadMs: options.runtimeLeadMs ?? 0, replyTo }) satisfies Gather,
    { timeoutMs: options.leadMs + halfWidthMs + 3 * options.graceMs + 5000 },
  );
  const verdict = judgeGather({ sent: report.sent, ready: report.ready, lateReady: report.lateReady }, options.judge);
  return { report, verdict, halfWidthMs, ms: performance.now() - t0 };
}

/**
 * The `q` quantile (q in (0, 1]) of the signed READY-time errors readyAt - T of a round,
 * from its early (T - readyAt) and late (readyAt - T) digests; null with no answers.
 */
export function signedErrorQuantile(report: Pick<GatherReport, 'earlyErrors' | 'lateErrors'>, q: number): number | null {
  const early = report.earlyErrors;
  const late = report.lateErrors;
  const n = early.count + late.count;
  if (n === 0) return null;
  // Sorted ascending, the signed errors are the early ones from the largest magnitude down,
  // then the late ones from the smallest up.
  const rank = Math.max(1, Math.ceil(q * n));
  if (rank <= early.count) return -digestPercentile(early, (early.count - rank + 1) / early.count)!;
  return digestPercentile(late, (rank - early.count) / late.count)!;
}

/** How much wider than the last round's central 99 % the next window is (a guard band). */
export const WINDOW_GUARD = 1.1;

export interface AdaptiveGatherOptions {
  /** Measured rounds after the calibration round (>= 0). */
  readonly rounds: number;
  /** What the runtime needs to reach every agent and back (a cascade's total minus its slowest agent's delay), ms. */
  readonly runtimeSpreadMs: number;
  /** The slowest expected agent delay, ms (MeshSettings.maxReplyMs). */
  readonly maxReplyMs: number;
  /** The simulation speedup: the document's 500 ms default window is divided by it. */
  readonly speedup: number;
  /** The first gather id; rounds take the next ones. */
  readonly firstGatherId?: number;
}

export interface AdaptiveRound {
  readonly round: GatherRound;
  /** The runtimeLeadMs the round used. */
  readonly runtimeLeadMs: number;
}

/**
 * A calibration round and `rounds` measured ones over every agent below `root`. Reaching
 * every agent is a burst the event loop needs time to drain, whatever the agents' own
 * delays, so probes go out early (runtimeLeadMs) to centre the READY times on T, and the
 * window must cover the drain. The calibration round has no arrival history: it starts
 * from `runtimeSpreadMs` (lead half of it, window the document's 500 ms scaled or that
 * half, if wider). Each later round takes the central 99 % of the round before's signed
 * errors [lo, hi]: it moves the lead by their midpoint (centring them on T) and makes the
 * window their half-range times WINDOW_GUARD (3.2: the window from past arrival errors;
 * a range around the mean, not |error| around T, because the lead moves between rounds).
 * T leaves room for the slowest expected delay, the lead and the cascade down.
 */
export async function runAdaptiveGather(root: ActorRef<unknown>, options: AdaptiveGatherOptions): Promise<AdaptiveRound[]> {
  const spread = options.runtimeSpreadMs;
  if (!(spread >= 0)) throw new RangeError(`runAdaptiveGather: runtimeSpreadMs must be >= 0 (got ${spread})`);
  if (!Number.isInteger(options.rounds) || options.rounds < 0) throw new RangeError(`runAdaptiveGather: rounds must be an integer >= 0 (got ${options.rounds})`);
  const minHalfWidthMs = 5;
  const leadMs = options.maxReplyMs + 2 * spread + 100;
  const out: AdaptiveRound[] = [];
  let lead = spread / 2;
  let halfWidth = Math.max(500 / options.speedup, spread / 2, minHalfWidthMs);
  for (let i = 0; i <= options.rounds; i++) {
    const previous = out[out.length - 1];
    if (previous !== undefined) {
      const lo = signedErrorQuantile(previous.round.report, 0.005);
      const hi = signedErrorQuantile(previous.round.report, 0.995);
      if (lo !== null && hi !== null) {
        lead = Math.max(0, previous.runtimeLeadMs + (lo + hi) / 2);
        halfWidth = Math.max(minHalfWidthMs, ((hi - lo) / 2) * WINDOW_GUARD);
      }
    }
    const round = await runGatherRound(root, { leadMs: Math.max(leadMs, lead + halfWidth + 100), graceMs: 100, minHalfWidthMs, defaultHalfWidthMs: halfWidth, gatherId: (options.firstGatherId ?? 1) + i, runtimeLeadMs: lead });
    out.push({ round, runtimeLeadMs: lead });
  }
  return out;
}
