/**
 * The supervision layer's errors: named classes that keep the offending values.
 */

/** A supervisor restarted more than `maxRestarts` times within `withinMs`: it gives up and escalates. */
export class RestartIntensityExceededError extends Error {
  constructor(
    readonly supervisor: string,
    readonly maxRestarts: number,
    readonly withinMs: number,
    options?: ErrorOptions,
  ) {
    super(`supervisor '${supervisor}' exceeded its restart intensity (${maxRestarts} restarts within ${withinMs} ms) and gives up`, options);
    this.name = 'RestartIntensityExceededError';
  }
}

/** A message to an actor behind an open circuit breaker. */
export class CircuitOpenError extends Error {
  constructor(
    readonly breaker: string,
    readonly target: string,
    readonly state: string,
  ) {
    super(`circuit '${breaker}' is ${state}: message to '${target}' refused`);
    this.name = 'CircuitOpenError';
  }
}
