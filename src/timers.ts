import { TimerEnvelope } from './envelope.js';

/**
 * Timers: keyed timers that send a message to their actor.
 * One key, one timer: starting a timer under a key that is in use replaces it, and a
 * message from a replaced or cancelled timer is never delivered, even if it was already
 * in the mailbox (each message carries its timer's generation; the cell checks it).
 * All timers stop when the actor stops or restarts.
 */
export interface Timers<M> {
  /** Sends `message` once after `delayMs`. Replaces a timer with the same key. */
  startSingleTimer(key: unknown, message: M, delayMs: number): void;
  /** Sends `message` every `intervalMs`. Replaces a timer with the same key. */
  startPeriodicTimer(key: unknown, message: M, intervalMs: number): void;
  /** True while a timer with this key is active. */
  isTimerActive(key: unknown): boolean;
  /** Cancels the timer with this key; its pending message, if queued, is not delivered. */
  cancel(key: unknown): void;
  /** Cancels every timer of this actor. */
  cancelAll(): void;
}

interface TimerEntry {
  readonly handle: NodeJS.Timeout;
  readonly generation: number;
  readonly periodic: boolean;
}

/** @internal The per-actor timer table. `deliver` puts an envelope into the actor's mailbox. */
export class TimerScheduler<M> implements Timers<M> {
  private readonly entries = new Map<unknown, TimerEntry>();
  private generation = 0;

  constructor(
    private readonly deliver: (envelope: TimerEnvelope) => void,
    private readonly where: string,
  ) {}

  startSingleTimer(key: unknown, message: M, delayMs: number): void {
    this.start(key, message, delayMs, false);
  }

  startPeriodicTimer(key: unknown, message: M, intervalMs: number): void {
    this.start(key, message, intervalMs, true);
  }

  isTimerActive(key: unknown): boolean {
    return this.entries.has(key);
  }

  cancel(key: unknown): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    (entry.periodic ? clearInterval : clearTimeout)(entry.handle);
    this.entries.delete(key);
  }

  cancelAll(): void {
    for (const key of [...this.entries.keys()]) this.cancel(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Called by the cell for each timer envelope it takes from the mailbox: true when the
   * message is still wanted (its timer is current). A single timer is done once delivered.
   */
  accept(envelope: TimerEnvelope): boolean {
    const entry = this.entries.get(envelope.key);
    if (entry === undefined || entry.generation !== envelope.generation) return false;
    if (!entry.periodic) this.entries.delete(envelope.key);
    return true;
  }

  private start(key: unknown, message: M, ms: number, periodic: boolean): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`${this.where}: timer '${String(key)}' needs a finite delay >= 0 ms (got ${String(ms)})`);
    }
    this.cancel(key);
    const generation = ++this.generation;
    const fire = (): void => this.deliver(new TimerEnvelope(message, key, generation));
    const handle = periodic ? setInterval(fire, Math.max(1, ms)) : setTimeout(fire, ms);
    this.entries.set(key, { handle, generation, periodic });
  }
}
