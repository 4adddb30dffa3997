import type { ActorRef, ActorRefData, AskOptions } from './actor-ref.js';
import { formatRef } from './actor-ref.js';
import { AskEnvelope } from './envelope.js';
import { AskTimeoutError, SystemTerminatedError, messageTypeOf } from './errors.js';
import { RingQueue } from './ring-queue.js';
import { removeWaitEdge } from './wait-for-graph.js';
import type { WaitEdge, WaitForGraph, WaitList } from './wait-for-graph.js';

/**
 * Ask: request-reply on top of tell. Each ask makes a temporary reply ref (path
 * `/temp/ask-N`, N a counter, so two pending asks can never share an id), wraps the
 * message in an AskEnvelope so that a drop or a failure rejects the promise at once
 * instead of waiting for the timeout, and registers its deadline.
 * Guarantees: the promise settles exactly once; replies after settlement are dead letters;
 * `terminate()` rejects what is still pending.
 *
 * Deadlines: asks with the same timeout expire in the order they were made, so each
 * distinct timeout has one FIFO of pending asks and one Node timer for its head, instead
 * of a timer per ask (a `setTimeout` + `clearTimeout` pair cost more than the rest of an
 * ask together; see docs/performance.md, fan-out).
 *
 * Deadlocks: an ask made inside an actor's handler is an edge of the system's wait-for
 * graph while pending (a link into a list, unlinked as it settles); the cell decides
 * whether it blocks and looks for cycles (docs/adr/0008).
 */

/** What ask needs of the system. */
export interface AskHost {
  readonly name: string;
  readonly node: string;
  readonly askTimeoutMs: number;
  readonly captureAskStacks: boolean;
  readonly terminated: boolean;
  readonly askDeadlines: AskDeadlines;
  nextAskId(): number;
  /** Reports a reply that arrived after the ask settled. */
  lateReply(ref: ActorRef<unknown>, message: unknown): void;
  /**
   * The wait-for graph of asks made inside actors (deadlock detection, docs/adr/0008); null
   * when detection is off. Its `current` is the actor whose code runs now.
   */
  readonly waitFor: WaitForGraph<object, PromiseRef<unknown>> | null;
  /** Told when each ask settles (latency metrics); null while nobody listens, so an unobserved ask pays one field read. */
  readonly askListener: AskListener | null;
}

/**
 * Told once per ask as it settles: milliseconds from the ask to its settlement, and whether
 * a reply came (false: timeout, drop, failure, termination).
 */
export type AskListener = (latencyMs: number, replied: boolean) => void;

/** The temporary ref an ask hands to the target as `replyTo`. */
export class PromiseRef<R> implements ActorRef<R>, WaitEdge<PromiseRef<unknown>> {
  settled = false;
  /** performance.now() at which the ask times out. */
  deadline = 0;
  /** What the timeout error names (kept as fields, not a closure: one allocation less per ask). */
  target: ActorRef<any> | null = null;
  message: unknown = undefined;
  timeoutMs = 0;
  callSite: Error | undefined = undefined;
  /** The deadline lane this ask waits in. */
  lane: DeadlineLane | null = null;
  /** performance.now() when the ask was made, set only while an ask listener is registered (else 0). */
  startedAt = 0;
  /** While this ask is an edge of the wait-for graph: the asking actor's list of them, and the neighbours in it. */
  list: WaitList<PromiseRef<unknown>> | null = null;
  prev: PromiseRef<unknown> | null = null;
  next: PromiseRef<unknown> | null = null;

  constructor(
    private readonly host: AskHost,
    private readonly id: number,
    private readonly resolve: (value: R) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  /** `/temp/ask-N`, made on demand (most asks never need it as a string). */
  get path(): string {
    return '/temp/ask-' + this.id;
  }

  /** The AskTimeoutError for this ask, with the caller's stack when it was captured. */
  timeoutError(): AskTimeoutError {
    const error = new AskTimeoutError(this.target!.path, messageTypeOf(this.message), this.timeoutMs);
    const stack = this.callSite?.stack;
    if (stack) error.stack = `${error.name}: ${error.message}\n${stack.split('\n').slice(1).join('\n')}`;
    return error;
  }

  get systemName(): string {
    return this.host.name;
  }
  get node(): string {
    return this.host.node;
  }

  tell(message: R): void {
    if (this.settled) {
      this.host.lateReply(this as PromiseRef<unknown>, message);
      return;
    }
    this.settle();
    if (this.startedAt !== 0) this.tellListener(true);
    this.resolve(message);
  }

  /** Rejects the ask (message dropped, actor failed, timeout, system terminated). */
  fail(error: Error): void {
    if (this.settled) return;
    this.settle();
    if (this.startedAt !== 0) this.tellListener(false);
    this.reject(error);
  }

  /** Reports this ask's latency (the listener may have been removed since the ask was made). */
  private tellListener(replied: boolean): void {
    const listener = this.host.askListener;
    if (listener !== null) listener(performance.now() - this.startedAt, replied);
  }

  private settle(): void {
    this.settled = true;
    this.message = undefined; // the ask may wait in its deadline queue a while: hold nothing
    if (this.list !== null) removeWaitEdge(this as PromiseRef<unknown>); // no longer a wait
    const lane = this.lane;
    if (lane !== null) {
      this.lane = null;
      lane.settled();
    }
  }

  ask<R2>(build: (replyTo: ActorRef<R2>) => R): Promise<R2> {
    // A reply ref is not an actor: asking it would never be answered.
    return Promise.reject(new TypeError(`cannot ask the temporary reply ref '${this.path}' (message '${messageTypeOf(build)}')`));
  }

  toString(): string {
    return formatRef(this.toJSON());
  }

  toJSON(): ActorRefData {
    return { path: this.path, system: this.host.name, node: this.host.node };
  }
}

/** Above this many lanes (distinct timeouts), a lane that empties is dropped. */
const MAX_IDLE_LANES = 64;

/** The asks made with one timeout, in deadline order, and the one timer for the earliest. */
export class DeadlineLane {
  constructor(
    private readonly lanes: Map<number, DeadlineLane>,
    private readonly timeoutMs: number,
  ) {}
  readonly pending = new RingQueue<PromiseRef<unknown>>();
  timer: NodeJS.Timeout | null = null;
  /** Asks in `pending` not settled yet. At zero the timer goes: nothing keeps the process alive for nothing. */
  live = 0;

