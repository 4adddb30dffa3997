import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WorldConfigError } from '../../src/index.js';
import type { WorldProblem } from '../../src/index.js';

/** Shared by the world tests: the problems of a world that must not build, and random small worlds and reachability operations. */

/** The problems of a world that must not build. */
export function problemsOf(fn: () => unknown): readonly WorldProblem[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof WorldConfigError, `expected WorldConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected a WorldConfigError');
}

/** Credential names the random worlds gate edges with. */
export const NAMES = ['k1', 'k2', 'k3'] as const;

/** Up to 10 entities and 30 gated, weighted edges (endpoints taken modulo the entity count). */
export const smallWorld = fc.record({
  n: fc.integer({ min: 1, max: 10 }),
  edges: fc.array(fc.record({ from: fc.nat(9), to: fc.nat(9), distance: fc.integer({ min: 1, max: 4 }), requires: fc.subarray([...NAMES]) }), { maxLength: 30 }),
});

/** Moves (anywhere, or along the k-th edge), gains and revokes. */
export const reachOps = [
  fc.record({ op: fc.constant('move' as const), to: fc.nat(9) }),
  fc.record({ op: fc.constant('step' as const), pick: fc.nat(20) }),
  fc.record({ op: fc.constant('gain' as const), name: fc.constantFrom(...NAMES) }),
  fc.record({ op: fc.constant('revoke' as const), name: fc.constantFrom(...NAMES) }),
] as const;
