import type { ActorRef } from '../../src/actor-ref.js';
import type { ActorSystem } from '../../src/system.js';
import type { MicroAgentDescriptor } from '../../src/wasm/abi.js';
import { wasmHostOf } from '../wasm-agent.js';
import type { Decided, WasmAgentStats } from '../wasm-agent.js';

/**
 * The main job's WebAssembly phase (issue 8): every wasm agent of the mesh decides one batch
 * of rows through its micro-agent, so a run over a tree with wasm agents shows that the
 * decisions run (and where: WebAssembly in worker threads, or the JavaScript twins).
 * Rows are drawn from the seed within each input column's declared range.
 */

/** What the phase did. */
export interface WasmPhaseSummary {
  readonly agents: number;
  readonly decisions: number;
  /** Agents whose batch failed (a trap or a limit: their supervisors handle them). */
  readonly failed: number;
  readonly ms: number;
  /** Where the micro-agents ran: 'wasm' (worker threads) or 'js' (the twins, after a fallback). */
  readonly mode: 'wasm' | 'js';
}

/** Rows per agent in the phase's batch. */
export const WASM_PHASE_ROWS = 16;

/** A valid row for `descriptor`, drawn with `next` (values in [0, 1)). */
export function sampleRow(descriptor: MicroAgentDescriptor, next: () => number): number[] {
  return descriptor.columns.map((c) => {
    // Unbounded columns are sampled in a span a mesh sees (up to 10,000 above the minimum).
    const hi = Math.min(c.max, c.min + 10_000);
    const v = c.min + next() * (hi - c.min);
    return c.integer === true ? Math.min(c.max, Math.floor(v)) : v;
  });
}

/** Runs the phase over `agents` (the wasm agents' refs); undefined when there are none. */
export async function runWasmPhase(system: ActorSystem, agents: readonly ActorRef<unknown>[], next: () => number, timeoutMs: number): Promise<WasmPhaseSummary | undefined> {
  if (agents.length === 0) return undefined;
  const host = wasmHostOf(system);
  const t0 = performance.now();
  const outcomes = await Promise.all(
    agents.map(async (ref) => {
      try {
        const { module } = await ref.ask<{ module: string }>((replyTo) => ({ type: 'wasm-stats', replyTo }) satisfies WasmAgentStats, { timeoutMs });
        const descriptor = host.descriptor(module)!;
        const rows = Array.from({ length: WASM_PHASE_ROWS }, () => sampleRow(descriptor, next));
        const decided = await ref.ask<Decided>((replyTo) => ({ type: 'decide', rows, replyTo }), { timeoutMs });
        return decided.outputs.length;
      } catch {
        return undefined;
      }
    }),
  );
  const ms = Math.round(performance.now() - t0);
  const runner = await host.runner();
  return {
    agents: agents.length,
    decisions: outcomes.reduce<number>((sum, n) => sum + (n ?? 0), 0),
    failed: outcomes.filter((n) => n === undefined).length,
    ms,
    mode: runner.mode,
  };
}
