/** Argument checks shared by the journals: a bad argument is a TypeError/RangeError naming it. */

/** Throws TypeError unless `id` is a non-empty string. */
export function checkPersistenceId(id: unknown, where: string): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new TypeError(`${where}: persistenceId must be a non-empty string, got ${JSON.stringify(id) ?? String(id)}`);
  }
}

/** Throws RangeError unless `value` is an integer >= 0 (sequence numbers). */
export function checkSequenceNr(value: unknown, name: string, where: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${where}: ${name} must be an integer >= 0, got ${String(value)}`);
  }
}

/** Like checkSequenceNr but also accepts Infinity (an open upper bound for replay). */
export function checkUpperBound(value: unknown, name: string, where: string): asserts value is number {
  if (value === Number.POSITIVE_INFINITY) return;
  checkSequenceNr(value, name, where);
}

/** Throws TypeError unless `events` is an array. */
export function checkEvents(events: unknown, where: string): asserts events is readonly unknown[] {
  if (!Array.isArray(events)) throw new TypeError(`${where}: events must be an array, got ${typeof events}`);
}

/** Throws TypeError unless `writerId` is a non-empty string. */
export function checkWriterId(writerId: unknown, where: string): asserts writerId is string {
  if (typeof writerId !== 'string' || writerId.length === 0) {
    throw new TypeError(`${where}: writerId must be a non-empty string, got ${JSON.stringify(writerId) ?? String(writerId)}`);
  }
}
