import picomatch from 'picomatch';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { ActorClass, ActorContext, ActorDefinition, ActorRef, ActorSystem, BehaviorHooks, FunctionBehavior, Receive, ReceiveResult, RuntimeEvent } from '../src/index.js';
import { AskFailedError, isActorClass } from '../src/index.js';

/**
 * A chaos monkey: kills actors at a steady rate for a while, then says how the system
 * coped. Reproducible: victims are drawn by a seeded generator (pure-rand xoroshiro128+)
 * from a population sorted by path, so the same seed over the same population kills the
 * same actors in the same order.
 *
 *   const agent = chaosEnabled(agentBehaviour, { type: 'agent' });   // spawn this instead
 *   const report = await new ChaosMonkey(system, { rate: 1500, durationMs: 10_000, seed: 7,
 *     select: { type: 'agent' } }).run();
 *
 * Kill modes:
 *   throw  the victim is sent a ChaosKill (with `ask`); a `chaosEnabled` behaviour throws
 *          ChaosKillError on it, so the actor fails exactly as if its own code had thrown and
 *          its supervisor decides. A kill is counted as landed when the ask is rejected with
 *          AskFailedError caused by ChaosKillError. The ChaosKill travels like any message:
 *          an open circuit breaker above the victim refuses it (counted in `missed` under
 *          `CircuitOpenError`), a busy victim handles it after its backlog.
 *   stop   `system.stop(ref)`: a system message, it overtakes the backlog and no gate stops
 *          it. The actor is gone until something spawns it again.
 *   mixed  each kill is a throw or a stop, drawn from the same seeded generator.
 *
 * Population: every live `chaosEnabled` actor (registered per system at each incarnation's
 * setup, with its `type`), or the `targets` option (paths with an optional type, for
 * actors that are not wrapped, e.g. for stop mode). `select` narrows it by path glob
 * (picomatch: `*` stays within a path segment, `**` crosses them) and/or by type; both
 * given means both must match. The population is taken once at `run()`, sorted by path;
 * each kill looks its victim's path up at that moment (a stopped victim is `not-found`).
 *
 * Measures (see ChaosReport):
 *   recovery time  from the moment a kill landed to the reply of a ChaosProbe `ask` sent
 *                  right after it and answered by that same path (retried with a short
 *                  backoff while refused or unanswered). A ChaosProbe is answered by the
 *                  `chaosEnabled` wrapper without reaching the wrapped behaviour, so this is
 *                  the time until the actor handles its next message again (restart plus
 *                  any backlog ahead of the probe plus any time behind an open breaker).
 *   availability   probes to random members of the population at `probe.availabilityRate`
 *                  per second, in buckets of `probe.bucketMs` by send time: answered / sent.
 *   restarts, escalations, dead letters by reason: from `system.events$` during the run.
 *   acknowledged messages lost: when an AckLedger is given (the workload records there
 *                  what actors processed and what senders got acknowledged).
 * Every kill decision is a `chaos-kill` event on `system.events$`; the end of a run is a
 * `chaos-finished` event carrying the report.
 */

// ------------------------------------------------------------------ messages and wrapper

/** The message that makes a `chaosEnabled` actor throw. */
export class ChaosKill {
  constructor(
    /** The kill's number in its run. */
    readonly seq: number,
  ) {}
}

/** Answered with `true` by a `chaosEnabled` actor, without reaching the wrapped behaviour. */
export class ChaosProbe {
  constructor(readonly replyTo: ActorRef<true>) {}
}

/** What a `chaosEnabled` actor throws when it gets a ChaosKill. */
export class ChaosKillError extends Error {
  constructor(
    readonly path: string,
    readonly seq: number,
  ) {
    super(`chaos monkey kill #${seq} of '${path}'`);
    this.name = 'ChaosKillError';
  }
}

/** A member of the chaos population. */
export interface ChaosTarget {
  /** Full path, such as `/user/orchestrator/sector-3/cluster-1/agent-7`. */
  readonly path: string;
  /** Actor type, for `select.type`. */
  readonly type?: string;
}

interface Member {
  readonly ref: ActorRef<unknown>;
  readonly type: string;
}

/** Live `chaosEnabled` actors, per system, by path. */
const registries = new WeakMap<ActorSystem, Map<string, Member>>();

function registryOf(system: ActorSystem): Map<string, Member> {
  let registry = registries.get(system);
  if (registry === undefined) {
    registry = new Map();
    registries.set(system, registry);
  }
  return registry;
}

