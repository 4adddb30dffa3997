import type { ActorRef, ActorSystem, DeadLetterEvent } from '../src/index.js';

/**
 * QuarantineStore: where the mail of an actor that kept failing goes to wait.
 * A strategy given a store (`quarantine: store`) stops a child that exceeds its restart
 * intensity instead of escalating, and the store keeps the message that failed and every
 * message still queued for it (captured from the dead letters its stop produces). An
 * operator inspects `entries()` and calls `heal(path)` to replay them, in order, to the
 * actor now at that path (respawned) or to any ref.
 */
export interface QuarantineEntry {
  readonly path: string;
  readonly reason: string;
  readonly since: number;
  /** The failing message first, then the queued ones in mailbox order. */
  readonly messages: unknown[];
  /** False until the actor has stopped and its mailbox has been captured. */
  sealed: boolean;
}

export class QuarantineStore {
  private readonly held = new Map<string, QuarantineEntry>();
  private readonly unsubscribe: () => void;

  constructor(private readonly system: ActorSystem) {
    const subscription = system.events$.subscribe((event) => {
      const entry = this.held.get(event.path);
      if (entry === undefined || entry.sealed) return;
      if (event.type === 'dead-letter' && (event as DeadLetterEvent).reason === 'recipient-stopped') entry.messages.push((event as DeadLetterEvent).message);
      else if (event.type === 'actor-stopped') entry.sealed = true;
    });
    this.unsubscribe = () => subscription.unsubscribe();
  }

  /** Starts holding the mail of `path` (call before the actor is stopped). */
  quarantine(path: string, reason: string, failedMessage?: unknown): QuarantineEntry {
    const entry: QuarantineEntry = { path, reason, since: Date.now(), messages: failedMessage === undefined ? [] : [failedMessage], sealed: false };
    this.held.set(path, entry);
    this.system.publish({ type: 'actor-quarantined', timestamp: entry.since, path, reason });
    return entry;
  }

  /** Every quarantined actor, oldest first. */
  entries(): QuarantineEntry[] {
    return [...this.held.values()];
  }

  get(path: string): QuarantineEntry | undefined {
    return this.held.get(path);
  }

  /**
   * Replays the held messages, in order, to `target` (default: the live actor at the same
   * path) and forgets the entry. Returns how many were replayed. Throws if there is no
   * such entry or no live target.
   */
  heal(path: string, target?: ActorRef<any>): number {
    const entry = this.held.get(path);
    if (entry === undefined) throw new TypeError(`nothing is quarantined at '${path}'`);
    const to = target ?? this.system.lookup(path);
    if (to === undefined) throw new TypeError(`cannot heal '${path}': no live actor there (respawn it, or pass a target ref)`);
    this.held.delete(path);
    for (const message of entry.messages) to.tell(message);
    this.system.publish({ type: 'actor-healed', timestamp: Date.now(), path, replayed: entry.messages.length, to: to.path });
    return entry.messages.length;
  }

  dispose(): void {
    this.unsubscribe();
  }
}
