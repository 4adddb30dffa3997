import { InvalidImpedanceOptionError, UnknownImpedanceClassError } from './errors.js';
import { finiteAtLeast, positive } from './validate.js';

/**
 * The MESH-30K impedance classes (MESH-30K part 2.2) and their typical figures.
 *
 *   class          latency (2.2)            base processing (3.1)   processing cap (2.2)
 *   A_EDGE         5-20 ms                  10 ms                   50 ms (the CPU cap)
 *   B_SERVERLESS   50-150 ms                50 ms                   5 s ("seconds of compute")
 *   C_PERSISTENT   100-300 ms               200 ms                  5 min ("minutes of compute")
 *   D_GPU          200-500 ms               100 ms                  1 min
 *   E_LOCAL        20-1000 ms (*)           150 ms                  10 s
 *   F_HUMAN        1 s - 1 h ("seconds to   60 s ("1 minute         1 h
 *                  hours")                  minimum for human")
 *
 * (*) the document says only "variable (depends on network)" for E_LOCAL, and gives no
 * caps for B..F beyond the words quoted; the figures marked or unquoted are this module's
 * choice and every one of them can be overridden per class (see ProcessingModel).
 *
 * `behavesAs` says which class an agent currently behaves as from its measured medians.
 * The latency ranges overlap (C 100-300 ms, D 200-500 ms), so latency alone cannot tell;
 * processing can (D's base is 100 ms, C's 200 ms). The rule: among A_EDGE, B_SERVERLESS,
 * C_PERSISTENT, D_GPU and F_HUMAN whose processing cap admits the median processing time
 * (F_HUMAN when none does), the one nearest in log space,
 *   distance = d(latency, the class's latency range)^2 + ln(processing / base)^2
 * where d is 0 inside the range and the log distance to the nearer end outside it; ties
 * go to the faster class. E_LOCAL is never inferred: its latency is "variable", it is a
 * deployment fact, declared.
 */

export const IMPEDANCE_CLASSES = ['A_EDGE', 'B_SERVERLESS', 'C_PERSISTENT', 'D_GPU', 'E_LOCAL', 'F_HUMAN'] as const;

export type ImpedanceClass = (typeof IMPEDANCE_CLASSES)[number];

/** A closed range of milliseconds. */
export interface MsRange {
  readonly min: number;
  readonly max: number;
}

/** The figures of one class. */
export interface ClassProfile {
  /** Typical network latency (round trip), in ms. */
  readonly latencyMs: MsRange;
  /** Processing of a standard payload: `base` ms (part 3.1), never more than `max` ms. */
  readonly processingMs: { readonly base: number; readonly max: number };
  /** Relative spread of processing around its expectation, in [0, 1): 0.2 means +-20 %. */
  readonly jitter: number;
  /** The document's allocation of agents to this class in a 30,000-agent mesh. */
  readonly countAllocation: number;
}

/** The document's figures, frozen. */
export const DEFAULT_CLASS_PROFILES: Readonly<Record<ImpedanceClass, ClassProfile>> = Object.freeze({
  A_EDGE: { latencyMs: { min: 5, max: 20 }, processingMs: { base: 10, max: 50 }, jitter: 0.2, countAllocation: 10_000 },
  B_SERVERLESS: { latencyMs: { min: 50, max: 150 }, processingMs: { base: 50, max: 5_000 }, jitter: 0.2, countAllocation: 8_000 },
  C_PERSISTENT: { latencyMs: { min: 100, max: 300 }, processingMs: { base: 200, max: 300_000 }, jitter: 0.2, countAllocation: 5_000 },
  D_GPU: { latencyMs: { min: 200, max: 500 }, processingMs: { base: 100, max: 60_000 }, jitter: 0.2, countAllocation: 2_000 },
  E_LOCAL: { latencyMs: { min: 20, max: 1_000 }, processingMs: { base: 150, max: 10_000 }, jitter: 0.3, countAllocation: 3_000 },
  F_HUMAN: { latencyMs: { min: 1_000, max: 3_600_000 }, processingMs: { base: 60_000, max: 3_600_000 }, jitter: 0.5, countAllocation: 2_000 },
});

/** A partial override of one class's figures. */
export interface ClassProfileOverride {
  readonly latencyMs?: Partial<MsRange>;
  readonly processingMs?: Partial<{ readonly base: number; readonly max: number }>;
  readonly jitter?: number;
}