  /** Called by an ask of this lane as it settles. */
  settled(): void {
    if (--this.live > 0) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    while (this.pending.size > 0) this.pending.shift();
    // The lane itself stays: dropping and rebuilding it per burst made V8 throw away the
    // optimized ask path (deopt "weak objects", fan-out rounds 18 -> 41 ms). Only when many
    // distinct timeouts pile up do idle lanes go.
    if (this.lanes.size > MAX_IDLE_LANES) this.lanes.delete(this.timeoutMs);
  }
}

/** The pending asks of one system, by timeout; one Node timer per distinct timeout. */
export class AskDeadlines {
  private readonly queues = new Map<number, DeadlineLane>();

  add(ref: PromiseRef<unknown>, timeoutMs: number): void {
    ref.deadline = performance.now() + timeoutMs;
    let lane = this.queues.get(timeoutMs);
    if (lane === undefined) {
      lane = new DeadlineLane(this.queues, timeoutMs);
      this.queues.set(timeoutMs, lane);
    }
    // Settled asks at the head go now, so a fast request-reply loop keeps the queue short.
    const pending = lane.pending;
    while (pending.size > 0 && pending.peek()!.settled) pending.shift();
    pending.push(ref);
    ref.lane = lane;
    lane.live++;
    if (lane.timer === null) lane.timer = setTimeout(() => this.expire(timeoutMs), timeoutMs);
  }

  /** Rejects every pending ask (system terminated) and stops the timers. */
  failAll(error: () => Error): void {
    for (const lane of this.queues.values()) {
      if (lane.timer !== null) clearTimeout(lane.timer);
      let ref: PromiseRef<unknown> | undefined;
      while ((ref = lane.pending.shift()) !== undefined) if (!ref.settled) ref.fail(error());
    }
    this.queues.clear();
  }

  private expire(timeoutMs: number): void {
    const lane = this.queues.get(timeoutMs);
    if (lane === undefined) return;
    lane.timer = null;
    const now = performance.now();
    const pending = lane.pending;
    while (pending.size > 0) {
      const head = pending.peek()!;
      if (!head.settled && head.deadline > now) {
        lane.timer = setTimeout(() => this.expire(timeoutMs), Math.max(1, head.deadline - now));
        return;
      }
      pending.shift();
      if (!head.settled) head.fail(head.timeoutError());
    }
  }
}

/**
 * Sends `build(replyTo)` to `target` through `deliver` and waits for the reply.
 * `deliver` hands the envelope to the target's mailbox (or to dead letters).
 */
export function ask<M, R>(
  host: AskHost,
  target: ActorRef<M>,
  deliver: (envelope: AskEnvelope) => void,
  build: (replyTo: ActorRef<R>) => M,
  options: AskOptions | undefined,
): Promise<R> {
  const timeoutMs = options?.timeoutMs ?? host.askTimeoutMs;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
    return Promise.reject(new RangeError(`ask options.timeoutMs must be a positive finite number (got ${String(timeoutMs)})`));
  }
  if (host.terminated) return Promise.reject(new SystemTerminatedError(host.name));
  // The caller's stack, taken now: a timeout fires from a timer, whose own stack says nothing.
  const callSite = host.captureAskStacks ? new Error('ask') : undefined;
  return new Promise<R>((resolve, reject) => {
    const reply = new PromiseRef<R>(host, host.nextAskId(), resolve, reject);
    // Only when observed (latency metrics): an unobserved ask pays this one field read.
    if (host.askListener !== null) reply.startedAt = performance.now();
    let message: M;
    try {
      message = build(reply);
    } catch (error) {
      reply.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    reply.target = target;
    reply.message = message;
    reply.timeoutMs = timeoutMs;
    reply.callSite = callSite;
    host.askDeadlines.add(reply as PromiseRef<unknown>, timeoutMs);
    // Asked from inside an actor: an edge asker -> target while pending. Before deliver: a
    // drop fails the ask at once, and its settlement must find the edge to remove.
    const waitFor = host.waitFor;
    if (waitFor !== null && waitFor.current !== null) waitFor.add(waitFor.current, reply as PromiseRef<unknown>);
    deliver(new AskEnvelope(message, reply));
  });
}
