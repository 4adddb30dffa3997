import type { ActorRef, ActorRefData } from './actor-ref.js';
import { formatRef } from './actor-ref.js';
import { ActorTerminatedError, messageTypeOf } from './errors.js';
import type { DeadLetterReason } from './events.js';

/** What a dead-letter ref needs of its system. */
interface DeadLetterHost {
  readonly name: string;
  readonly node: string;
  deadLetter(recipient: { readonly path: string }, message: unknown, reason: DeadLetterReason, error: unknown, wasAsk: boolean): void;
}

/**
 * A ref that leads nowhere: `system.deadLetters`, or a resolved path with no live actor.
 * Every message sent to it is a dead letter event; an ask is rejected at once.
 */
export class DeadLetterRef<M = unknown> implements ActorRef<M> {
  constructor(
    private readonly host: DeadLetterHost,
    readonly path: string,
    private readonly reason: DeadLetterReason,
  ) {}

  get systemName(): string {
    return this.host.name;
  }
  get node(): string {
    return this.host.node;
  }

  tell(message: M): void {
    this.host.deadLetter(this, message, this.reason, undefined, false);
  }

  ask<R>(build: (replyTo: ActorRef<R>) => M): Promise<R> {
    let type = 'unknown';
    try {
      const message = build(this as unknown as ActorRef<R>);
      type = messageTypeOf(message);
      this.host.deadLetter(this, message, this.reason, undefined, true);
    } catch (error) {
      return Promise.reject(error);
    }
    return Promise.reject(new ActorTerminatedError(this.path, type));
  }

  toString(): string {
    return formatRef(this.toJSON());
  }

  toJSON(): ActorRefData {
    return { path: this.path, system: this.host.name, node: this.host.node };
  }
}
