import { InvalidTrinaryError, ProtocolOptionError, checkRate } from './errors.js';

/**
 * Trinary state logic (MESH-30K 1.4) and the quorum with conflict tolerance (5.2).
 *
 *   +1 READY     arrived at T, integrated, ready to proceed
 *    0 TRANSIT   in flight or processing, outcome unknown
 *   -1 CONFLICT  arrived but cannot integrate: information, not failure
 *
 * trinaryQuorum checks all three 5.2 conditions:
 *   enough READY       readyRate    >= requiredReadyRate  (default 0.95)
 *   conflicts ok       conflictRate <= maxConflictRate    (default 0.05)
 *   transit ok         transitRate  <= maxTransitRate     (default 0.10)
 * and decides, in the document's order:
 *   PROCEED            all three hold; confidence = readyRate - conflictRate / 2
 *   WAIT               too many in transit (and either not enough READY, or the
 *                      conflicts are acceptable): extend the arrival window
 *   RESOLVE_CONFLICTS  conflict rate over the limit: resolve before proceeding
 *   RETRY              otherwise (not enough READY): adjust impedance compensation
 * The document's PROCEED branch omits the transit condition although it computes it; here
 * "check all conditions" wins, so enough READY but too many in transit is WAIT.
 * No responses at all is WAIT (nothing has arrived yet). Adding a READY never turns a
 * PROCEED into anything else (the rule is monotone in READY).
 */

export const READY = 1;
export const TRANSIT = 0;
export const CONFLICT = -1;
export type Trinary = typeof READY | typeof TRANSIT | typeof CONFLICT;

/** Is `value` a trinary state? */
export function isTrinary(value: unknown): value is Trinary {
  return value === 1 || value === 0 || value === -1;
}

/** `value` as a trinary state, or InvalidTrinaryError naming `where`. */
export function toTrinary(value: unknown, where = 'trinary state'): Trinary {
  if (!isTrinary(value)) throw new InvalidTrinaryError(where, value);
  return value;
}

/** The name of a state: READY, TRANSIT or CONFLICT. */
export function trinaryName(state: Trinary): 'READY' | 'TRANSIT' | 'CONFLICT' {
  return state === 1 ? 'READY' : state === 0 ? 'TRANSIT' : 'CONFLICT';
}

export interface TrinaryCounts {
  readonly ready: number;
  readonly transit: number;
  readonly conflict: number;
}

/** Counts of each state; throws InvalidTrinaryError on anything else. */
export function countTrinary(states: readonly unknown[]): TrinaryCounts {
  let ready = 0;
  let transit = 0;
  let conflict = 0;
  states.forEach((s, i) => {
    const state = toTrinary(s, `states[${i}]`);
    if (state === 1) ready++;
    else if (state === 0) transit++;
    else conflict++;
  });
  return { ready, transit, conflict };
}

export interface QuorumOptions {
  readonly requiredReadyRate?: number;
  readonly maxConflictRate?: number;
  readonly maxTransitRate?: number;
}

export type QuorumDecision = 'PROCEED' | 'WAIT' | 'RESOLVE_CONFLICTS' | 'RETRY';

export interface QuorumResult {
  readonly achieved: boolean;
  readonly decision: QuorumDecision;
  readonly counts: TrinaryCounts;
  readonly total: number;
  readonly rates: { readonly ready: number; readonly conflict: number; readonly transit: number };
  readonly checks: { readonly enoughReady: boolean; readonly conflictsAcceptable: boolean; readonly transitAcceptable: boolean };
  /** readyRate - conflictRate / 2 when achieved, else 0. */
  readonly confidence: number;
  readonly reason: string;
  readonly recommendation: string;
}

/** 5.2 trinary_quorum_check over states (+1/0/-1) or counts. */
export function trinaryQuorum(responses: readonly unknown[] | TrinaryCounts, options: QuorumOptions = {}): QuorumResult {
  const requiredReadyRate = checkRate('quorum.requiredReadyRate', options.requiredReadyRate ?? 0.95);
  const maxConflictRate = checkRate('quorum.maxConflictRate', options.maxConflictRate ?? 0.05);
  const maxTransitRate = checkRate('quorum.maxTransitRate', options.maxTransitRate ?? 0.1);
  const counts = Array.isArray(responses) ? countTrinary(responses) : checkCounts(responses as TrinaryCounts);
  const total = counts.ready + counts.transit + counts.conflict;
  if (total === 0) {
    return {
      achieved: false,
      decision: 'WAIT',
      counts,
      total,
      rates: { ready: 0, conflict: 0, transit: 0 },
      checks: { enoughReady: false, conflictsAcceptable: true, transitAcceptable: true },
      confidence: 0,
      reason: 'No responses yet',
      recommendation: 'Extend arrival window',
    };
  }
  const rates = { ready: counts.ready / total, conflict: counts.conflict / total, transit: counts.transit / total };
  const checks = {
    enoughReady: rates.ready >= requiredReadyRate,
    conflictsAcceptable: rates.conflict <= maxConflictRate,
    transitAcceptable: rates.transit <= maxTransitRate,
  };
  const base = { counts, total, rates, checks };
  const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
  if (checks.enoughReady && checks.conflictsAcceptable && checks.transitAcceptable) {
    return {
      ...base,
      achieved: true,
      decision: 'PROCEED',
      confidence: rates.ready - rates.conflict * 0.5,
      reason: `Ready rate ${pct(rates.ready)} >= ${pct(requiredReadyRate)}, conflicts ${pct(rates.conflict)}, transit ${pct(rates.transit)} within limits`,
      recommendation: 'Proceed',
    };
  }
  if (!checks.transitAcceptable && (!checks.enoughReady || checks.conflictsAcceptable)) {
    return { ...base, achieved: false, decision: 'WAIT', confidence: 0, reason: `Too many agents still in transit (${pct(rates.transit)} > ${pct(maxTransitRate)})`, recommendation: 'Extend arrival window' };
  }
  if (!checks.conflictsAcceptable) {
    return {
      ...base,
      achieved: false,
      decision: 'RESOLVE_CONFLICTS',
      confidence: 0,
      reason: `Conflict rate ${pct(rates.conflict)} exceeds threshold ${pct(maxConflictRate)}`,
      recommendation: 'Run conflict resolution before proceeding',
    };
  }
  return {
    ...base,
    achieved: false,
    decision: 'RETRY',
    confidence: 0,
    reason: `Insufficient ready agents (${pct(rates.ready)} < ${pct(requiredReadyRate)})`,
    recommendation: 'Retry with adjusted impedance compensation',
  };
}

function checkCounts(counts: TrinaryCounts): TrinaryCounts {
  for (const key of ['ready', 'transit', 'conflict'] as const) {
    const n = counts[key];
    if (!Number.isInteger(n) || n < 0) throw new ProtocolOptionError(`quorum counts.${key}`, n, 'an integer >= 0');
  }
  return { ready: counts.ready, transit: counts.transit, conflict: counts.conflict };
}
