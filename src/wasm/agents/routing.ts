import type { MicroAgentDescriptor } from '../abi.js';
import { MAX_IMPEDANCE_SCORE } from '../../../actors/impedance/score.js';

/**
 * Micro-agent `routing` (issue 8): a batch of routing decisions, each over up to
 * ROUTING_SLOTS candidates (unused slots: capable 0).
 *
 *   input  ROUTING_SLOTS x [capable 0/1, routable 0/1, score, tieRank]
 *          tieRank: the candidate's rank by agentId (smaller id, smaller rank)
 *   output [index of the chosen slot or -1, its score or -1]
 *
 * The rule of routeInCluster (actors/impedance/routing.ts): among the capable and routable
 * candidates the lowest score; equal scores go to the smaller tieRank, i.e. the smaller
 * agentId; on an equal tieRank too (ids are unique, so only for malformed rows) the earlier
 * slot stays, as in asm/routing.ts.
 */

/** Candidates per row. */
export const ROUTING_SLOTS = 8;
/** Columns per candidate. */
export const ROUTING_SLOT_WIDTH = 4;

/** The JavaScript twin of asm/routing.ts. */
export function routingRows(input: Float64Array, output: Float64Array, count: number): void {
  const width = ROUTING_SLOTS * ROUTING_SLOT_WIDTH;
  for (let i = 0; i < count; i++) {
    const row = i * width;
    let best = -1;
    let bestScore = -1;
    let bestRank = 0;
    for (let s = 0; s < ROUTING_SLOTS; s++) {
      const slot = row + s * ROUTING_SLOT_WIDTH;
      if (input[slot] === 0 || input[slot + 1] === 0) continue;
      const score = input[slot + 2]!;
      const rank = input[slot + 3]!;
      if (best < 0 || score < bestScore || (score === bestScore && rank < bestRank)) {
        best = s;
        bestScore = score;
        bestRank = rank;
      }
    }
    output[i * 2] = best;
    output[i * 2 + 1] = bestScore;
  }
}

function slotColumns(): { name: string; min: number; max: number; integer?: boolean }[] {
  const columns = [];
  for (let s = 0; s < ROUTING_SLOTS; s++) {
    columns.push(
      { name: `capable${s}`, min: 0, max: 1, integer: true },
      { name: `routable${s}`, min: 0, max: 1, integer: true },
      { name: `score${s}`, min: 0, max: MAX_IMPEDANCE_SCORE },
      { name: `tieRank${s}`, min: 0, max: Number.MAX_SAFE_INTEGER, integer: true },
    );
  }
  return columns;
}

/** The `routing` micro-agent as the host knows it. */
export const ROUTING_AGENT: MicroAgentDescriptor = Object.freeze({
  name: 'routing',
  description: `the lowest-score capable and routable candidate of ${ROUTING_SLOTS} (ties by agentId rank)`,
  inWidth: ROUTING_SLOTS * ROUTING_SLOT_WIDTH,
  outWidth: 2,
  capacity: 4096,
  columns: Object.freeze(slotColumns()),
  outputs: Object.freeze(['slot', 'score']),
  js: routingRows,
});