function join(ctx: ActorContext<any>, type: string): string {
  const path = ctx.path;
  registryOf(ctx.system).set(path, { ref: ctx.self, type });
  return path;
}

function leave(ctx: ActorContext<any>, path: string): void {
  const registry = registries.get(ctx.system);
  if (registry?.get(path)?.ref === ctx.self) registry.delete(path);
}

/** The live `chaosEnabled` actors of `system` (path and type), sorted by path. */
export function chaosTargets(system: ActorSystem): ChaosTarget[] {
  const registry = registries.get(system);
  if (registry === undefined) return [];
  return [...registry].map(([path, member]) => ({ path, type: member.type })).sort(byPath);
}

function byPath(a: ChaosTarget, b: ChaosTarget): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

export interface ChaosEnabledOptions {
  /** The actor type the monkey's `select.type` matches. Default: the definition's name. */
  readonly type?: string;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown>)?.then === 'function';
}

/**
 * A context that is the actor's own in every way except `become`, which swaps the wrapped
 * handler instead of the cell's (so the ChaosKill/ChaosProbe check stays in front).
 */
function guardContext<M>(ctx: ActorContext<M>, become: (receive: Receive<M>) => void): ActorContext<M> {
  const bound = new Map<PropertyKey, unknown>();
  const guardedBecome = (receive: Receive<M>): void => {
    if (typeof receive !== 'function') throw new TypeError(`'${ctx.path}' become() needs a handler function (got ${typeof receive})`);
    become(receive);
  };
  return new Proxy(ctx, {
    get(target, key) {
      if (key === 'become') return guardedBecome;
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== 'function') return value;
      let fn = bound.get(key);
      if (fn === undefined) {
        fn = (value as (...args: unknown[]) => unknown).bind(target);
        bound.set(key, fn);
      }
      return fn;
    },
  });
}

/**
 * Makes any behaviour chaos-testable: the returned definition behaves exactly like
 * `definition`, except that it throws ChaosKillError on a ChaosKill and answers a ChaosProbe
 * with `true` (neither reaches the wrapped code), and it registers the actor (path, type)
 * for the chaos monkey at each incarnation. Works for function behaviours (handlers that
 * `become` by return value, by `ctx.become` or asynchronously) and for Actor classes (a
 * subclass; `this.context.become` is kept behind the check too).
 */
export function chaosEnabled<M, P = undefined>(definition: FunctionBehavior<M, P>, options?: ChaosEnabledOptions): FunctionBehavior<M, P>;
export function chaosEnabled<M, P = undefined>(definition: ActorClass<M, P>, options?: ChaosEnabledOptions): ActorClass<M, P>;
export function chaosEnabled<M, P = undefined>(definition: ActorDefinition<M, P>, options?: ChaosEnabledOptions): ActorDefinition<M, P>;
export function chaosEnabled<M, P = undefined>(definition: ActorDefinition<M, P>, options: ChaosEnabledOptions = {}): ActorDefinition<M, P> {
  if (typeof definition !== 'function') throw new TypeError(`chaosEnabled needs a function behaviour or an Actor class (got ${typeof definition})`);
  const type = options.type ?? (definition.name || 'anonymous');
  if (typeof type !== 'string' || type.length === 0) throw new TypeError(`chaosEnabled options.type must be a non-empty string (got ${String(options.type)})`);
  return isActorClass(definition) ? wrapClass(definition as ActorClass<M, P>, type) : wrapFunction(definition as FunctionBehavior<M, P>, type);
}

