import type { ActorRef, ActorRefData, AskOptions } from './actor-ref.js';
import { formatRef } from './actor-ref.js';
import type { ActorCell } from './actor-cell.js';
import { ask } from './ask.js';

/**
 * The ref of an actor in this process: an address plus a direct line to its cell, so a
 * tell is one method call and one push. It stays valid after the actor stops (messages
 * then become dead letters), like any address of someone who moved away.
 */
export class LocalActorRef<M> implements ActorRef<M> {
  /** @internal */
  constructor(readonly cell: ActorCell<M>) {}

  get path(): string {
    return this.cell.path;
  }
  get systemName(): string {
    return this.cell.host.name;
  }
  get node(): string {
    return this.cell.host.node;
  }

  tell(message: M): void {
    this.cell.deliver(message);
  }

  ask<R>(build: (replyTo: ActorRef<R>) => M, options?: AskOptions): Promise<R> {
    const cell = this.cell;
    return ask(cell.host, this, (envelope) => cell.deliver(envelope), build, options);
  }

  toString(): string {
    return formatRef(this.toJSON());
  }

  toJSON(): ActorRefData {
    return { path: this.cell.path, system: this.cell.host.name, node: this.cell.host.node };
  }
}
