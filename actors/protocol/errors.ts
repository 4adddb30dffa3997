/**
 * Errors of the MESH-30K protocol rules. Every one names the offending value, so a caller
 * that passes bad data learns what and where without a debugger.
 *
 *   ProtocolOptionError   an option or input field is out of range: names the option
 *                         (`schedule.bucketMs`, `targets[3].confidence`) and the value
 *   DuplicateTargetError  the same target id appears twice in one schedule or gather
 *   InvalidTrinaryError   a value that is not +1, 0 or -1 where a trinary state is needed
 */

export class ProtocolOptionError extends RangeError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`${option} must be ${expected} (got ${describe(value)})`);
    this.name = 'ProtocolOptionError';
  }
}

export class DuplicateTargetError extends Error {
  constructor(
    readonly where: string,
    readonly id: string,
  ) {
    super(`${where}: target '${id}' appears more than once`);
    this.name = 'DuplicateTargetError';
  }
}

export class InvalidTrinaryError extends RangeError {
  constructor(
    readonly where: string,
    readonly value: unknown,
  ) {
    super(`${where} must be a trinary state +1 (READY), 0 (TRANSIT) or -1 (CONFLICT) (got ${describe(value)})`);
    this.name = 'InvalidTrinaryError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}

// ---- boundary checks shared by the rule files (not exported from index.ts) ----

/** A finite number >= min. */
export function checkNumber(option: string, value: unknown, min = -Infinity): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new ProtocolOptionError(option, value, min === -Infinity ? 'a finite number' : `a finite number >= ${min}`);
  }
  return value;
}

/** A finite number > 0. */
export function checkPositive(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ProtocolOptionError(option, value, 'a finite number > 0');
  return value;
}

/** A rate in [0, 1]. */
export function checkRate(option: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw new ProtocolOptionError(option, value, 'a number between 0 and 1');
  return value;
}

/** A non-empty string. */
export function checkId(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new ProtocolOptionError(option, value, 'a non-empty string');
  return value;
}