function wrapFunction<M, P>(definition: FunctionBehavior<M, P>, type: string): FunctionBehavior<M, P> {
  const wrapped: FunctionBehavior<M, P> = (ctx, props) => {
    const path = join(ctx, type);
    let current: Receive<M>;
    const guarded = guardContext(ctx, (receive) => (current = receive));
    const made = definition(guarded, props);
    let inner: BehaviorHooks<M> | null = null;
    if (typeof made === 'function') current = made;
    else if (made !== null && typeof made === 'object' && typeof made.receive === 'function') {
      inner = made;
      current = made.receive;
    } else {
      throw new TypeError(`the setup of '${path}' must return a handler function or { receive } (got ${made === null ? 'null' : typeof made})`);
    }
    const receive = (message: M): ReceiveResult<M> => {
      if (message instanceof ChaosKill) throw new ChaosKillError(path, message.seq);
      if (message instanceof ChaosProbe) {
        message.replyTo.tell(true);
        return undefined;
      }
      const result = current.call(inner, message, guarded);
      if (result === undefined) return undefined;
      if (typeof result === 'function') {
        current = result;
        return undefined;
      }
      if (isThenable(result)) {
        return (result as Promise<void | Receive<M>>).then((next) => {
          if (typeof next === 'function') current = next;
        });
      }
      return undefined;
    };
    const hooks: BehaviorHooks<M> = {
      receive,
      postStop: () => {
        leave(ctx, path);
        return inner?.postStop?.call(inner);
      },
    };
    if (inner?.preRestart) hooks.preRestart = (error, message) => inner.preRestart!.call(inner, error, message);
    if (inner?.postRestart) hooks.postRestart = (error) => inner.postRestart!.call(inner, error);
    return hooks;
  };
  Object.defineProperty(wrapped, 'name', { value: definition.name || 'anonymous' });
  return wrapped;
}

function wrapClass<M, P>(definition: ActorClass<M, P>, type: string): ActorClass<M, P> {
  const Base = definition as unknown as new (props: P) => { context: ActorContext<M>; receive(message: M): void | Promise<void>; postStop(): void | Promise<void> };
  class ChaosEnabled extends Base {
    private readonly chaosPath: string;
    private becomeHandler: Receive<M> | null = null;

    constructor(props: P) {
      super(props);
      const context = this.context;
      this.chaosPath = join(context, type);
      Object.defineProperty(this, 'context', { value: guardContext(context, (receive) => (this.becomeHandler = receive)), enumerable: true });
    }

    override receive(message: M): void | Promise<void> {
      if (message instanceof ChaosKill) throw new ChaosKillError(this.chaosPath, message.seq);
      if (message instanceof ChaosProbe) {
        message.replyTo.tell(true);
        return;
      }
      if (this.becomeHandler === null) return super.receive(message);
      const result = this.becomeHandler.call(this, message, this.context);
      if (typeof result === 'function') this.becomeHandler = result;
      else if (isThenable(result)) {
        return (result as Promise<void | Receive<M>>).then((next) => {
          if (typeof next === 'function') this.becomeHandler = next;
        });
      }
    }

    override postStop(): void | Promise<void> {
      leave(this.context, this.chaosPath);
      return super.postStop();
    }
  }
  Object.defineProperty(ChaosEnabled, 'name', { value: definition.name || 'ChaosEnabled' });
  return ChaosEnabled as unknown as ActorClass<M, P>;
}

// ------------------------------------------------------------------ the ledger

/**
 * Which messages were processed and which were acknowledged, kept outside the actors.
 * The actor calls `processed(id)` when it handles a job; the sender calls
 * `acknowledged(id)` when its ask resolved. An acknowledged id never processed is lost; one
 * processed more than once is duplicated.
 */
export class AckLedger<K = string | number> {
  private readonly counts = new Map<K, number>();
  private readonly acks = new Set<K>();

