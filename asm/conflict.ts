// Micro-agent `conflict` (issue 8; ABI: src/wasm/abi.ts). One row per reported conflict:
//   input  [typeCode (index into CONFLICT_TYPES of actors/protocol/conflicts.ts),
//           divergenceDepth, affectsAgentCount]
//   output [priority 0-4, escalation 0 none / 1 sector coordinator / 2 sector + orchestrator]
// classifyConflictPriority and escalationTargets of actors/protocol/conflicts.ts.
// JavaScript twin: src/wasm/agents/conflict.ts.

const IN_WIDTH: i32 = 3;
const OUT_WIDTH: i32 = 2;
const CAPACITY: i32 = 4096;

const INPUT: usize = memory.data(CAPACITY * IN_WIDTH * 8, 8);
const OUTPUT: usize = memory.data(CAPACITY * OUT_WIDTH * 8, 8);

// Codes: the order of CONFLICT_TYPES.
const CONTEXT_DIVERGENCE: i32 = 0;
const DATA_CONTRADICTION: i32 = 1;
const TEMPORAL_PARADOX: i32 = 2;
const CAPABILITY_MISMATCH: i32 = 3;
const HASH_MISMATCH: i32 = 4;

export function inWidth(): i32 { return IN_WIDTH; }
export function outWidth(): i32 { return OUT_WIDTH; }
export function capacity(): i32 { return CAPACITY; }
export function inputPtr(): usize { return INPUT; }
export function outputPtr(): usize { return OUTPUT; }

function priorityOf(code: i32, divergenceDepth: f64, affectsAgentCount: f64): i32 {
  switch (code) {
    case CONTEXT_DIVERGENCE: return divergenceDepth > 10 ? 3 : 2;
    case DATA_CONTRADICTION: return affectsAgentCount > 100 ? 3 : 2;
    case TEMPORAL_PARADOX:
    case HASH_MISMATCH: return 4;
    case CAPABILITY_MISMATCH: return 1;
    default: return 2; // OTHER
  }
}

export function run(count: i32): i32 {
  if (count < 0 || count > CAPACITY) abort('conflict: count out of range');
  for (let i = 0; i < count; i++) {
    const row = INPUT + <usize>i * <usize>(IN_WIDTH << 3);
    const priority = priorityOf(<i32>load<f64>(row, 0), load<f64>(row, 8), load<f64>(row, 16));
    const escalation = priority >= 4 ? 2 : priority >= 3 ? 1 : 0;
    const out = OUTPUT + <usize>i * <usize>(OUT_WIDTH << 3);
    store<f64>(out, <f64>priority, 0);
    store<f64>(out, <f64>escalation, 8);
  }
  return count;
}