export type ClassProfileOverrides = Partial<Record<ImpedanceClass, ClassProfileOverride>>;

export function isImpedanceClass(value: unknown): value is ImpedanceClass {
  return typeof value === 'string' && (IMPEDANCE_CLASSES as readonly string[]).includes(value);
}

/** `value` as an ImpedanceClass, or UnknownImpedanceClassError. */
export function impedanceClass(value: unknown): ImpedanceClass {
  if (!isImpedanceClass(value)) throw new UnknownImpedanceClassError(value);
  return value;
}

/**
 * The class profiles with `overrides` applied and checked: 0 < latency min <= max,
 * 0 < processing base <= max, 0 <= jitter < 1. `option` prefixes the option names in errors.
 */
export function resolveClassProfiles(overrides: ClassProfileOverrides = {}, option = 'classes'): Readonly<Record<ImpedanceClass, ClassProfile>> {
  if (overrides === null || typeof overrides !== 'object') throw new InvalidImpedanceOptionError(option, overrides, 'an object keyed by impedance class');
  const keys = Object.keys(overrides);
  // No overrides: the shared resolved defaults (30,000 simulated agents each ask for them).
  if (keys.length === 0) return (resolvedDefaults ??= resolveClassProfilesFrom({}, option));
  for (const key of keys) impedanceClass(key);
  return resolveClassProfilesFrom(overrides, option);
}

let resolvedDefaults: Readonly<Record<ImpedanceClass, ClassProfile>> | undefined;

function resolveClassProfilesFrom(overrides: ClassProfileOverrides, option: string): Readonly<Record<ImpedanceClass, ClassProfile>> {
  const out = {} as Record<ImpedanceClass, ClassProfile>;
  for (const cls of IMPEDANCE_CLASSES) {
    const base = DEFAULT_CLASS_PROFILES[cls];
    const o = overrides[cls] ?? {};
    const name = `${option}.${cls}`;
    const latencyMin = positive(`${name}.latencyMs.min`, o.latencyMs?.min ?? base.latencyMs.min);
    const latencyMax = finiteAtLeast(`${name}.latencyMs.max`, o.latencyMs?.max ?? base.latencyMs.max, latencyMin);
    const processingBase = positive(`${name}.processingMs.base`, o.processingMs?.base ?? base.processingMs.base);
    const processingMax = finiteAtLeast(`${name}.processingMs.max`, o.processingMs?.max ?? base.processingMs.max, processingBase);
    const jitter = o.jitter ?? base.jitter;
    if (typeof jitter !== 'number' || !Number.isFinite(jitter) || jitter < 0 || jitter >= 1) throw new InvalidImpedanceOptionError(`${name}.jitter`, jitter, 'a number in [0, 1)');
    out[cls] = {
      latencyMs: { min: latencyMin, max: latencyMax },
      processingMs: { base: processingBase, max: processingMax },
      jitter,
      countAllocation: base.countAllocation,
    };
  }
  return Object.freeze(out);
}

/** The classes `behavesAs` chooses from, fastest first (E_LOCAL is declared, never inferred). */
export const BEHAVIOUR_LADDER: readonly ImpedanceClass[] = ['A_EDGE', 'B_SERVERLESS', 'C_PERSISTENT', 'D_GPU', 'F_HUMAN'];

/** Below this a median counts as this, so the logarithms stay finite (an idle agent). */
const MIN_MS = 0.001;

/** The class an agent with these median latency and processing times behaves as (see above). */
export function behavesAs(latencyP50Ms: number, processingP50Ms: number, profiles: Readonly<Record<ImpedanceClass, ClassProfile>> = DEFAULT_CLASS_PROFILES): ImpedanceClass {
  const latency = Math.log(Math.max(MIN_MS, latencyP50Ms));
  const processing = Math.log(Math.max(MIN_MS, processingP50Ms));
  const admitted = BEHAVIOUR_LADDER.filter((cls) => processingP50Ms <= profiles[cls].processingMs.max);
  let best: ImpedanceClass = 'F_HUMAN';
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const cls of admitted) {
    const p = profiles[cls];
    const lo = Math.log(p.latencyMs.min);
    const hi = Math.log(p.latencyMs.max);
    const dl = latency < lo ? lo - latency : latency > hi ? latency - hi : 0;
    const dp = processing - Math.log(p.processingMs.base);
    const distance = dl * dl + dp * dp;
    if (distance < bestDistance) {
      best = cls;
      bestDistance = distance;
    }
  }
  return best;
}
