import type { ActorRef, ActorRefData, AskOptions } from './actor-ref.js';
import { formatRef } from './actor-ref.js';
import { AskEnvelope } from './envelope.js';
import { AskTimeoutError, SystemTerminatedError, messageTypeOf } from './errors.js';

/**
 * Ask: request-reply on top of tell. Each ask makes a temporary reply ref (path
 * `/temp/ask-N`, N a counter, so two pending asks can never share an id), wraps the
 * message in an AskEnvelope so that a drop or a failure rejects the promise at once
 * instead of waiting for the timeout, and arms one timer.
 * Guarantees: the promise settles exactly once; the timer is always cleared; replies after
 * settlement are dead letters.
 */

/** What ask needs of the system. */
export interface AskHost {
  readonly name: string;
  readonly node: string;
  readonly askTimeoutMs: number;
  readonly captureAskStacks: boolean;
  readonly terminated: boolean;
  /** Pending asks, so terminate() can reject them instead of leaving them to time out. */
  readonly pendingAsks: Set<PromiseRef<unknown>>;
  nextAskId(): number;
  /** Reports a reply that arrived after the ask settled. */
  lateReply(ref: ActorRef<unknown>, message: unknown): void;
}

/** The temporary ref an ask hands to the target as `replyTo`. */
export class PromiseRef<R> implements ActorRef<R> {
  settled = false;
  timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly host: AskHost,
    readonly path: string,
    private readonly resolve: (value: R) => void,
    private readonly reject: (error: Error) => void,
  ) {}

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
    this.resolve(message);
  }

  /** Rejects the ask (message dropped, actor failed, timeout, system terminated). */
  fail(error: Error): void {
    if (this.settled) return;
    this.settle();
    this.reject(error);
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

  private settle(): void {
    this.settled = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.host.pendingAsks.delete(this as PromiseRef<unknown>);
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
    const reply = new PromiseRef<R>(host, '/temp/ask-' + host.nextAskId(), resolve, reject);
    let message: M;
    try {
      message = build(reply);
    } catch (error) {
      reply.fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    host.pendingAsks.add(reply as PromiseRef<unknown>);
    reply.timer = setTimeout(() => {
      const error = new AskTimeoutError(target.path, messageTypeOf(message), timeoutMs);
      if (callSite?.stack) error.stack = `${error.name}: ${error.message}\n${callSite.stack.split('\n').slice(1).join('\n')}`;
      reply.fail(error);
    }, timeoutMs);
    deliver(new AskEnvelope(message, reply));
  });
}
