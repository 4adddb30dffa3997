// Micro-agent `impedance` (issue 8; ABI: src/wasm/abi.ts). One row per agent snapshot:
//   input  [latencyMs, processingMs, queueDepth, latencyStdDevMs, reliability, payloadWeight,
//           driftCoefficient, heartbeatAgeMs (-1 = never measured)]
//   output [expectedDelayMs, impedanceScore, confidence]
// exactly actors/impedance/score.ts `expectedDelayMs` / `impedanceScore` with the default
// weights and actors/protocol/schedule.ts `predictionConfidence` (recentMs 10 000). The f64
// operations are written in the same order as there (binaryen does no fast-math), so the
// results are bit-identical to the JavaScript twin in src/wasm/agents/impedance.ts.
// Inputs are validated by the host (the twin's column specs); run() only computes.

const IN_WIDTH: i32 = 8;
const OUT_WIDTH: i32 = 3;
const CAPACITY: i32 = 4096;

const INPUT: usize = memory.data(CAPACITY * IN_WIDTH * 8, 8);
const OUTPUT: usize = memory.data(CAPACITY * OUT_WIDTH * 8, 8);

// DEFAULT_SCORE_WEIGHTS and MAX_IMPEDANCE_SCORE of actors/impedance/score.ts.
const W_LATENCY: f64 = 1;
const W_PROCESSING: f64 = 1;
const W_PAYLOAD: f64 = 0.5;
const W_QUEUE: f64 = 0.1;
const W_DRIFT: f64 = 1;
const RELIABILITY_FLOOR: f64 = 0.001;
const MAX_SCORE: f64 = 1000;
// predictionConfidence: a heartbeat at most this old counts as recent.
const RECENT_MS: f64 = 10_000;

export function inWidth(): i32 { return IN_WIDTH; }
export function outWidth(): i32 { return OUT_WIDTH; }
export function capacity(): i32 { return CAPACITY; }
export function inputPtr(): usize { return INPUT; }
export function outputPtr(): usize { return OUTPUT; }

export function run(count: i32): i32 {
  if (count < 0 || count > CAPACITY) abort('impedance: count out of range');
  for (let i = 0; i < count; i++) {
    const row = INPUT + <usize>i * <usize>(IN_WIDTH << 3);
    const latency = load<f64>(row, 0);
    const processing = load<f64>(row, 8);
    const queue = load<f64>(row, 16);
    const drift = load<f64>(row, 24);
    const reliability = load<f64>(row, 32);
    const payload = load<f64>(row, 40);
    const driftCoefficient = load<f64>(row, 48);
    const heartbeatAge = load<f64>(row, 56);

    const delay = W_LATENCY * latency + W_PROCESSING * processing * (1 + W_PAYLOAD * payload) * (1 + W_QUEUE * queue) + W_DRIFT * drift;
    const expected = delay / Math.max(reliability, RELIABILITY_FLOOR);
    const recent = heartbeatAge >= 0 && heartbeatAge <= RECENT_MS;
    const confidence = Math.min(1, Math.max(0, reliability * 0.5 - driftCoefficient * 0.3 + (recent ? 0.2 : 0)));

    const out = OUTPUT + <usize>i * <usize>(OUT_WIDTH << 3);
    store<f64>(out, expected, 0);
    store<f64>(out, Math.min(MAX_SCORE, expected), 8);
    store<f64>(out, confidence, 16);
  }
  return count;
}
