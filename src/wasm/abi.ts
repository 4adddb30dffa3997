/**
 * The contract between a WebAssembly micro-agent (AssemblyScript, asm/) and its host (issue 8).
 *
 * Why this shape: one wasm instance per actor does not scale (V8 refused new instances past
 * about 13,000 in one process here), so agents keep their state in their actor and a few
 * instances, one per worker thread, serve all of them. A call carries a BATCH of decisions
 * so throughput does not pay a thread hop per decision. Decisions are fixed-width rows of
 * f64 in linear memory: no strings, no allocation, no glue code, and the same bytes mean the
 * same thing to the wasm build and to its JavaScript twin.
 *
 * A micro-agent module (compiled with `asc --runtime stub --bindings raw --importMemory`)
 * exports:
 *   inWidth(): i32        f64 values per input row
 *   outWidth(): i32       f64 values per output row
 *   capacity(): i32       most rows per call
 *   inputPtr(): usize     byte offset of the input rows (capacity * inWidth f64)
 *   outputPtr(): usize    byte offset of the output rows (capacity * outWidth f64)
 *   run(count: i32): i32  decides rows [0, count): reads inputs, writes outputs; returns count
 * and imports
 *   env.memory            a WebAssembly.Memory the host creates per instance; its `maximum`
 *                         is the memory limit (growth beyond fails: WasmLimitError)
 *   env.abort(msg, file, line, column)   AssemblyScript's abort (a trap for the host)
 * The metered build (NAME.fuel.wasm) also exports a mutable global `fuel` (i64 counted down
 * at every function entry and loop iteration; the module traps when it goes below zero): the
 * host sets it before a call and reads it after (FuelExhaustedError).
 *
 * Each micro-agent has a JavaScript twin with IDENTICAL results (`MicroAgentDescriptor.js`)
 * used when WebAssembly cannot load or ACTORMESH_WASM=off, and by the property tests.
 */

/** How one input column is checked before it crosses into wasm. */
export interface ColumnSpec {
  /** Name in errors ("routing: input row 3, column score2: ..."). */
  readonly name: string;
  /** Smallest allowed value (inclusive). */
  readonly min: number;
  /** Largest allowed value (inclusive). */
  readonly max: number;
  /** True when only integers are allowed (flags, codes, counts). */
  readonly integer?: boolean;
}

/** A micro-agent as the host knows it. */
export interface MicroAgentDescriptor {
  /** Module name: asm/NAME.ts builds to NAME.wasm and NAME.fuel.wasm. */
  readonly name: string;
  /** What it decides (docs, errors). */
  readonly description: string;
  readonly inWidth: number;
  readonly outWidth: number;
  /** Most rows per call (the size of the static input/output areas). */
  readonly capacity: number;
  /** One spec per input column (length inWidth). */
  readonly columns: readonly ColumnSpec[];
  /** Names of the output columns (length outWidth). */
  readonly outputs: readonly string[];
  /**
   * The JavaScript twin: decides `count` rows of `input` (count * inWidth values) into
   * `output` (count * outWidth values), bit-for-bit what the wasm build writes.
   */
  readonly js: (input: Float64Array, output: Float64Array, count: number) => void;
}

/** The exports of an instantiated micro-agent module. */
export interface MicroAgentExports {
  readonly inWidth: () => number;
  readonly outWidth: () => number;
  readonly capacity: () => number;
  readonly inputPtr: () => number;
  readonly outputPtr: () => number;
  readonly run: (count: number) => number;
  /** Only in the metered build. */
  readonly fuel?: { value: bigint };
}

/** WebAssembly pages are 64 KiB. */
export const WASM_PAGE_BYTES = 65_536;
