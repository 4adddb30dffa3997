import type { ActorSystem, DeliveryGate, GateRefusal } from '../src/index.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { CircuitOpenError } from './errors.js';

/**
 * CircuitBreaker: fences off a subtree that keeps failing, so senders fail fast instead
 * of feeding it more work (MESH-30K 6.2).
 *
 *   closed --(more than maxFailures failures within windowMs)--> open
 *   open ----(resetTimeoutMs)--> half-open: up to probeLimit messages let through
 *   half-open --(successThreshold probes handled)--> closed
 *   half-open --(a failure)--> open again, with the reset timeout doubled (up to maxResetTimeoutMs)
 *
 * A breaker is a DeliveryGate: give it at spawn (`gate: breaker`) to the root of the subtree
 * it guards. While open, a tell to any actor in the subtree is a dead letter with reason
 * `circuit-open` and an ask is rejected at once with CircuitOpenError. A breaker may have a
 * parent (cluster -> sector -> global): a message passes only if every breaker up the chain
 * lets it. Failures are fed by `recordFailure` (BreakerHierarchy does it from `events$`).
 * Every change of state is a `circuit-changed` event.
 */

export type CircuitState = 'closed' | 'open' | 'half-open';

/**
 * Breakers (of any system) not in state closed. While it is 0, no breaker refuses and none
 * is probing: `refuse` and `probing`, asked on every delivery to a guarded actor (31,000
 * actors of the MESH-30K mesh, up a chain of three breakers), answer without walking the
 * chain. Kept exact by `transition`, the only place a state changes.
 */
let notClosed = 0;

/**
 * Builds an error without capturing a stack. A fast failure's stack would only show the
 * gate's own frames, and capturing it cost 10-25 us per refused ask here (restart
 * benchmark, breaker rows), against a < 5 us budget for the whole refusal.
 */
