import type { ActorRef } from './actor-ref.js';

/**
 * Death watch: `ctx.watch(ref)` asks to hear when `ref` stops. The watched actor keeps a
 * set of its watchers and, as the last thing it does when it stops, tells each of them.
 * The watcher then gets a `Terminated` message in its mailbox, unless it unwatched first.
 * Watching an actor that is already gone yields `Terminated` at once.
 */
export class Terminated {
  readonly type = 'Terminated' as const;
  constructor(
    /** The actor that stopped. */
    readonly ref: ActorRef<unknown>,
  ) {}
}
