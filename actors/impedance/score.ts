import { InvalidImpedanceOptionError } from './errors.js';
import { finiteAtLeast, unitInterval } from './validate.js';

/**
 * The composite impedance score, 0-1000 (part 2.3), of part 1.3's
 * Z = f(latency, processing_time, queue_depth, payload_weight).
 *
 * The document gives the ingredients and the scale but no closed formula; its figures
 * (a mean impedance of "127ms", agents at "impedance 847ms", max_impedance=500, the
 * degraded threshold 800) read the score as milliseconds of expected delay, capped at
 * 1000. This module makes that precise, from part 3.1's calculate_send_times:
 *
 *   delay = latency.w * latencyP50
 *         + processing.w * processingP50 * (1 + payload.w * payloadWeight) * (1 + queue.w * queueDepth)
 *         + drift.w * latencyStdDev                        (3.1's buffer for drift)
 *   score = min(1000, delay / max(reliability, reliabilityFloor))
 *
 * Dividing by reliability is the expected cost with retries (a message that succeeds with
 * probability r takes 1/r attempts on average). Default weights: latency 1, processing 1,
 * payload 0.5 and queue 0.1 (3.1's weight_factor and queue_factor), drift 1, floor 0.001.
 *
 * With positive weights the score is non-decreasing in each input and strictly increasing
 * below the cap in latency, processing, queue depth and drift, and decreasing in reliability.
 */

export const MAX_IMPEDANCE_SCORE = 1000;

export interface ScoreInputs {
  /** Median latency, ms. */
  readonly latencyMs: number;
  /** Median processing time, ms. */
  readonly processingMs: number;
  /** Pending operations. */
  readonly queueDepth: number;
  /** Standard deviation of latency, ms; default 0. */
  readonly latencyStdDevMs?: number;
  /** Success ratio in [0, 1]; default 1. */
  readonly reliability?: number;
  /** Part 2.4's payload_weight; default 0 (a standard payload, as in a heartbeat). */
  readonly payloadWeight?: number;
}

export interface ScoreWeights {
  readonly latency: number;
  readonly processing: number;
  readonly payload: number;
  readonly queue: number;
  readonly drift: number;
  /** Reliability below this counts as this (keeps the division finite). */
  readonly reliabilityFloor: number;
}

export const DEFAULT_SCORE_WEIGHTS: ScoreWeights = Object.freeze({ latency: 1, processing: 1, payload: 0.5, queue: 0.1, drift: 1, reliabilityFloor: 0.001 });

/** Defaults with `overrides` applied, every weight >= 0 and the floor in (0, 1]. */
export function resolveScoreWeights(overrides: Partial<ScoreWeights> = {}, option = 'weights'): ScoreWeights {
  const w = { ...DEFAULT_SCORE_WEIGHTS, ...overrides };
  for (const key of ['latency', 'processing', 'payload', 'queue', 'drift'] as const) finiteAtLeast(`${option}.${key}`, w[key], 0);
  if (typeof w.reliabilityFloor !== 'number' || !(w.reliabilityFloor > 0 && w.reliabilityFloor <= 1)) throw new InvalidImpedanceOptionError(`${option}.reliabilityFloor`, w.reliabilityFloor, 'a number in (0, 1]');
  return Object.freeze(w);
}

/** The expected delay in ms before the cap (see the module comment). */
export function expectedDelayMs(inputs: ScoreInputs, weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS): number {
  const latency = finiteAtLeast('latencyMs', inputs.latencyMs, 0);
  const processing = finiteAtLeast('processingMs', inputs.processingMs, 0);
  const queue = finiteAtLeast('queueDepth', inputs.queueDepth, 0);
  const drift = finiteAtLeast('latencyStdDevMs', inputs.latencyStdDevMs ?? 0, 0);
  const payload = finiteAtLeast('payloadWeight', inputs.payloadWeight ?? 0, 0);
  const reliability = unitInterval('reliability', inputs.reliability ?? 1);
  const delay = weights.latency * latency + weights.processing * processing * (1 + weights.payload * payload) * (1 + weights.queue * queue) + weights.drift * drift;
  return delay / Math.max(reliability, weights.reliabilityFloor);
}

/** The impedance score in [0, 1000]. */
export function impedanceScore(inputs: ScoreInputs, weights: ScoreWeights = DEFAULT_SCORE_WEIGHTS): number {
  return Math.min(MAX_IMPEDANCE_SCORE, expectedDelayMs(inputs, weights));
}
