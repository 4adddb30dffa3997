import type { ActorRef, ChildFailure, Directive, SupervisionControl, SupervisorStrategy } from '../src/index.js';
import { ActorInitializationError } from '../src/index.js';
import { backoffDelay, resolveBackoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { RestartIntensityExceededError } from './errors.js';
import type { QuarantineStore } from './quarantine.js';

/**
 * Supervisor strategies as in Erlang/OTP, as immutable values.
 *
 *   oneForOne   a failed child is dealt with alone
 *   oneForAll   a failed child's restart restarts all its siblings
 *   restForOne  ... restarts it and the siblings spawned after it
 *
 * Each takes:
 *   maxRestarts / withinMs  restart intensity, per supervisor as in OTP (default 3 within
 *                           5000 ms; OTP's own default is 1 within 5 s, which restarts too
 *                           little for agents whose failures are mostly transient). One
 *                           more restart in the window and the supervisor gives up: it
 *                           stops the child and escalates RestartIntensityExceededError
 *                           to its own parent.
 *   backoff                 exponential backoff with jitter between a child's consecutive
 *                           restarts (see backoff.ts); the child waits suspended and keeps
 *                           its mailbox. Its count resets once it ran `withinMs` without failing.
 *   decider                 error -> directive: a function, or rules by error class/name
 *                           (first match wins; default restart, ActorInitializationError stop).
 * A child's restart type comes from its `tags.restart`: `temporary` children are stopped
 * instead of restarted; `permanent` (default) and `transient` follow the decider.
 * Every restart is a `restarted` event (kernel) and every scheduled backoff a
 * `supervisor-backoff` event.
 */

/** How a child is treated when it fails or stops, as in OTP. */
export type RestartType = 'permanent' | 'transient' | 'temporary';
export const RESTART_TYPES: readonly RestartType[] = ['permanent', 'transient', 'temporary'];

/** One decider rule: errors of this class (or with this `name`) get this directive. */
export interface DeciderRule {
  readonly match: (abstract new (...args: any[]) => Error) | string;
  readonly directive: Directive;
}

export type DeciderSpec = ((error: unknown, failure: ChildFailure) => Directive) | readonly DeciderRule[];

export interface StrategyOptions {
  readonly maxRestarts?: number;
  readonly withinMs?: number;
  readonly backoff?: BackoffOptions;
  readonly decider?: DeciderSpec;
  /** Time source (tests pass a ManualClock). */
  readonly clock?: Clock;
  /** Random source for jitter, in [0, 1). */
  readonly random?: () => number;
  /**
   * Where a child that exceeds the restart intensity goes: with a store, the child is
   * stopped and its mail kept there, and the supervisor does not escalate (it isolates
   * the bad child). Without one, the supervisor escalates, as in OTP.
   */
  readonly quarantine?: QuarantineStore;
}

export type StrategyKind = 'one-for-one' | 'one-for-all' | 'rest-for-one';
export const STRATEGY_KINDS: readonly StrategyKind[] = ['one-for-one', 'one-for-all', 'rest-for-one'];

export const STRATEGY_DEFAULTS = Object.freeze({ maxRestarts: 3, withinMs: 5000 });

/** A configured strategy: a SupervisorStrategy plus the settings it was made from. */
export interface ConfiguredStrategy extends SupervisorStrategy {
  readonly kind: StrategyKind;
  readonly maxRestarts: number;
  readonly withinMs: number;
  /** A copy with some settings replaced. */
  with(options: StrategyOptions): ConfiguredStrategy;
}

/** Per-supervisor bookkeeping. */
interface SupervisorState {
  /** Times of recent restarts (intensity window), oldest first; those before `oldest` have expired. */
  restarts: number[];
  oldest: number;
  /** Per child: consecutive failures and the time of the last one (backoff). */
  streaks: Map<string, { count: number; last: number }>;
}

const DIRECTIVES: readonly Directive[] = ['resume', 'restart', 'stop', 'escalate'];

/** Turns a decider spec into a function. Rules are checked in order. */
export function makeDecider(spec: DeciderSpec | undefined): (error: unknown, failure: ChildFailure) => Directive {
  if (spec === undefined) return (error) => (error instanceof ActorInitializationError ? 'stop' : 'restart');
  if (typeof spec === 'function') return spec;
  for (const [i, rule] of spec.entries()) {
    if (!DIRECTIVES.includes(rule.directive)) throw new TypeError(`decider[${i}].directive must be one of ${DIRECTIVES.join(', ')} (got ${String(rule.directive)})`);
    if (typeof rule.match !== 'function' && typeof rule.match !== 'string') throw new TypeError(`decider[${i}].match must be an error class or an error name`);
  }
  return (error) => {
    for (const rule of spec) {
      const hit = typeof rule.match === 'string' ? (error as { name?: unknown })?.name === rule.match : error instanceof rule.match;
      if (hit) return rule.directive;
    }
    return error instanceof ActorInitializationError ? 'stop' : 'restart';
  };
}

function checkOptions(options: StrategyOptions, where: string): void {
  const { maxRestarts, withinMs } = options;
  if (maxRestarts !== undefined && !((Number.isInteger(maxRestarts) && maxRestarts >= 0) || maxRestarts === Infinity)) {
    throw new RangeError(`${where}.maxRestarts must be an integer >= 0 or Infinity (got ${String(maxRestarts)})`);
  }
  if (withinMs !== undefined && !(Number.isFinite(withinMs) && withinMs > 0)) {
    throw new RangeError(`${where}.withinMs must be a positive number (got ${String(withinMs)})`);
  }
  if (options.backoff !== undefined) resolveBackoff(options.backoff, `${where}.backoff`);
}

function makeStrategy(kind: StrategyKind, options: StrategyOptions): ConfiguredStrategy {
  checkOptions(options, kind);
  const maxRestarts = options.maxRestarts ?? STRATEGY_DEFAULTS.maxRestarts;
  const withinMs = options.withinMs ?? STRATEGY_DEFAULTS.withinMs;
  const backoff = options.backoff === undefined ? undefined : resolveBackoff(options.backoff, `${kind}.backoff`);
  const decide = makeDecider(options.decider);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  // Keyed by the supervisor's ref: one strategy value may serve many supervisors.
  const states = new WeakMap<object, SupervisorState>();

  const stateOf = (self: ActorRef<unknown>): SupervisorState => {
    let state = states.get(self);
    if (state === undefined) {
      state = { restarts: [], oldest: 0, streaks: new Map() };
      states.set(self, state);
    }
    return state;
  };

  /** The children a restart of `child` takes along, in spawn order. */
  const affected = (child: ActorRef<unknown>, control: SupervisionControl): ActorRef<unknown>[] => {
    if (kind === 'one-for-one') return [child];
    const siblings = control.children;
    if (kind === 'one-for-all') return [...siblings];
    const index = siblings.findIndex((s) => s.path === child.path);
    return index < 0 ? [child] : siblings.slice(index);
  };

  const strategy: ConfiguredStrategy = {
    kind,
    maxRestarts,
    withinMs,
    with: (more) => makeStrategy(kind, { ...options, ...more }),
    onFailure(failure, control) {
      const restartType = failure.tags?.restart as RestartType | undefined;
      let directive = decide(failure.error, failure);
      if (directive === 'restart' && restartType === 'temporary') directive = 'stop';
      if (directive !== 'restart') {
        control[directive](failure.child, failure.error);
        return;
      }
      const now = clock.now();
      const state = stateOf(control.self);
      // Restart times are in order: drop the expired ones from the front (amortized O(1)).
      const restarts = state.restarts;
      while (state.oldest < restarts.length && now - restarts[state.oldest]! >= withinMs) state.oldest++;
      if (state.oldest > 64 && state.oldest * 2 > restarts.length) {
        restarts.splice(0, state.oldest);
        state.oldest = 0;
      }
      if (restarts.length - state.oldest >= maxRestarts) {
        restarts.length = 0;
        state.oldest = 0;
        const exceeded = new RestartIntensityExceededError(control.self.path, maxRestarts, withinMs, { cause: failure.error });
        if (options.quarantine !== undefined) {
          options.quarantine.quarantine(failure.child.path, exceeded.message, failure.message);
          control.stop(failure.child, exceeded);
          return;
        }
        // Gives up, as OTP does: the child stops and the supervisor itself fails.
        control.stop(failure.child, failure.error);
        control.escalate(failure.child, exceeded);
        return;
      }
      restarts.push(now);
      const targets = affected(failure.child, control);
      if (backoff === undefined) {
        for (const target of targets) control.restart(target, failure.error);
        return;
      }
      const key = failure.child.path;
      const streak = state.streaks.get(key);
      const attempt = streak !== undefined && now - streak.last < withinMs ? streak.count : 0;
      state.streaks.set(key, { count: attempt + 1, last: now });
      const delayMs = backoffDelay(backoff, attempt, random());
      if (control.system.eventsObserved) {
        control.system.publish({ type: 'supervisor-backoff', timestamp: Date.now(), path: control.self.path, child: key, attempt, delayMs });
      }
      clock.setTimeout(() => {
        for (const target of targets) control.restart(target, failure.error);
      }, delayMs);
    },
  };
  return Object.freeze(strategy);
}

/** One-for-one: only the failed child is restarted (or resumed, stopped, escalated). */
export function oneForOne(options: StrategyOptions = {}): ConfiguredStrategy {
  return makeStrategy('one-for-one', options);
}

/** One-for-all: a restart of one child restarts all children of the supervisor. */
export function oneForAll(options: StrategyOptions = {}): ConfiguredStrategy {
  return makeStrategy('one-for-all', options);
}

/** Rest-for-one: a restart of one child restarts it and every sibling spawned after it. */
export function restForOne(options: StrategyOptions = {}): ConfiguredStrategy {
  return makeStrategy('rest-for-one', options);
}

/** A strategy by kind name (configuration files name them). */
export function strategyOf(kind: StrategyKind, options: StrategyOptions = {}): ConfiguredStrategy {
  if (!STRATEGY_KINDS.includes(kind)) throw new TypeError(`strategy must be one of ${STRATEGY_KINDS.join(', ')} (got ${String(kind)})`);
  return makeStrategy(kind, options);
}
