import { RingQueue } from './ring-queue.js';

/**
 * Mailbox: FIFO for user messages plus a separate lane for system messages.
 * The dispatcher is the only consumer, and it always empties the system lane first, so a
 * stop, watch or failure report overtakes any backlog of user messages.
 * Guarantees: enqueueing never throws. When a bounded mailbox is full the overflow policy
 * decides, and the actor cell turns whatever is dropped into a dead letter: nothing
 * disappears silently. On stop the remaining user messages go to dead letters, in order.
 */

/** What a full bounded mailbox does with one more message. */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest' | 'reject';

/** Mailbox settings, per actor (given at spawn). */
export interface MailboxOptions {
  /** Most user messages held at once; `Infinity` (the default) means unbounded. */
  readonly capacity?: number;
  /**
   * What happens to a message that arrives when full. `drop-newest` (default) drops the
   * arriving message, `drop-oldest` drops the head to make room, `reject` drops the
   * arriving message and fails an asking sender with `MailboxFullError` at once.
   */
  readonly overflow?: OverflowPolicy;
}

export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['drop-newest', 'drop-oldest', 'reject'];

/** Checks mailbox options at the boundary and fills in defaults. */
export function resolveMailboxOptions(options: MailboxOptions | undefined, where: string): Required<MailboxOptions> {
  const capacity = options?.capacity ?? Infinity;
  const overflow = options?.overflow ?? 'drop-newest';
  if (capacity !== Infinity && (!Number.isInteger(capacity) || capacity < 1 || capacity >= UNBOUNDED)) {
    throw new RangeError(`${where}.mailbox.capacity must be a positive integer or Infinity (got ${String(capacity)})`);
  }
  if (!OVERFLOW_POLICIES.includes(overflow)) {
    throw new TypeError(`${where}.mailbox.overflow must be one of ${OVERFLOW_POLICIES.join(', ')} (got ${String(overflow)})`);
  }
  return { capacity, overflow };
}

/**
 * The capacity of an unbounded mailbox. A small integer rather than Infinity: V8 keeps a
 * double-valued field in a separate heap box per object, a small integer inline (16 bytes
 * less per actor, measured with the spawn benchmark).
 */
export const UNBOUNDED = 0x3fffffff;

/**
 * The actor cell extends this class rather than owning a Mailbox object: one object less
 * per actor (about 40 bytes of header and pointer, measured with the spawn benchmark).
 */
export abstract class Mailbox<S> extends RingQueue<unknown> {
  /** System messages; allocated on first use because most actors never get one. */
  systemLane: RingQueue<S> | null = null;
  /** Most user messages held; UNBOUNDED when unbounded. */
  readonly capacity: number;

  constructor(options: MailboxOptions | undefined, where: string) {
    super();
    this.capacity = options === undefined ? UNBOUNDED : Math.min(UNBOUNDED, resolveMailboxOptions(options, where).capacity);
  }

  /** The overflow policy. Read only when full, so the owner derives it from its options instead of storing it. */
  abstract get overflow(): OverflowPolicy;

  /** True when a bounded mailbox cannot take one more user message. */
  get full(): boolean {
    return this.size >= this.capacity;
  }

  pushSystem(message: S): void {
    (this.systemLane ??= new RingQueue<S>()).push(message);
  }

  /** Takes the oldest system message, or undefined. Drops the lane when it empties. */
  shiftSystem(): S | undefined {
    const system = this.systemLane;
    if (system === null) return undefined;
    const message = system.shift();
    if (system.size === 0) this.systemLane = null;
    return message;
  }
}
