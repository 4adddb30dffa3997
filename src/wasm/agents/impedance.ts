import type { MicroAgentDescriptor } from '../abi.js';
import { DEFAULT_SCORE_WEIGHTS, MAX_IMPEDANCE_SCORE } from '../../../actors/impedance/score.js';

/**
 * Micro-agent `impedance` (issue 8): a batch of agent snapshots scored at once.
 *
 *   input  [latencyMs, processingMs, queueDepth, latencyStdDevMs, reliability, payloadWeight,
 *           driftCoefficient, heartbeatAgeMs (-1: never measured)]
 *   output [expectedDelayMs, impedanceScore, confidence]
 *
 * The same numbers as actors/impedance/score.ts (`expectedDelayMs`, `impedanceScore`, default
 * weights) and actors/protocol/schedule.ts (`predictionConfidence`, recentMs 10 000), computed
 * with the same operations in the same order as there and as asm/impedance.ts, so all three
 * agree bit for bit (test/wasm/micro-agents.test.ts). Re-implemented rather than called so
 * that a row costs no object and no re-validation: the host validates with `columns`.
 * A heartbeat age below 0 means "never measured" (the actors/ functions' null).
 */

/** predictionConfidence's `recentMs` default: a heartbeat at most this old is recent. */
export const IMPEDANCE_RECENT_MS = 10_000;

const W = DEFAULT_SCORE_WEIGHTS;
/** Largest accepted time, count or weight: keeps every product finite. */
const LARGE = 1e9;

/** The JavaScript twin of asm/impedance.ts. */
export function impedanceRows(input: Float64Array, output: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const r = i * 8;
    const latency = input[r]!;
    const processing = input[r + 1]!;
    const queue = input[r + 2]!;
    const drift = input[r + 3]!;
    const reliability = input[r + 4]!;
    const payload = input[r + 5]!;
    const driftCoefficient = input[r + 6]!;
    const heartbeatAge = input[r + 7]!;
    const delay = W.latency * latency + W.processing * processing * (1 + W.payload * payload) * (1 + W.queue * queue) + W.drift * drift;
    const expected = delay / Math.max(reliability, W.reliabilityFloor);
    const recent = heartbeatAge >= 0 && heartbeatAge <= IMPEDANCE_RECENT_MS;
    const o = i * 3;
    output[o] = expected;
    output[o + 1] = Math.min(MAX_IMPEDANCE_SCORE, expected);
    output[o + 2] = Math.min(1, Math.max(0, reliability * 0.5 - driftCoefficient * 0.3 + (recent ? 0.2 : 0)));
  }
}

/** The `impedance` micro-agent as the host knows it. */
export const IMPEDANCE_AGENT: MicroAgentDescriptor = Object.freeze({
  name: 'impedance',
  description: 'expected delay, impedance score (0-1000) and prediction confidence of agent snapshots',
  inWidth: 8,
  outWidth: 3,
  capacity: 4096,
  columns: Object.freeze([
    { name: 'latencyMs', min: 0, max: LARGE },
    { name: 'processingMs', min: 0, max: LARGE },
    { name: 'queueDepth', min: 0, max: LARGE },
    { name: 'latencyStdDevMs', min: 0, max: LARGE },
    { name: 'reliability', min: 0, max: 1 },
    { name: 'payloadWeight', min: 0, max: LARGE },
    { name: 'driftCoefficient', min: 0, max: LARGE },
    { name: 'heartbeatAgeMs', min: -1, max: 1e15 },
  ]),
  outputs: Object.freeze(['expectedDelayMs', 'impedanceScore', 'confidence']),
  js: impedanceRows,
});
