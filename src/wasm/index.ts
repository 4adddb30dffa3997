/**
 * WebAssembly micro-agents (issue 8): the ABI, the runner on worker threads with its limits
 * and JS fallback, and its errors. The worker (worker.ts) is internal: the runner starts it.
 */
export { WASM_PAGE_BYTES } from './abi.js';
export type { ColumnSpec, MicroAgentDescriptor, MicroAgentExports } from './abi.js';
export { WasmRunner, DEFAULT_CALL_LIMITS } from './runner.js';
export type {
  WasmEventSink,
  WasmRunnerOptions,
  WasmRunnerStats,
  WasmRunnerEvent,
  WasmFallbackEvent,
  WasmLimitEvent,
  WasmTrapEvent,
  WasmWorkerReplacedEvent,
} from './runner.js';
export type { CallLimits } from './validate.js';
export {
  WasmAgentError,
  WasmInputError,
  WasmLimitError,
  FuelExhaustedError,
  WasmTrapError,
  WasmLoadError,
  WasmModuleMismatchError,
  WasmRunnerClosedError,
} from './errors.js';
export type { WasmLimitKind } from './errors.js';