  /** The actor handled the job `id`. */
  processed(id: K): void {
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  /** The sender got the reply for job `id`. */
  acknowledged(id: K): void {
    this.acks.add(id);
  }

  /** Times `id` was processed. */
  count(id: K): number {
    return this.counts.get(id) ?? 0;
  }

  get acknowledgedCount(): number {
    return this.acks.size;
  }

  get processedCount(): number {
    return this.counts.size;
  }

  /** Acknowledged ids processed zero times (lost) and more than once (duplicated). */
  check(): LedgerCheck<K> {
    const lost: K[] = [];
    const duplicated: K[] = [];
    for (const id of this.acks) {
      const count = this.counts.get(id) ?? 0;
      if (count === 0) lost.push(id);
      else if (count > 1) duplicated.push(id);
    }
    return { acknowledged: this.acks.size, processed: this.counts.size, lost, duplicated };
  }
}

export interface LedgerCheck<K> {
  readonly acknowledged: number;
  /** Distinct ids processed at least once. */
  readonly processed: number;
  readonly lost: K[];
  readonly duplicated: K[];
}

// ------------------------------------------------------------------ options

export type ChaosMode = 'throw' | 'stop' | 'mixed';
export const CHAOS_MODES: readonly ChaosMode[] = ['throw', 'stop', 'mixed'];

export interface ChaosSelector {
  /** Path globs (picomatch), absolute: `/user/orchestrator/*\/*\/agent-*`, `**\/agent-*`. Any may match. */
  readonly path?: string | readonly string[];
  /** Actor types. Any may match. */
  readonly type?: string | readonly string[];
}

export interface ChaosProbeOptions {
  /** Probe each landed kill until the victim answers again (recovery times). Default true. */
  readonly recovery?: boolean;
  /** Availability probes per second to random members; 0 for none. Default 100. */
  readonly availabilityRate?: number;
  /** Time limit of one probe (and of a kill's ask) in ms. Default 1000. */
  readonly timeoutMs?: number;
  /** A victim not answering within this many ms of its kill counts as unrecovered. Default 10_000. */
  readonly recoveryTimeoutMs?: number;
  /** Width of an availability bucket in ms. Default 1000. */
  readonly bucketMs?: number;
}

export interface ChaosOptions {
  /** Kills per second (> 0). */
  readonly rate: number;
  /** How long kills go on, in ms (> 0). */
  readonly durationMs: number;
  /** Seed of the victim generator (an integer). */
  readonly seed: number;
  /** How victims die. Default `throw`. */
  readonly mode?: ChaosMode;
  /** In `mixed` mode, the share of kills that are stops (0..1). Default 0.5. */
  readonly stopShare?: number;
  /** Narrows the population. Default: all of it. */
  readonly select?: ChaosSelector;
  /** The population, instead of the `chaosEnabled` registry. */
  readonly targets?: Iterable<ChaosTarget> | (() => Iterable<ChaosTarget>);
  /** Probing; see ChaosProbeOptions. */
  readonly probe?: ChaosProbeOptions;
  /** Keep probing (no kills) this many ms after the kills stop, so availability shows the recovery. Default 0. */
  readonly cooldownMs?: number;
  /** Scheduler period in ms: kills due are sent every tick. Default 20. */
  readonly tickMs?: number;
  /** The workload's ledger; the report then says whether an acknowledged message was lost. */
  readonly ledger?: AckLedger<any>;
  /** Keep the victims' paths in the report (in kill order). Default true. */
  readonly recordVictims?: boolean;
}

interface ResolvedChaosOptions {
  readonly rate: number;
  readonly durationMs: number;
  readonly seed: number;
  readonly mode: ChaosMode;
  readonly stopShare: number;
  readonly match: (target: ChaosTarget) => boolean;
  readonly targets: (() => Iterable<ChaosTarget>) | null;
  readonly recovery: boolean;
  readonly availabilityRate: number;
  readonly probeTimeoutMs: number;
  readonly recoveryTimeoutMs: number;
  readonly bucketMs: number;
  readonly cooldownMs: number;
  readonly tickMs: number;
  readonly ledger: AckLedger<any> | null;
  readonly recordVictims: boolean;
}

const OPTION_KEYS = ['rate', 'durationMs', 'seed', 'mode', 'stopShare', 'select', 'targets', 'probe', 'cooldownMs', 'tickMs', 'ledger', 'recordVictims'];
const PROBE_KEYS = ['recovery', 'availabilityRate', 'timeoutMs', 'recoveryTimeoutMs', 'bucketMs'];
const SELECT_KEYS = ['path', 'type'];

function checkKeys(value: object, known: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new TypeError(`${where}.${key} is not a chaos option (known: ${known.join(', ')})`);
  }
}

function positiveNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !(value > 0)) throw new RangeError(`${where} must be a positive finite number (got ${String(value)})`);
  return value;
}

function nonNegativeNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`${where} must be a finite number >= 0 (got ${String(value)})`);
  return value;
}

function stringList(value: unknown, where: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) throw new TypeError(`${where} must be a non-empty string or a non-empty array of them (got ${JSON.stringify(value)})`);
  list.forEach((item, i) => {
    if (typeof item !== 'string' || item.length === 0) throw new TypeError(`${where}[${i}] must be a non-empty string (got ${JSON.stringify(item)})`);
  });
  return list as string[];
}

