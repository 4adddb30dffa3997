/**
 * The impedance modules' errors: named classes that keep the offending values, so a
 * caller (or a supervisor) can tell what was wrong without parsing the message.
 */

/** An option given at a boundary (a constructor, a pure function) is out of its range. */
export class InvalidImpedanceOptionError extends Error {
  constructor(
    /** The option's name as the caller spelled it, e.g. `capacity` or `classes.A_EDGE.latencyMs.min`. */
    readonly option: string,
    /** The value that was refused. */
    readonly value: unknown,
    /** What the option must be, e.g. `an integer >= 1`. */
    readonly expected: string,
  ) {
    super(`impedance option '${option}' must be ${expected}, got ${formatValue(value)}`);
    this.name = 'InvalidImpedanceOptionError';
  }
}

/** A class name that is not one of A_EDGE ... F_HUMAN. */
export class UnknownImpedanceClassError extends Error {
  constructor(readonly impedanceClass: unknown) {
    super(`unknown impedance class ${formatValue(impedanceClass)} (expected one of A_EDGE, B_SERVERLESS, C_PERSISTENT, D_GPU, E_LOCAL, F_HUMAN)`);
    this.name = 'UnknownImpedanceClassError';
  }
}

/** An aggregate was asked of agents or clusters that do not belong to it. */
export class AggregationMismatchError extends Error {
  constructor(
    /** `cluster` or `sector`. */
    readonly level: 'cluster' | 'sector',
    /** The id the aggregate is for. */
    readonly expectedId: string,
    /** The member whose id does not match. */
    readonly memberId: string,
    /** The id that member carries. */
    readonly actualId: string,
  ) {
    super(`cannot aggregate '${memberId}' into ${level} '${expectedId}': it belongs to ${level} '${actualId}'`);
    this.name = 'AggregationMismatchError';
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
