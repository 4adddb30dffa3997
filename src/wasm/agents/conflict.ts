import type { MicroAgentDescriptor } from '../abi.js';
import { CONFLICT_TYPES, type ConflictType } from '../../../actors/protocol/conflicts.js';

/**
 * Micro-agent `conflict` (issue 8): a batch of conflicts classified at once.
 *
 *   input  [typeCode (index into CONFLICT_TYPES), divergenceDepth, affectsAgentCount]
 *   output [priority 0-4, escalation: 0 none, 1 sector coordinator, 2 sector + orchestrator]
 *
 * classifyConflictPriority and escalationTargets (actors/protocol/conflicts.ts) over codes.
 * The codes are positions in CONFLICT_TYPES, the same numbering as asm/conflict.ts.
 */

/** The code of a conflict type (its index in CONFLICT_TYPES). */
export function conflictTypeCode(type: ConflictType): number {
  const code = CONFLICT_TYPES.indexOf(type);
  if (code < 0) throw new RangeError(`conflict: unknown conflict type ${JSON.stringify(type)}; expected one of ${CONFLICT_TYPES.join(', ')}`);
  return code;
}

const CONTEXT_DIVERGENCE = conflictTypeCode('CONTEXT_DIVERGENCE');
const DATA_CONTRADICTION = conflictTypeCode('DATA_CONTRADICTION');
const TEMPORAL_PARADOX = conflictTypeCode('TEMPORAL_PARADOX');
const CAPABILITY_MISMATCH = conflictTypeCode('CAPABILITY_MISMATCH');
const HASH_MISMATCH = conflictTypeCode('HASH_MISMATCH');

function priorityOf(code: number, divergenceDepth: number, affectsAgentCount: number): number {
  switch (code) {
    case CONTEXT_DIVERGENCE:
      return divergenceDepth > 10 ? 3 : 2;
    case DATA_CONTRADICTION:
      return affectsAgentCount > 100 ? 3 : 2;
    case TEMPORAL_PARADOX:
    case HASH_MISMATCH:
      return 4;
    case CAPABILITY_MISMATCH:
      return 1;
    default:
      return 2; // OTHER
  }
}

/** The JavaScript twin of asm/conflict.ts. */
export function conflictRows(input: Float64Array, output: Float64Array, count: number): void {
  for (let i = 0; i < count; i++) {
    const r = i * 3;
    const priority = priorityOf(input[r]!, input[r + 1]!, input[r + 2]!);
    output[i * 2] = priority;
    output[i * 2 + 1] = priority >= 4 ? 2 : priority >= 3 ? 1 : 0;
  }
}

/** The `conflict` micro-agent as the host knows it. */
export const CONFLICT_AGENT: MicroAgentDescriptor = Object.freeze({
  name: 'conflict',
  description: 'priority (0-4) and escalation of reported conflicts',
  inWidth: 3,
  outWidth: 2,
  capacity: 4096,
  columns: Object.freeze([
    { name: 'typeCode', min: 0, max: CONFLICT_TYPES.length - 1, integer: true },
    { name: 'divergenceDepth', min: 0, max: 1e9 },
    { name: 'affectsAgentCount', min: 0, max: 1e9, integer: true },
  ]),
  outputs: Object.freeze(['priority', 'escalation']),
  js: conflictRows,
});
