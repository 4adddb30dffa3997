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