/** Builds the population filter; throws naming the bad part of the selector. */
export function compileSelector(select: ChaosSelector | undefined, where = 'select'): (target: ChaosTarget) => boolean {
  if (select === undefined) return () => true;
  if (select === null || typeof select !== 'object' || Array.isArray(select)) throw new TypeError(`${where} must be an object with path and/or type (got ${JSON.stringify(select)})`);
  checkKeys(select, SELECT_KEYS, where);
  if (select.path === undefined && select.type === undefined) throw new TypeError(`${where} must name a path glob and/or a type`);
  let pathMatch: ((path: string) => boolean) | null = null;
  if (select.path !== undefined) {
    const matchers = stringList(select.path, `${where}.path`).map((glob, i) => {
      if (!glob.startsWith('/') && !glob.startsWith('*')) throw new TypeError(`${where}.path[${i}] must be an absolute path glob starting with '/' or '**' (got '${glob}')`);
      try {
        return picomatch(glob, { dot: true });
      } catch (error) {
        throw new TypeError(`${where}.path[${i}] is not a valid glob ('${glob}'): ${(error as Error).message}`);
      }
    });
    pathMatch = matchers.length === 1 ? matchers[0]! : (path) => matchers.some((m) => m(path));
  }
  let types: Set<string> | null = null;
  if (select.type !== undefined) types = new Set(stringList(select.type, `${where}.type`));
  return (target) => (pathMatch === null || pathMatch(target.path)) && (types === null || (target.type !== undefined && types.has(target.type)));
}

/** Checks chaos options at the boundary; a bad one throws TypeError or RangeError naming it. */
export function resolveChaosOptions(options: ChaosOptions): ResolvedChaosOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`chaos options must be an object (got ${String(options)})`);
  checkKeys(options, OPTION_KEYS, 'chaos');
  const rate = positiveNumber(options.rate, 'chaos.rate (kills per second)');
  const durationMs = positiveNumber(options.durationMs, 'chaos.durationMs');
  if (typeof options.seed !== 'number' || !Number.isSafeInteger(options.seed)) throw new TypeError(`chaos.seed must be an integer (got ${String(options.seed)})`);
  const mode = options.mode ?? 'throw';
  if (!CHAOS_MODES.includes(mode)) throw new TypeError(`chaos.mode must be one of ${CHAOS_MODES.join(', ')} (got '${String(mode)}')`);
  const stopShare = options.stopShare ?? 0.5;
  if (typeof stopShare !== 'number' || !(stopShare >= 0 && stopShare <= 1)) throw new RangeError(`chaos.stopShare must be between 0 and 1 (got ${String(stopShare)})`);
  if (options.stopShare !== undefined && mode !== 'mixed') throw new TypeError(`chaos.stopShare only applies to mode 'mixed' (mode is '${mode}')`);
  const match = compileSelector(options.select, 'chaos.select');
  let targets: (() => Iterable<ChaosTarget>) | null = null;
  if (options.targets !== undefined) {
    const given = options.targets;
    if (typeof given === 'function') targets = given;
    else if (given !== null && typeof (given as Iterable<ChaosTarget>)[Symbol.iterator] === 'function') targets = () => given;
    else throw new TypeError('chaos.targets must be an iterable of { path, type? } or a function returning one');
  }
  const probe = options.probe ?? {};
  if (probe === null || typeof probe !== 'object') throw new TypeError(`chaos.probe must be an object (got ${String(probe)})`);
  checkKeys(probe, PROBE_KEYS, 'chaos.probe');
  const recovery = probe.recovery ?? true;
  if (typeof recovery !== 'boolean') throw new TypeError(`chaos.probe.recovery must be a boolean (got ${String(recovery)})`);
  const ledger = options.ledger ?? null;
  if (ledger !== null && !(ledger instanceof AckLedger)) throw new TypeError('chaos.ledger must be an AckLedger');
  const recordVictims = options.recordVictims ?? true;
  if (typeof recordVictims !== 'boolean') throw new TypeError(`chaos.recordVictims must be a boolean (got ${String(recordVictims)})`);
  return {
    rate,
    durationMs,
    seed: options.seed,
    mode,
    stopShare,
    match,
    targets,
    recovery,
    availabilityRate: nonNegativeNumber(probe.availabilityRate ?? 100, 'chaos.probe.availabilityRate'),
    probeTimeoutMs: positiveNumber(probe.timeoutMs ?? 1000, 'chaos.probe.timeoutMs'),
    recoveryTimeoutMs: positiveNumber(probe.recoveryTimeoutMs ?? 10_000, 'chaos.probe.recoveryTimeoutMs'),
    bucketMs: positiveNumber(probe.bucketMs ?? 1000, 'chaos.probe.bucketMs'),
    cooldownMs: nonNegativeNumber(options.cooldownMs ?? 0, 'chaos.cooldownMs'),
    tickMs: positiveNumber(options.tickMs ?? 20, 'chaos.tickMs'),
    ledger,
    recordVictims,
  };
}

