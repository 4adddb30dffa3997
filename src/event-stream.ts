import { Observable, Subject } from 'rxjs';
import type { RuntimeEvent } from './events.js';

/**
 * EventStream: the hub behind `system.events$`.
 * Costs nothing when nobody listens: publishers check `active` (one boolean read) before
 * they build an event object, the way gen_server skips `sys` debug when no option is on.
 * A subscriber that throws does not break the runtime: RxJS reports the error
 * asynchronously (its `onUnhandledError`) and the publisher goes on.
 */
export class EventStream {
  private readonly subject = new Subject<RuntimeEvent>();
  /** The public, read-only side. */
  readonly events$: Observable<RuntimeEvent> = this.subject.asObservable();

  /** True when at least one subscriber listens; publishers skip building events otherwise. */
  get active(): boolean {
    return this.subject.observed;
  }

  /** Publishes one event. Check `active` first when the event is costly to build. */
  publish(event: RuntimeEvent): void {
    if (this.subject.observed) this.subject.next(event);
  }

  /** Completes the stream (system terminated). */
  complete(): void {
    this.subject.complete();
  }
}