function stackless<E extends Error>(make: () => E): E {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export interface BreakerOptions {
  /** Failures within the window that the breaker tolerates; one more opens it. */
  readonly maxFailures: number;
  /** The failure-counting window in milliseconds. */
  readonly windowMs: number;
  /** How long it stays open before probing. */
  readonly resetTimeoutMs: number;
  /** Cap of the reset timeout, which doubles each time probing fails. Default 8x resetTimeoutMs. */
  readonly maxResetTimeoutMs?: number;
  /** Probes handled without failure that close it again. Default 3. */
  readonly successThreshold?: number;
  /** Messages let through while half-open. Default 10. */
  readonly probeLimit?: number;
}

export const BREAKER_DEFAULTS = Object.freeze({ maxFailures: 5, windowMs: 10_000, resetTimeoutMs: 30_000, successThreshold: 3, probeLimit: 10 });

/** Checks breaker options, naming `where` and the bad value. */
export function resolveBreakerOptions(options: Partial<BreakerOptions>, where: string): Required<BreakerOptions> {
  const merged = { ...BREAKER_DEFAULTS, ...options };
  const positiveInt = (key: keyof BreakerOptions, min: number): void => {
    const value = merged[key as keyof typeof merged] as number;
    if (!(Number.isInteger(value) && value >= min)) throw new RangeError(`${where}.${key} must be an integer >= ${min} (got ${String(value)})`);
  };
  const positiveMs = (key: keyof BreakerOptions): void => {
    const value = merged[key as keyof typeof merged] as number;
    if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${where}.${key} must be a positive number of milliseconds (got ${String(value)})`);
  };
  positiveInt('maxFailures', 0);
  positiveMs('windowMs');
  positiveMs('resetTimeoutMs');
  positiveInt('successThreshold', 1);
  positiveInt('probeLimit', 1);
  const maxResetTimeoutMs = options.maxResetTimeoutMs ?? merged.resetTimeoutMs * 8;
  if (!(Number.isFinite(maxResetTimeoutMs) && maxResetTimeoutMs >= merged.resetTimeoutMs)) {
    throw new RangeError(`${where}.maxResetTimeoutMs must be >= resetTimeoutMs (got ${String(maxResetTimeoutMs)})`);
  }
  return { ...merged, maxResetTimeoutMs };
}

export interface BreakerContext {
  /** Publishes state changes (`circuit-changed`). */
  readonly system?: ActorSystem;
  readonly clock?: Clock;
  /** The breaker above (sector for a cluster, global for a sector). */
  readonly parent?: CircuitBreaker;
  /** A label for events: cluster, sector, global ... */
  readonly level?: string;
}

export class CircuitBreaker implements DeliveryGate {
  private stateValue: CircuitState = 'closed';
  private failures: number[] = [];
  private successes = 0;
  private probesLeft = 0;
  private currentResetMs: number;
  private timer: unknown = null;
  private readonly options: Required<BreakerOptions>;
  private readonly clock: Clock;
  private readonly listeners: Array<(state: CircuitState) => void> = [];
  /** Times this breaker opened. */
  opened = 0;

  constructor(
    /** What it guards, usually the subtree's path. */
    readonly name: string,
    options: Partial<BreakerOptions> = {},
    private readonly context: BreakerContext = {},
  ) {
    this.options = resolveBreakerOptions(options, `breaker '${name}'`);
    this.clock = context.clock ?? systemClock;
    this.currentResetMs = this.options.resetTimeoutMs;
  }

  get state(): CircuitState {
    return this.stateValue;
  }

  get level(): string {
    return this.context.level ?? 'subtree';
  }

  get parent(): CircuitBreaker | undefined {
    return this.context.parent;
  }

  /**
   * DeliveryGate: let a message through, or say why not. Own open state first (no side
   * effect), then the breakers above, then this one's half-open probe budget. The refusal
   * is one object per breaker: no Error is built unless someone will see it.
   */
  refuse(targetPath: string, message: unknown): GateRefusal | null {
    if (notClosed === 0) return null;
    const state = this.stateValue;
    if (state === 'open') return this.refusal;
    const above = this.context.parent?.refuse(targetPath, message) ?? null;
    if (above !== null) return above;
    if (state === 'closed') return null;
    if (this.probesLeft > 0) {
      this.probesLeft--;
      return null;
    }
    return this.refusal;
  }

  private readonly refusal: GateRefusal = {
    reason: 'circuit-open',
    error: (targetPath) => stackless(() => new CircuitOpenError(this.name, targetPath, this.stateValue)),
  };

  /** DeliveryGate: true while this breaker or one above it is half-open (counting probes). */
  get probing(): boolean {
    if (notClosed === 0) return false;
    return this.stateValue === 'half-open' || (this.context.parent?.probing ?? false);
  }

  /** DeliveryGate: a message was handled without failure; counts for every half-open breaker up the chain. */
  handled(targetPath: string): void {
    if (this.stateValue === 'half-open' && ++this.successes >= this.options.successThreshold) {
      this.currentResetMs = this.options.resetTimeoutMs;
      this.transition('closed');
    }
    this.context.parent?.handled(targetPath);
  }

  /** Counts a failure in the guarded subtree; may open the breaker. */
  recordFailure(): void {
    const now = this.clock.now();
    if (this.stateValue === 'half-open') {
      // Probing failed: back to open, and wait longer this time.
      this.currentResetMs = Math.min(this.options.maxResetTimeoutMs, this.currentResetMs * 2);
      this.open();
      return;
    }
    if (this.stateValue === 'open') return;
    const windowStart = now - this.options.windowMs;
    let drop = 0;
    while (drop < this.failures.length && this.failures[drop]! <= windowStart) drop++;
    if (drop > 0) this.failures.splice(0, drop);
    this.failures.push(now);
    if (this.failures.length > this.options.maxFailures) this.open();
  }

  /** Opens it now (operators, or a parent level deciding). */
  trip(): void {
    if (this.stateValue !== 'open') this.open();
  }

  /** Closes it now and forgets failures (operators: `heal`). */
  reset(): void {
    this.cancelTimer();
    this.failures = [];
    this.currentResetMs = this.options.resetTimeoutMs;
    if (this.stateValue !== 'closed') this.transition('closed');
  }

  /** Calls `listener` on every change of state. */
  onChange(listener: (state: CircuitState) => void): void {
    this.listeners.push(listener);
  }

  /** Stops its timer (the system is going away). */
  dispose(): void {
    this.cancelTimer();
  }

  private open(): void {
    this.opened++;
    this.failures = [];
    this.transition('open');
    this.cancelTimer();
    this.timer = this.clock.setTimeout(() => this.halfOpen(), this.currentResetMs);
  }

  /**
   * Lets probes through. If they were all spent without reaching the success threshold
   * (sent to actors that never answered, or refused further down), a fresh budget comes
   * after another reset timeout: a half-open breaker never stays stuck.
   */
  private halfOpen(): void {
    this.timer = null;
    this.successes = 0;
    this.probesLeft = this.options.probeLimit;
    this.transition('half-open');
    this.timer = this.clock.setTimeout(() => {
      if (this.stateValue === 'half-open') this.halfOpen();
    }, this.currentResetMs);
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private transition(to: CircuitState): void {
    const from = this.stateValue;
    if (from === to) return;
    if (to === 'closed') this.cancelTimer();
    if (from === 'closed') notClosed++;
    else if (to === 'closed') notClosed--;
    this.stateValue = to;
    const system = this.context.system;
    if (system?.eventsObserved) {
      system.publish({ type: 'circuit-changed', timestamp: Date.now(), path: this.name, level: this.level, from, to, resetTimeoutMs: this.currentResetMs });
    }
    for (const listener of this.listeners) listener(to);
  }
}
