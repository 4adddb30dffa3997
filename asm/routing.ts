// Micro-agent `routing` (issue 8; ABI: src/wasm/abi.ts). One row per routing decision over up
// to 8 candidates (unused slots: capable 0):
//   input  8 slots x [capable 0/1, routable 0/1, score, tieRank]   (32 columns)
//          tieRank: the candidate's rank by agentId (smaller id, smaller rank)
//   output [index of the chosen slot or -1, its score or -1]
// The rule of routeInCluster (actors/impedance/routing.ts): among the capable and routable
// candidates the lowest score; equal scores go to the smaller tieRank (agentId); on equal
// tieRank as well the earlier slot stays. JavaScript twin: src/wasm/agents/routing.ts.
// Capacity 4096 rows: the input area is 4096 x 32 x 8 B = 1 MiB (16 pages), acceptable for
// one instance per worker.

const SLOTS: i32 = 8;
const SLOT_WIDTH: i32 = 4;
const IN_WIDTH: i32 = SLOTS * SLOT_WIDTH;
const OUT_WIDTH: i32 = 2;
const CAPACITY: i32 = 4096;

const INPUT: usize = memory.data(CAPACITY * IN_WIDTH * 8, 8);
const OUTPUT: usize = memory.data(CAPACITY * OUT_WIDTH * 8, 8);

export function inWidth(): i32 { return IN_WIDTH; }
export function outWidth(): i32 { return OUT_WIDTH; }
export function capacity(): i32 { return CAPACITY; }
export function inputPtr(): usize { return INPUT; }
export function outputPtr(): usize { return OUTPUT; }

export function run(count: i32): i32 {
  if (count < 0 || count > CAPACITY) abort('routing: count out of range');
  for (let i = 0; i < count; i++) {
    const row = INPUT + <usize>i * <usize>(IN_WIDTH << 3);
    let best: i32 = -1;
    let bestScore: f64 = -1;
    let bestRank: f64 = 0;
    for (let s = 0; s < SLOTS; s++) {
      const slot = row + <usize>(s * (SLOT_WIDTH << 3));
      if (load<f64>(slot, 0) == 0 || load<f64>(slot, 8) == 0) continue;
      const score = load<f64>(slot, 16);
      const rank = load<f64>(slot, 24);
      if (best < 0 || score < bestScore || (score == bestScore && rank < bestRank)) {
        best = s;
        bestScore = score;
        bestRank = rank;
      }
    }
    const out = OUTPUT + <usize>i * <usize>(OUT_WIDTH << 3);
    store<f64>(out, <f64>best, 0);
    store<f64>(out, bestScore, 8);
  }
  return count;
}
