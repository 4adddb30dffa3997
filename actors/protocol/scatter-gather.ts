import { DuplicateTargetError, checkId, checkNumber, checkRate } from './errors.js';
import { p95 } from './percentile.js';
import { toTrinary } from './trinary.js';
import type { Trinary } from './trinary.js';

/**
 * Scatter-gather evaluation with arrival windows (MESH-30K 3.2): we don't need ALL agents,
 * we need ENOUGH within the window; stragglers are noted but don't block.
 *
 *   target time     gatherTargetTime: now + p95 of the expected delays ("give enough time
 *                   for the 95th percentile to arrive")
 *   arrival window  arrivalWindow: [T - w, T + w], w = p95 of past |actual - predicted|
 *                   arrival errors, clamped to [minHalfWidthMs, maxHalfWidthMs]; with no
 *                   history w = defaultHalfWidthMs (500, the document's default window)
 *   classification  each SENT target: missing (no response), early (before the window),
 *                   in-window, late (after it). Responses from targets not sent to are
 *                   ignored and listed in `unexpected`. Per target the first final
 *                   response (READY or CONFLICT) counts; a TRANSIT is only kept while
 *                   nothing final has come, and later duplicates are ignored.
 *   response rate   READY responses that arrived by the window's end (in-window or early:
 *                   early ones are ready, only the prediction was off) / sent.
 *                   Nothing sent -> rate 0.
 *   SUCCESS         iff rate >= minimumResponseRate (default 0.95)
 *   PARTIAL         otherwise, with a recommendation:
 *                     retry_late         counting the late READY ones would have met the
 *                                        minimum: the window was too tight; retry the
 *                                        late and missing targets with a larger window
 *                     proceed_degraded   rate >= degradedFloor (default 0.8, the
 *                                        DEGRADED_LIGHT floor of 6.3)
 *                     escalate           below that: hand to the level above
 * CONFLICT (-1) responses are not failures: they are listed in `conflicts` for the conflict
 * log and do not count toward the rate.
 */

/** 3.2 phase 1: now + p95 of the targets' expected delays (now, if there are none). */
export function gatherTargetTime(nowMs: number, expectedDelaysMs: readonly number[]): number {
  checkNumber('gather.nowMs', nowMs);
  expectedDelaysMs.forEach((d, i) => checkNumber(`gather.expectedDelaysMs[${i}]`, d, 0));
  return nowMs + (p95(expectedDelaysMs, 'gather.expectedDelaysMs') ?? 0);
}

export interface ArrivalWindow {
  readonly startMs: number;
  readonly targetTimeMs: number;
  readonly endMs: number;
  readonly halfWidthMs: number;
}

export interface ArrivalWindowOptions {
  /** Past |actual - predicted| arrival errors, ms. */
  readonly errorSamplesMs?: readonly number[];
  readonly defaultHalfWidthMs?: number;
  readonly minHalfWidthMs?: number;
  readonly maxHalfWidthMs?: number;
}

/** The arrival window around T from the p95 of past arrival errors. */
export function arrivalWindow(targetTimeMs: number, options: ArrivalWindowOptions = {}): ArrivalWindow {
  checkNumber('window.targetTimeMs', targetTimeMs);
  const def = checkNumber('window.defaultHalfWidthMs', options.defaultHalfWidthMs ?? 500, 0);
  const min = checkNumber('window.minHalfWidthMs', options.minHalfWidthMs ?? 0, 0);
  const max = checkNumber('window.maxHalfWidthMs', options.maxHalfWidthMs ?? Number.MAX_SAFE_INTEGER, min);
  const samples = (options.errorSamplesMs ?? []).map((e, i) => Math.abs(checkNumber(`window.errorSamplesMs[${i}]`, e)));
  const halfWidthMs = Math.min(max, Math.max(min, p95(samples, 'window.errorSamplesMs') ?? def));
  return { startMs: targetTimeMs - halfWidthMs, targetTimeMs, endMs: targetTimeMs + halfWidthMs, halfWidthMs };
}

export interface GatherResponse {
  readonly id: string;
  readonly arrivedAtMs: number;
  readonly state: Trinary;
}

export type ArrivalClass = 'in-window' | 'early' | 'late' | 'missing';

/** Where a response that arrived at `arrivedAtMs` falls (bounds inclusive). */
export function classifyArrival(window: ArrivalWindow, arrivedAtMs: number | undefined): ArrivalClass {
  if (arrivedAtMs === undefined) return 'missing';
  if (arrivedAtMs < window.startMs) return 'early';
  if (arrivedAtMs > window.endMs) return 'late';
  return 'in-window';
}

export interface GatherOptions {
  readonly minimumResponseRate?: number;
  readonly degradedFloor?: number;
}

export type GatherRecommendation = 'retry_late' | 'proceed_degraded' | 'escalate';

