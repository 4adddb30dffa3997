import type { ActorRef, ActorRefData, AskOptions, ForeignDeathTarget, ForeignRef } from '../actor-ref.js';
import { formatRef } from '../actor-ref.js';

/** What a remote ref needs of its node's remoting layer. */
export interface RemoteRefHost {
  readonly systemName: string;
  tell(target: RemoteRef<unknown>, message: unknown): void;
  ask<R>(target: RemoteRef<unknown>, build: (replyTo: ActorRef<R>) => unknown, options: AskOptions | undefined): Promise<R>;
  watch(target: RemoteRef<unknown>, watcher: ForeignDeathTarget): void;
  unwatch(target: RemoteRef<unknown>, watcher: ForeignDeathTarget): void;
}

/**
 * A ref to an actor on another node of the cluster: the same `tell`, `ask` and `watch` as a
 * local one (location transparency). A tell is encoded and batched for the node at once (the
 * message is copied: later changes to it are not seen there); an ask keeps its timeout here;
 * a watch ends in `Terminated` when the actor stops or its node is declared dead.
 */
export class RemoteRef<M = unknown> implements ForeignRef<M> {
  readonly foreign = true as const;

  constructor(
    private readonly host: RemoteRefHost,
    readonly node: string,
    readonly path: string,
  ) {}

  get systemName(): string {
    return this.host.systemName;
  }

  tell(message: M): void {
    this.host.tell(this as RemoteRef<unknown>, message);
  }

  ask<R>(build: (replyTo: ActorRef<R>) => M, options?: AskOptions): Promise<R> {
    return this.host.ask<R>(this as RemoteRef<unknown>, build, options);
  }

  watchFor(target: ForeignDeathTarget): void {
    this.host.watch(this as RemoteRef<unknown>, target);
  }

  unwatchFor(target: ForeignDeathTarget): void {
    this.host.unwatch(this as RemoteRef<unknown>, target);
  }

  toString(): string {
    return formatRef(this.toJSON());
  }

  toJSON(): ActorRefData {
    return { path: this.path, system: this.host.systemName, node: this.node };
  }
}
