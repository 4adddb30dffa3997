/**
 * Exponential backoff with jitter, as a value. The n-th consecutive restart of a child
 * waits min(maxMs, minMs * factor^n), spread by +- jitter. With minMs 100, factor 2,
 * maxMs 3000 and no jitter the waits are 100, 200, 400, 800, 1600, 3000, 3000 ... ms.
 */
export interface BackoffOptions {
  /** First delay in milliseconds. */
  readonly minMs: number;
  /** Largest delay in milliseconds. */
  readonly maxMs: number;
  /** Growth per consecutive restart. Default 2. */
  readonly factor?: number;
  /** Random spread, 0..1: 0.2 means +-20%. Default 0.2. */
  readonly jitter?: number;
}

/** Checks backoff options, naming `where` in errors. */
export function resolveBackoff(options: BackoffOptions, where: string): Required<BackoffOptions> {
  const { minMs, maxMs, factor = 2, jitter = 0.2 } = options;
  if (!(Number.isFinite(minMs) && minMs >= 0)) throw new RangeError(`${where}.minMs must be a finite number >= 0 (got ${String(minMs)})`);
  if (!(Number.isFinite(maxMs) && maxMs >= minMs)) throw new RangeError(`${where}.maxMs must be a finite number >= minMs (got ${String(maxMs)})`);
  if (!(Number.isFinite(factor) && factor >= 1)) throw new RangeError(`${where}.factor must be a number >= 1 (got ${String(factor)})`);
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`${where}.jitter must be between 0 and 1 (got ${String(jitter)})`);
  return { minMs, maxMs, factor, jitter };
}

/** The delay before the restart numbered `attempt` (0 for the first), with `random` in [0, 1). */
export function backoffDelay(options: Required<BackoffOptions>, attempt: number, random: number): number {
  const base = Math.min(options.maxMs, options.minMs * Math.pow(options.factor, attempt));
  const spread = 1 + options.jitter * (2 * random - 1);
  return Math.max(0, Math.min(options.maxMs, base * spread));
}