export interface GatherResult {
  readonly status: 'SUCCESS' | 'PARTIAL';
  readonly sent: number;
  /** READY responses counted toward the rate (early or in-window). */
  readonly ready: readonly string[];
  readonly conflicts: readonly GatherResponse[];
  readonly inWindow: readonly string[];
  readonly early: readonly string[];
  readonly late: readonly string[];
  readonly missing: readonly string[];
  readonly unexpected: readonly string[];
  readonly responseRate: number;
  /** Sent targets with no counted READY and no CONFLICT. */
  readonly stragglers: number;
  /** PARTIAL only. */
  readonly recommendation?: GatherRecommendation;
  /** PARTIAL with retry_late: the late and missing targets. */
  readonly retryIds?: readonly string[];
}

/** 3.2 phases 5-6 over the ids actually sent and the responses received. */
export function evaluateGather(sentIds: readonly string[], responses: readonly GatherResponse[], window: ArrivalWindow, options: GatherOptions = {}): GatherResult {
  const minimumResponseRate = checkRate('gather.minimumResponseRate', options.minimumResponseRate ?? 0.95);
  const degradedFloor = checkRate('gather.degradedFloor', options.degradedFloor ?? 0.8);
  const sent = new Set<string>();
  sentIds.forEach((id, i) => {
    checkId(`gather.sentIds[${i}]`, id);
    if (sent.has(id)) throw new DuplicateTargetError('evaluateGather', id);
    sent.add(id);
  });
  const first = new Map<string, GatherResponse>();
  const unexpected: string[] = [];
  responses.forEach((r, i) => {
    const id = checkId(`gather.responses[${i}].id`, r.id);
    checkNumber(`gather.responses[${i}].arrivedAtMs`, r.arrivedAtMs);
    toTrinary(r.state, `gather.responses[${i}].state`);
    if (!sent.has(id)) unexpected.push(id);
    else {
      const prior = first.get(id);
      if (prior === undefined || (prior.state === 0 && r.state !== 0)) first.set(id, r);
    }
  });
  const ready: string[] = [];
  const conflicts: GatherResponse[] = [];
  const buckets: Record<ArrivalClass, string[]> = { 'in-window': [], early: [], late: [], missing: [] };
  let lateReady = 0;
  for (const id of sent) {
    const r = first.get(id);
    const cls = classifyArrival(window, r?.arrivedAtMs);
    buckets[cls].push(id);
    if (r === undefined) continue;
    if (r.state === -1) conflicts.push(r);
    else if (r.state === 1 && cls !== 'late') ready.push(id);
    else if (r.state === 1) lateReady++;
  }
  const responseRate = sent.size === 0 ? 0 : ready.length / sent.size;
  const base = {
    sent: sent.size,
    ready,
    conflicts,
    inWindow: buckets['in-window'],
    early: buckets.early,
    late: buckets.late,
    missing: buckets.missing,
    unexpected,
    responseRate,
    stragglers: sent.size - ready.length - conflicts.length,
  };
  const verdict = judgeGather({ sent: sent.size, ready: ready.length, lateReady }, { minimumResponseRate, degradedFloor });
  if (verdict.status === 'SUCCESS') return { ...base, status: 'SUCCESS' };
  if (verdict.recommendation === 'retry_late') return { ...base, status: 'PARTIAL', recommendation: 'retry_late', retryIds: [...buckets.late, ...buckets.missing] };
  return { ...base, status: 'PARTIAL', recommendation: verdict.recommendation };
}

/** What a gather's verdict depends on: counts only (a hierarchical gather sums them). */
export interface GatherCounts {
  readonly sent: number;
  /** READY responses by the window's end (early or in-window). */
  readonly ready: number;
  /** READY responses after the window's end. */
  readonly lateReady: number;
}

export interface GatherVerdict {
  readonly status: 'SUCCESS' | 'PARTIAL';
  readonly responseRate: number;
  readonly recommendation?: GatherRecommendation;
}

/** 3.2 phase 6 on counts: the rules evaluateGather applies (see above). */
export function judgeGather(counts: GatherCounts, options: GatherOptions = {}): GatherVerdict {
  const minimumResponseRate = checkRate('gather.minimumResponseRate', options.minimumResponseRate ?? 0.95);
  const degradedFloor = checkRate('gather.degradedFloor', options.degradedFloor ?? 0.8);
  const sent = checkNumber('gather.sent', counts.sent, 0);
  const ready = checkNumber('gather.ready', counts.ready, 0);
  const lateReady = checkNumber('gather.lateReady', counts.lateReady, 0);
  const responseRate = sent === 0 ? 0 : ready / sent;
  if (responseRate >= minimumResponseRate) return { status: 'SUCCESS', responseRate };
  if (sent > 0 && (ready + lateReady) / sent >= minimumResponseRate) return { status: 'PARTIAL', responseRate, recommendation: 'retry_late' };
  return { status: 'PARTIAL', responseRate, recommendation: responseRate >= degradedFloor ? 'proceed_degraded' : 'escalate' };
}
