/**
 * Errors of the admission planner and the artifact leases. A bad request is refused as a
 * whole (a plan from half-valid input would hide the mistake): the error names the field
 * path (`jobs[3].priority`, `providerLanes["cloud-generation"].openai.capacity`), what was
 * expected, and the value it got, and keeps both as fields so a caller can branch on them.
 */

/** A plan request (or an artifact handed to ArtifactLeases) has a field with a bad value. */
export class AdmissionRequestError extends Error {
  constructor(
    /** Where in the request: `jobs[3].priority`, `lanes.tool.capacity`, `ready[0].key` ... */
    readonly path: string,
    /** The value found there. */
    readonly value: unknown,
    /** What was expected, e.g. 'must be an integer >= 1'. */
    readonly reason: string,
  ) {
    super(`invalid admission request: ${path} ${reason} (got ${describeValue(value)})`);
    this.name = 'AdmissionRequestError';
  }
}

/** A short, safe rendering of any value for an error message (never throws, never huge). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? value.slice(0, 77) + '...' : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') {
    try {
      const text = JSON.stringify(value);
      return text.length > 80 ? text.slice(0, 77) + '...' : text;
    } catch {
      return 'an object';
    }
  }
  return typeof value;
}

/** Renders one step of a field path: `.name` for identifiers, `["gpu-render"]` otherwise. */
export function pathKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
