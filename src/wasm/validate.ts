/**
 * Checks made in the main thread before anything crosses into a worker (issue 8): the
 * descriptors themselves, each batch (count, length, every value against its column's spec)
 * and the limits of a call. Refusing here gives an error naming the agent, row, column and
 * value, instead of a trap (or, worse, a silently wrong decision) inside wasm.
 */
import type { MicroAgentDescriptor } from './abi.js';
import { WasmInputError } from './errors.js';

/** Limits of one call; unset fields come from the agent's defaults, then the runner's. */
export interface CallLimits {
  /** Wall-clock milliseconds for the task (queue wait included); `Infinity` for none. */
  readonly timeoutMs?: number;
  /** Fuel per decision (metered build); the task's budget is fuel * count. Unset: unmetered. */
  readonly fuel?: number;
  /** Most 64 KiB pages the instance's memory may grow to. */
  readonly maxMemoryPages?: number;
}

/** Limits with every field decided (fuel stays optional: unset means the unmetered build). */
export interface ResolvedLimits {
  readonly timeoutMs: number;
  readonly fuel: number | undefined;
  readonly maxMemoryPages: number;
}

/** WebAssembly's ceiling for a 32-bit memory. */
const MAX_PAGES = 65_536;

/** Throws unless `descriptor` is self-consistent (widths match the column lists, capacity >= 1). */
export function validateDescriptor(descriptor: MicroAgentDescriptor): void {
  const name = typeof descriptor?.name === 'string' && descriptor.name !== '' ? descriptor.name : '(unnamed)';
  const fail = (reason: string): never => {
    throw new WasmInputError(name, `bad descriptor: ${reason}`);
  };
  if (name === '(unnamed)') fail('name must be a non-empty string');
  for (const field of ['inWidth', 'outWidth', 'capacity'] as const) {
    const value = descriptor[field];
    if (!Number.isInteger(value) || value < 1) fail(`${field} must be an integer >= 1, got ${String(value)}`);
  }
  if (!Array.isArray(descriptor.columns) || descriptor.columns.length !== descriptor.inWidth) {
    fail(`columns has ${descriptor.columns?.length} specs for inWidth ${descriptor.inWidth}`);
  }
  if (!Array.isArray(descriptor.outputs) || descriptor.outputs.length !== descriptor.outWidth) {
    fail(`outputs has ${descriptor.outputs?.length} names for outWidth ${descriptor.outWidth}`);
  }
  for (const column of descriptor.columns) {
    if (!(column.min <= column.max)) fail(`column ${column.name}: min ${column.min} > max ${column.max}`);
  }
  if (typeof descriptor.js !== 'function') fail('js (the JavaScript twin) must be a function');
}

/** A batch check for one descriptor, with the column specs laid out for a tight loop. */
export type BatchValidator = (input: unknown, count: unknown) => void;

/**
 * Builds the batch check of `descriptor`: `count` an integer in 1..`maxCount`, `input` a
 * Float64Array of exactly count * inWidth values, each finite, within [min, max] of its
 * column and an integer where the column says so. Rows are numbered from 0.
 */