// ------------------------------------------------------------------ report

export interface AvailabilityBucket {
  /** Bucket start, ms after the run started. */
  readonly startMs: number;
  readonly sent: number;
  readonly answered: number;
  /** answered / sent (1 when nothing was sent). */
  readonly ratio: number;
}

export interface ChaosReport {
  readonly seed: number;
  readonly mode: ChaosMode;
  /** Kills per second asked for. */
  readonly rate: number;
  readonly durationMs: number;
  /** Wall time of the whole run (kills, cooldown and waiting for probes). */
  readonly elapsedMs: number;
  /** Members of the selected population at the start. */
  readonly population: number;
  /** Kills decided (victims drawn). */
  readonly planned: number;
  /** Kills that landed, by mode. */
  readonly kills: { readonly throw: number; readonly stop: number; readonly total: number };
  /** Kills that did not land, by why: `not-found`, `CircuitOpenError`, `AskTimeoutError`, `not-killed` ... */
  readonly missed: Readonly<Record<string, number>>;
  /** Victims' paths in kill order (empty when `recordVictims` is false). */
  readonly victims: readonly string[];
  /** `actor-restarted` events during the run (any actor). */
  readonly restarts: number;
  /** Distinct actors restarted. */
  readonly restartedActors: number;
  /** `supervisor-decision` events with directive `escalate`. */
  readonly escalations: number;
  /** `actor-stopped` events during the run. */
  readonly stopped: number;
  /** Kill to the victim's next answered probe. */
  readonly recovery: {
    readonly method: 'probe-ask';
    readonly samples: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
    /** Landed kills whose victim did not answer within `recoveryTimeoutMs`. */
    readonly unrecovered: number;
  };
  readonly deadLetters: { readonly total: number; readonly byReason: Readonly<Record<string, number>> };
  readonly availability: readonly AvailabilityBucket[];
  /** From the ledger; null without one. */
  readonly ledger: LedgerCheck<unknown> | null;
  /** True when an acknowledged message was lost or processed twice; null without a ledger. */
  readonly lostAcknowledged: boolean | null;
}

/** Nearest-rank percentile of sorted values (NaN for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Draws victims: index into the population, and whether a mixed-mode kill is a stop. */
class VictimDraw {
  private readonly rng;

  constructor(
    seed: number,
    private readonly size: number,
    private readonly mode: ChaosMode,
    private readonly stopShare: number,
  ) {
    this.rng = xoroshiro128plus(seed);
  }

  next(): { index: number; mode: 'throw' | 'stop' } {
    const index = uniformInt(this.rng, 0, this.size - 1);
    if (this.mode !== 'mixed') return { index, mode: this.mode };
    const stop = uniformInt(this.rng, 0, 999_999) < this.stopShare * 1_000_000;
    return { index, mode: stop ? 'stop' : 'throw' };
  }
}

