/**
 * The failures of a WebAssembly micro-agent call (issue 8). Each names the agent and what was
 * wrong or exceeded, keeps the numbers as fields, and is a named class so an actor's
 * supervisor (or a caller) can branch on `instanceof`: a limit or a trap is an actor failure,
 * never a crashed process.
 */

/** What a `WasmLimitError` ran into. */
export type WasmLimitKind = 'memory' | 'time';

/** Base of every micro-agent failure: `agent` is the micro-agent's name. */
export class WasmAgentError extends Error {
  constructor(
    readonly agent: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'WasmAgentError';
  }
}

/**
 * Input refused in the main thread before it crossed into a worker: unknown agent, bad count,
 * wrong length, a value that is not finite, out of its column's range or not an integer, or
 * bad limits. `row`/`column`/`value` are set when one value is to blame.
 */
export class WasmInputError extends WasmAgentError {
  constructor(
    agent: string,
    readonly reason: string,
    readonly row?: number,
    readonly column?: string,
    readonly value?: number,
  ) {
    const where = row === undefined ? '' : `input row ${row}${column === undefined ? '' : `, column ${column}`}: `;
    super(agent, `${agent}: ${where}${reason}`);
    this.name = 'WasmInputError';
  }
}

/**
 * A call exceeded its memory (the module tried to grow its memory beyond `maxMemoryPages`) or
 * its time (`timeoutMs`; the call was aborted and its worker replaced).
 */
export class WasmLimitError extends WasmAgentError {
  constructor(
    agent: string,
    readonly kind: WasmLimitKind,
    /** The limit: pages for 'memory', milliseconds for 'time'. */
    readonly limit: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    const what = kind === 'memory' ? `memory limit of ${limit} pages (${limit * 64} KiB)` : `time limit of ${limit} ms`;
    super(agent, `${agent}: exceeded its ${what}: ${detail}`, options);
    this.name = 'WasmLimitError';
  }
}

/** The metered build spent its fuel (instruction budget) before the batch was decided. */
export class FuelExhaustedError extends WasmAgentError {
  constructor(
    agent: string,
    /** Fuel per decision. */
    readonly fuelPerDecision: number,
    /** Rows in the batch; the task's budget was fuelPerDecision * count. */
    readonly count: number,
  ) {
    super(agent, `${agent}: fuel exhausted: the budget of ${fuelPerDecision} per decision (${fuelPerDecision * count} for ${count} rows) was spent`);
    this.name = 'FuelExhaustedError';
  }
}

/** The module trapped (unreachable, out-of-bounds access, abort ...) or its JS twin threw. */
export class WasmTrapError extends WasmAgentError {
  constructor(
    agent: string,
    /** The trap's own message (WebAssembly's, the module's abort message, or the twin's error). */
    readonly wasmMessage: string,
  ) {
    super(agent, `${agent}: trapped: ${wasmMessage}`);
    this.name = 'WasmTrapError';
  }
}

/** `mode: 'wasm'` was asked for but the modules could not be read, compiled or checked. */
export class WasmLoadError extends Error {
  constructor(
    readonly wasmDir: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot load the WebAssembly micro-agents from '${wasmDir}': ${reason}`, options);
    this.name = 'WasmLoadError';
  }
}

/**
 * A built module disagrees with its descriptor (exports, widths, capacity): a stale or wrong
 * build, fixed by rebuilding (`node asm/build.mjs`), so `open` fails instead of falling back.
 */
export class WasmModuleMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WasmModuleMismatchError';
  }
}

/** A call on a runner that was closed (or was closing while the call waited). */
export class WasmRunnerClosedError extends WasmAgentError {
  constructor(agent: string) {
    super(agent, `${agent}: the WebAssembly runner is closed`);
    this.name = 'WasmRunnerClosedError';
  }
}