export function batchValidator(descriptor: MicroAgentDescriptor, maxCount: number): BatchValidator {
  const { name, inWidth } = descriptor;
  const mins = Float64Array.from(descriptor.columns, (c) => c.min);
  const maxs = Float64Array.from(descriptor.columns, (c) => c.max);
  const ints = Uint8Array.from(descriptor.columns, (c) => (c.integer === true ? 1 : 0));
  return (input, count) => {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > maxCount) {
      throw new WasmInputError(name, `count must be an integer from 1 to ${maxCount}, got ${String(count)}`);
    }
    if (!(input instanceof Float64Array)) {
      throw new WasmInputError(name, `input must be a Float64Array, got ${input === null ? 'null' : typeof input === 'object' ? input.constructor?.name ?? 'object' : typeof input}`);
    }
    const expected = count * inWidth;
    if (input.length !== expected) {
      throw new WasmInputError(name, `input has ${input.length} values; ${count} rows of ${inWidth} need exactly ${expected}`);
    }
    for (let row = 0, i = 0; row < count; row++) {
      for (let col = 0; col < inWidth; col++, i++) {
        const v = input[i]!;
        // The range comparisons also refuse NaN (every comparison with NaN is false).
        if (v >= mins[col]! && v <= maxs[col]! && Number.isFinite(v) && (ints[col] === 0 || Number.isInteger(v))) continue;
        const spec = descriptor.columns[col]!;
        const reason = Number.isNaN(v)
          ? 'NaN is not allowed'
          : !Number.isFinite(v)
            ? `${v} is not finite`
            : v < spec.min || v > spec.max
              ? `${v} is outside [${spec.min}, ${spec.max}]`
              : `${v} is not an integer`;
        throw new WasmInputError(name, reason, row, spec.name, v);
      }
    }
  };
}

/**
 * Merges `call` over `agent` over `fallback` and checks the result: timeoutMs > 0 (Infinity
 * allowed), fuel a safe integer >= 1 whose budget for `count` rows stays safe, maxMemoryPages
 * an integer from `minPages` to 65536.
 */
export function resolveLimits(
  name: string,
  count: number,
  minPages: number,
  fallback: Required<Omit<CallLimits, 'fuel'>> & CallLimits,
  agent: CallLimits | undefined,
  call: CallLimits | undefined,
): ResolvedLimits {
  const timeoutMs = call?.timeoutMs ?? agent?.timeoutMs ?? fallback.timeoutMs;
  const fuel = call?.fuel ?? agent?.fuel ?? fallback.fuel;
  const maxMemoryPages = call?.maxMemoryPages ?? agent?.maxMemoryPages ?? Math.max(fallback.maxMemoryPages, minPages);
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw new WasmInputError(name, `limits.timeoutMs must be a number > 0 (Infinity for none), got ${String(timeoutMs)}`);
  }
  if (fuel !== undefined && (!Number.isSafeInteger(fuel) || fuel < 1 || !Number.isSafeInteger(fuel * count))) {
    throw new WasmInputError(name, `limits.fuel must be an integer >= 1 per decision with fuel * count (${count}) a safe integer, got ${String(fuel)}`);
  }
  if (!Number.isInteger(maxMemoryPages) || maxMemoryPages < minPages || maxMemoryPages > MAX_PAGES) {
    throw new WasmInputError(name, `limits.maxMemoryPages must be an integer from ${minPages} (the module's minimum) to ${MAX_PAGES}, got ${String(maxMemoryPages)}`);
  }
  return { timeoutMs, fuel, maxMemoryPages };
}

/** True when `value` looks like a `MicroAgentDescriptor` (a name, widths and a JS twin). */
function isDescriptor(value: unknown): value is MicroAgentDescriptor {
  if (typeof value !== 'object' || value === null) return false;
  const d = value as Partial<MicroAgentDescriptor>;
  return typeof d.name === 'string' && typeof d.js === 'function' && typeof d.inWidth === 'number' && typeof d.outWidth === 'number';
}

/**
 * Collects the descriptors a module exports, by name: exports that are descriptors, arrays of
 * descriptors, or records of descriptors (one level deep). This is how a worker finds the JS
 * twin of an agent it only knows by name: a function cannot cross threads, a module URL can.
 */
export function collectDescriptors(namespace: Record<string, unknown>, into = new Map<string, MicroAgentDescriptor>()): Map<string, MicroAgentDescriptor> {
  for (const value of Object.values(namespace)) {
    if (isDescriptor(value)) {
      into.set(value.name, value);
    } else if (Array.isArray(value)) {
      for (const item of value) if (isDescriptor(item)) into.set(item.name, item);
    } else if (typeof value === 'object' && value !== null) {
      for (const item of Object.values(value)) if (isDescriptor(item)) into.set(item.name, item);
    }
  }
  return into;
}
