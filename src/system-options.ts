import type { Logger } from 'pino';
import type { SupervisorStrategy } from './supervision.js';
import { defaultStrategy } from './supervision.js';

/**
 * Options of `ActorSystem.create`. Defaults live in one frozen object (SYSTEM_DEFAULTS)
 * and every field is checked before anything is built; a bad value throws TypeError or
 * RangeError naming the option and the value received.
 */
export interface ActorSystemOptions {
  /** System name, part of every ref URI. Default `actormesh`. */
  readonly name?: string;
  /** Node (process) name, part of every ref URI. Default `local`. */
  readonly node?: string;
  /** Messages an actor handles per turn before others get theirs. Default 100. */
  readonly throughput?: number;
  /** Milliseconds of work after which the dispatcher yields to the event loop. Default 5. */
  readonly timeSliceMs?: number;
  /** Default `ask` timeout in milliseconds. Default 5000. */
  readonly askTimeoutMs?: number;
  /**
   * Record the caller's stack at each ask, so an AskTimeoutError points at the asking line.
   * Default false: taking a stack made an ask about 8x slower (fan-out benchmark); turn it
   * on while hunting a timeout.
   */
  readonly captureAskStacks?: boolean;
  /**
   * Fail asks that wait on each other in a cycle at once with DeadlockError (docs/adr/0008).
   * Default false (opt-in) for now: with it on, the 30k main job's calibration scatter-gather
   * came back empty in about 1 run of 8 (no DeadlockError was raised; the interaction with the
   * gather's timing is not understood yet), while 16 of 16 runs with it off were whole. Cost while on: an ask made inside an actor's handler links itself into and
   * out of its asker's list of waits (pointer writes, one Map lookup), a handler that returns
   * a promise after asking runs one search over the targets it waits on (one Map lookup per
   * target that waits on nothing), an ask from outside any actor pays one field read, and
   * each dispatcher turn two field writes (which actor runs). Measured on a loaded 2-CPU
   * machine, on vs off in the quietest runs: fan-out asks ~10-20% slower per round,
   * ping-pong (tells) ~15-20% slower per round trip (noisy; see docs/adr/0008). Set false to
   * make asks plain again (one field read left).
   */
  readonly deadlockDetection?: boolean;
  /** pino level for the system logger. Default `info`. Ignored when `logger` is given. */
  readonly logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** A pino logger to use instead of making one. */
  readonly logger?: Logger;
  /** How `/user` supervises top-level actors. Default: restart the failed one. */
  readonly guardianSupervision?: SupervisorStrategy;
  /** Interval of `metrics$` samples in milliseconds. Default 1000. */
  readonly metricsIntervalMs?: number;
}

export type ResolvedSystemOptions = Required<Omit<ActorSystemOptions, 'logger'>> & { readonly logger: Logger | undefined };

export const SYSTEM_DEFAULTS: Readonly<ResolvedSystemOptions> = Object.freeze({
  name: 'actormesh',
  node: 'local',
  throughput: 100,
  timeSliceMs: 5,
  askTimeoutMs: 5000,
  captureAskStacks: false,
  deadlockDetection: false,
  logLevel: 'info',
  logger: undefined,
  guardianSupervision: defaultStrategy,
  metricsIntervalMs: 1000,
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const SYSTEM_NAME = /^[A-Za-z0-9][A-Za-z0-9\-_.]*$/;

function positive(name: string, value: unknown, integer: boolean): void {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`options.${name} must be a number (got ${String(value)})`);
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`options.${name} must be a positive ${integer ? 'integer' : 'finite number'} (got ${value})`);
  }
}

/** Lays `options` over the defaults after checking every field. */
export function resolveSystemOptions(options: ActorSystemOptions): ResolvedSystemOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object (got ${String(options)})`);
  const known = new Set(Object.keys(SYSTEM_DEFAULTS));
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new TypeError(`options.${key} is not an ActorSystem option (known: ${[...known].join(', ')})`);
  }
  const resolved = { ...SYSTEM_DEFAULTS, ...options } as ResolvedSystemOptions;
  for (const name of ['name', 'node'] as const) {
    const value = resolved[name];
    if (typeof value !== 'string' || !SYSTEM_NAME.test(value)) {
      throw new TypeError(`options.${name} must be letters, digits and -_. starting with a letter or digit (got '${String(value)}')`);
    }
  }
  positive('throughput', resolved.throughput, true);
  positive('timeSliceMs', resolved.timeSliceMs, false);
  positive('askTimeoutMs', resolved.askTimeoutMs, false);
  positive('metricsIntervalMs', resolved.metricsIntervalMs, false);
  if (typeof resolved.captureAskStacks !== 'boolean') throw new TypeError(`options.captureAskStacks must be a boolean (got ${String(resolved.captureAskStacks)})`);
  if (typeof resolved.deadlockDetection !== 'boolean') throw new TypeError(`options.deadlockDetection must be a boolean (got ${String(resolved.deadlockDetection)})`);
  if (!LOG_LEVELS.includes(resolved.logLevel)) throw new TypeError(`options.logLevel must be one of ${LOG_LEVELS.join(', ')} (got '${String(resolved.logLevel)}')`);
  if (typeof resolved.guardianSupervision?.onFailure !== 'function') {
    throw new TypeError('options.guardianSupervision must be a SupervisorStrategy (an object with onFailure)');
  }
  return resolved;
}