const now = (): number => performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function increment(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

// ------------------------------------------------------------------ the monkey

export class ChaosMonkey {
  private readonly options: ResolvedChaosOptions;
  private running = false;
  private ended = false;
  private abortRun: (() => void) | null = null;

  constructor(
    private readonly system: ActorSystem,
    options: ChaosOptions,
  ) {
    if (system === null || typeof system !== 'object' || typeof system.lookup !== 'function') throw new TypeError('ChaosMonkey needs an ActorSystem');
    this.options = resolveChaosOptions(options);
  }

  /** The selected population now, sorted by path. */
  population(): ChaosTarget[] {
    const source = this.options.targets === null ? chaosTargets(this.system) : [...this.options.targets()];
    for (const [i, target] of source.entries()) {
      if (target === null || typeof target !== 'object' || typeof target.path !== 'string' || !target.path.startsWith('/')) {
        throw new TypeError(`chaos.targets[${i}] must be { path: '/...', type? } (got ${JSON.stringify(target)})`);
      }
    }
    return source.filter(this.options.match).sort(byPath);
  }

  /**
   * The first `count` victims this seed draws from the current population, without killing
   * anything: what `run()` would kill, in order (given the same population).
   */
  plan(count: number): Array<{ path: string; mode: 'throw' | 'stop' }> {
    if (!(Number.isInteger(count) && count >= 0)) throw new RangeError(`plan count must be an integer >= 0 (got ${String(count)})`);
    const population = this.population();
    if (population.length === 0) return [];
    const draw = new VictimDraw(this.options.seed, population.length, this.options.mode, this.options.stopShare);
    return Array.from({ length: count }, () => {
      const { index, mode } = draw.next();
      return { path: population[index]!.path, mode };
    });
  }

  /** Ends a running `run()` early (kills stop at once; probes in flight are awaited). */
  abort(): void {
    this.ended = true;
    this.abortRun?.();
  }

  /** Kills for `durationMs`, probes for `cooldownMs` more, waits for the probes, reports. */
  async run(): Promise<ChaosReport> {
    if (this.running) throw new Error('this chaos monkey is already running');
    if (this.system.terminated) throw new Error(`actor system '${this.system.name}' is terminated`);
    this.running = true;
    this.ended = false;
    try {
      return await this.execute();
    } finally {
      this.running = false;
      this.abortRun = null;
    }
  }

  private async execute(): Promise<ChaosReport> {
    const o = this.options;
    const system = this.system;
    const population = this.population();
    if (population.length === 0) {
      throw new RangeError(`chaos: the selector matched no actor (${o.targets === null ? `${chaosTargets(system).length} chaosEnabled actors` : 'the targets given'})`);
    }
    const draw = new VictimDraw(o.seed, population.length, o.mode, o.stopShare);
    // Availability probes draw from a generator of their own, so they never shift the victims.
    const probeRng = xoroshiro128plus(o.seed);
    probeRng.jump();

    const kills = { throw: 0, stop: 0 };
    const missed: Record<string, number> = {};
    const victims: string[] = [];
    const recoveries: number[] = [];
    let unrecovered = 0;
    let restarts = 0;
    const restarted = new Set<string>();
    let escalations = 0;
    let stopped = 0;
    let deadLetterTotal = 0;
    const deadLetters: Record<string, number> = {};
    const buckets: Array<{ sent: number; answered: number }> = [];
    const bucketCount = Math.max(1, Math.ceil((o.durationMs + o.cooldownMs) / o.bucketMs));
    const inFlight = new Set<Promise<unknown>>();
    /** Victims this run has stopped (a stop takes a while; until it is done, lookup still finds them). */
    const stopping = new WeakSet<object>();
    const track = (promise: Promise<unknown>): void => {
      inFlight.add(promise);
      const done = (): void => void inFlight.delete(promise);
      promise.then(done, done);
    };

    const subscription = system.events$.subscribe((event: RuntimeEvent) => {
      switch (event.type) {
        case 'actor-restarted':
          restarts++;
          restarted.add(event.path);
          break;
        case 'supervisor-decision':
          if ((event as { directive?: unknown }).directive === 'escalate') escalations++;
          break;
        case 'actor-stopped':
          stopped++;
          break;
        case 'dead-letter':
          deadLetterTotal++;
          increment(deadLetters, String((event as { reason: unknown }).reason));
          break;
      }
    });

    const start = now();
    const probe = (path: string): Promise<boolean> => {
      const ref = system.lookup(path);
      if (ref === undefined) return Promise.resolve(false);
      return (ref as ActorRef<unknown>).ask<true>((replyTo) => new ChaosProbe(replyTo), { timeoutMs: o.probeTimeoutMs }).then(
        () => true,
        () => false,
      );
    };

    /** Probes `path` until it answers, from `killedAt` on; records the recovery time. */
    const recover = async (path: string, killedAt: number): Promise<void> => {
      let wait = 2;
      for (;;) {
        if (system.terminated) return;
        if (await probe(path)) {
          recoveries.push(now() - killedAt);
          return;
        }
        if (now() - killedAt >= o.recoveryTimeoutMs) {
          unrecovered++;
          return;
        }
        await sleep(wait);
        wait = Math.min(100, wait * 2);
      }
    };

    const kill = (seq: number): void => {
      const { index, mode } = draw.next();
      const path = population[index]!.path;
      if (o.recordVictims) victims.push(path);
      if (system.eventsObserved) system.publish({ type: 'chaos-kill', timestamp: Date.now(), path, mode, seq, seed: o.seed });
      const ref = system.lookup(path);
      if (ref === undefined) {
        increment(missed, 'not-found');
        return;
      }
      if (mode === 'stop') {
        if (stopping.has(ref)) {
          increment(missed, 'already-stopping');
          return;
        }
        stopping.add(ref);
        kills.stop++;
        const killedAt = now();
        const stoppedPromise = system.stop(ref);
        track(o.recovery ? stoppedPromise.then(() => recover(path, killedAt)) : stoppedPromise);
        return;
      }
      const landed = (ref as ActorRef<unknown>).ask<unknown>(() => new ChaosKill(seq), { timeoutMs: o.probeTimeoutMs }).then(
        () => {
          increment(missed, 'not-killed'); // it answered instead of throwing: not chaosEnabled?
        },
        (error: unknown) => {
          if (error instanceof AskFailedError && error.cause instanceof ChaosKillError) {
            kills.throw++;
            if (o.recovery) return recover(path, now());
            return undefined;
          }
          increment(missed, errorName(error));
          return undefined;
        },
      );
      track(landed);
    };

    const availabilityProbe = (): void => {
      const target = population[uniformInt(probeRng, 0, population.length - 1)]!.path;
      const bucket = Math.min(Math.floor((now() - start) / o.bucketMs), bucketCount - 1);
      const slot = (buckets[bucket] ??= { sent: 0, answered: 0 });
      slot.sent++;
      track(
        probe(target).then((answered) => {
          if (answered) slot.answered++;
        }),
      );
    };

    const total = Math.max(1, Math.round((o.rate * o.durationMs) / 1000));
    let planned = 0;
    let probesSent = 0;
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (): void => {
        clearTimeout(timer);
        this.abortRun = null;
        resolve();
      };
      this.abortRun = finish;
      const tick = (): void => {
        const elapsed = now() - start;
        if (this.ended || system.terminated) return finish();
        // Kills due by now; a late last tick still makes up the full count (rate x duration).
        const due = elapsed >= o.durationMs ? total : Math.min(total, Math.floor((o.rate * elapsed) / 1000) + 1);
        while (planned < due) kill(++planned);
        if (o.availabilityRate > 0) {
          const dueProbes = Math.floor((o.availabilityRate * Math.min(elapsed, o.durationMs + o.cooldownMs)) / 1000);
          while (probesSent < dueProbes) {
            probesSent++;
            availabilityProbe();
          }
        }
        if (elapsed >= o.durationMs + o.cooldownMs) return finish();
        timer = setTimeout(tick, Math.min(o.tickMs, Math.max(1, o.durationMs + o.cooldownMs - elapsed)));
      };
      tick();
    });
    // Settle what is in flight: kills, recovery probing, availability probes.
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    subscription.unsubscribe();

    const sorted = recoveries.sort((a, b) => a - b);
    const ledger = o.ledger?.check() ?? null;
    const availability: AvailabilityBucket[] = [];
    for (let i = 0; i < bucketCount; i++) {
      const slot = buckets[i] ?? { sent: 0, answered: 0 };
      availability.push({ startMs: i * o.bucketMs, sent: slot.sent, answered: slot.answered, ratio: slot.sent === 0 ? 1 : slot.answered / slot.sent });
    }
    const report: ChaosReport = {
      seed: o.seed,
      mode: o.mode,
      rate: o.rate,
      durationMs: o.durationMs,
      elapsedMs: now() - start,
      population: population.length,
      planned,
      kills: { ...kills, total: kills.throw + kills.stop },
      missed,
      victims,
      restarts,
      restartedActors: restarted.size,
      escalations,
      stopped,
      recovery: {
        method: 'probe-ask',
        samples: sorted.length,
        p50Ms: percentile(sorted, 50),
        p99Ms: percentile(sorted, 99),
        maxMs: sorted.length === 0 ? NaN : sorted[sorted.length - 1]!,
        unrecovered,
      },
      deadLetters: { total: deadLetterTotal, byReason: deadLetters },
      availability,
      ledger,
      lostAcknowledged: ledger === null ? null : ledger.lost.length > 0 || ledger.duplicated.length > 0,
    };
    if (system.eventsObserved && !system.terminated) {
      system.publish({ type: 'chaos-finished', timestamp: Date.now(), path: '/', seed: o.seed, report });
    }
    return report;
  }
}

/** Runs a chaos monkey once: `new ChaosMonkey(system, options).run()`. */
export function unleashChaos(system: ActorSystem, options: ChaosOptions): Promise<ChaosReport> {
  return new ChaosMonkey(system, options).run();
}
