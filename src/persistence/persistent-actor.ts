import { randomUUID } from 'node:crypto';
import { Actor } from '../behavior.js';
import { describeError } from '../errors.js';
import type { ActorClass } from '../behavior.js';
import type { ActorContext } from '../context.js';
import type { Journal } from './journal.js';
import { DelegatingPersistentContext } from './persistent-context.js';
import type { PersistentContext, PersistentOperations, PersistentReceive } from './persistent-context.js';
import { PersistFailedError, PersistenceRecoveryError } from './persistent-errors.js';

/**
 * Persistent (event-sourced) actors on the kernel (issue 6), without kernel changes.
 *
 *   const Counter = persistent<Cmd, Ev, number, { id: string }>({
 *     persistenceId: (_ctx, props) => `counter-${props.id}`,
 *     journal,
 *     initialState: 0,
 *     onEvent: (n, ev) => n + ev.by,
 *     async onCommand(cmd, ctx) { if (cmd.type === 'add') await ctx.persist({ by: cmd.by }); },
 *     snapshotEvery: 100,
 *   });
 *   system.spawn(Counter, { props: { id: 'a' } });
 *
 * `persistent` returns an Actor class (not a function behaviour) because only a class has a
 * start hook the kernel awaits: the recovery runs in `preStart` (and, after a restart, in
 * `postRestart`, which calls `preStart`). How the kernel is relied on (src/actor-cell.ts):
 *   - while the promise of `preStart`/`postRestart` is pending the cell is `awaiting`: no user
 *     message is handled and commands that arrive stay in the mailbox, in order (this is the
 *     "stash during recovery"; the user's own ctx.stash stays free), system messages (stop)
 *     still get through. A rejection fails the start with ActorInitializationError(cause:
 *     PersistenceRecoveryError), which the default decider stops;
 *   - while the promise a handler returns is pending the cell is `awaiting` too: `receive`
 *     returns a promise whenever the command handler is async or left persists in flight, so
 *     the next command waits until the journal holds this command's events; a rejection fails
 *     the actor and the command becomes a dead letter;
 *   - `preRestart` defaults to `postStop`, whose promise the kernel awaits before making the
 *     new incarnation: the old incarnation's writes drain and its claim is released before
 *     the new one claims the persistence id.
 *
 * onEvent must be pure and must not mutate the state it gets (snapshots and the journal may
 * keep references to it).
 */

/** How a persistent actor is defined. */
export interface PersistentOptions<C, E, S, P = undefined> {
  /** The persistence id of the actor being started (same id: same journaled history). */
  persistenceId(ctx: ActorContext<C>, props: P): string;
  /** Where events and snapshots live. */
  readonly journal: Journal;
  /** The state before any event. */
  readonly initialState: S;
  /** Applies one event (pure; returns the next state). Used on persist and on recovery. */
  onEvent(state: S, event: E): S;
  /** Handles one command; persists events through `ctx`. May be async. */
  onCommand: PersistentReceive<C, E, S>;
  /** Saves a snapshot automatically each time the sequence number passes a multiple of this. Default: never. */
  readonly snapshotEvery?: number;
  /** The actor type name in events (`actor-started`). Default: 'PersistentActor'. */
  readonly name?: string;
}

/**
 * Defines a persistent actor: returns an Actor class to spawn (`system.spawn(Def, { props })`
 * or `ctx.spawn`). Throws TypeError / RangeError for bad options.
 */
export function persistent<C, E, S, P = undefined>(options: PersistentOptions<C, E, S, P>): ActorClass<C, P> {
  checkOptions(options);
  const PersistentActor = class extends Actor<C, P> {
    private readonly core: EventSourcedCore<C, E, S>;

    constructor(props: P) {
      super(props);
      const persistenceId = options.persistenceId(this.context, props);
      if (typeof persistenceId !== 'string' || persistenceId.length === 0) {
        throw new TypeError(`persistent actor '${this.context.path}': persistenceId() must return a non-empty string (got ${JSON.stringify(persistenceId)})`);
      }
      this.core = new EventSourcedCore(options, this.context, persistenceId);
    }

    override preStart(): Promise<void> {
      return this.core.recover();
    }

    receive(command: C): void | Promise<void> {
      return this.core.handle(command);
    }

    override postStop(): Promise<void> {
      return this.core.stop();
    }
  };
  Object.defineProperty(PersistentActor, 'name', { value: options.name ?? 'PersistentActor' });
  return PersistentActor;
}

function checkOptions(options: PersistentOptions<any, any, any, any>): void {
  if (options === null || typeof options !== 'object') throw new TypeError(`persistent(options) needs an options object (got ${options === null ? 'null' : typeof options})`);
  for (const name of ['persistenceId', 'onEvent', 'onCommand'] as const) {
    if (typeof options[name] !== 'function') throw new TypeError(`persistent(options): options.${name} must be a function (got ${typeof options[name]})`);
  }
  const journal = options.journal as unknown as Record<string, unknown> | null | undefined;
  const needed = ['append', 'replay', 'highestSequenceNr', 'deleteTo', 'saveSnapshot', 'loadSnapshot', 'claim', 'release'];
  const missing = journal === null || typeof journal !== 'object' ? needed : needed.filter((m) => typeof journal[m] !== 'function');
  if (missing.length > 0) throw new TypeError(`persistent(options): options.journal must implement Journal (missing ${missing.join(', ')})`);
  const every = options.snapshotEvery;
  if (every !== undefined && !(Number.isInteger(every) && every >= 1)) {
    throw new RangeError(`persistent(options): options.snapshotEvery must be an integer >= 1 (got ${String(every)})`);
  }
}

const noop = (): void => {};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown>)?.then === 'function';
}

type CommandHandler<C, E, S> = (command: C, ctx: PersistentContext<C, E, S>) => unknown;

/**
 * One incarnation's event sourcing: recovery, the serial queue of journal writes, the state.
 * Journal writes run one after another (`tail`), so each append names the sequence number the
 * previous one ended at.
 */
class EventSourcedCore<C, E, S> implements PersistentOperations<C, E, S> {
  state: S;
  lastSequenceNr = 0;
  private readonly journal: Journal;
  /** Unique per incarnation: a restarted actor is a new writer. */
  private readonly writerId: string;
  private readonly pctx: PersistentContext<C, E, S>;
  private handler: CommandHandler<C, E, S>;
  private recovery: Promise<void> | null = null;
  private recovered = false;
  private claimed = false;
  private stopped = false;
  /** Settles (never rejects) when every write queued so far has finished. */
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Set by the first failed persist: the incarnation is done. */
  private failure: PersistFailedError | undefined = undefined;
  private snapshotSequenceNr = -1;

  constructor(
    private readonly options: PersistentOptions<C, E, S, any>,
    private readonly ctx: ActorContext<C>,
    readonly persistenceId: string,
  ) {
    this.journal = options.journal;
    this.state = options.initialState;
    this.writerId = `${ctx.path}#${randomUUID()}`;
    this.handler = options.onCommand as CommandHandler<C, E, S>;
    this.pctx = new DelegatingPersistentContext(ctx, this);
  }

  // ------------------------------------------------------------ recovery

  /** Claims the persistence id, loads the latest snapshot, replays the events after it. */
  recover(): Promise<void> {
    return (this.recovery ??= this.runRecovery());
  }

  private async runRecovery(): Promise<void> {
    const started = performance.now();
    const { journal, persistenceId } = this;
    try {
      await journal.claim(persistenceId, this.writerId);
      this.claimed = true;
      if (this.stopped) return;
      const snapshot = await journal.loadSnapshot<S>(persistenceId);
      let state = snapshot === undefined ? this.options.initialState : snapshot.state;
      const from = snapshot === undefined ? 0 : snapshot.sequenceNr;
      const highest = await journal.highestSequenceNr(persistenceId);
      let replayed = 0;
      let last = from;
      let applyError: { error: unknown } | undefined;
      if (highest > from) {
        await journal.replay<E>(persistenceId, from + 1, highest, (record) => {
          if (applyError !== undefined) return;
          try {
            state = this.options.onEvent(state, record.event);
          } catch (error) {
            // Kept, not thrown: a journal need not pass a callback's throw through replay.
            applyError = { error: new Error(`onEvent threw on event ${record.sequenceNr}: ${describeError(error)}`, { cause: error }) };
            return;
          }
          last = record.sequenceNr;
          replayed++;
        });
      }
      if (applyError !== undefined) throw applyError.error;
      this.state = state;
      // Deleted events past the snapshot replay as nothing; appends still go after the highest.
      this.lastSequenceNr = Math.max(last, highest);
      this.snapshotSequenceNr = snapshot === undefined ? -1 : snapshot.sequenceNr;
      this.recovered = true;
      this.ctx.system.publish({
        type: 'persistence-recovered',
        timestamp: Date.now(),
        path: this.ctx.path,
        persistenceId,
        eventsReplayed: replayed,
        fromSnapshot: snapshot === undefined ? null : snapshot.sequenceNr,
        lastSequenceNr: this.lastSequenceNr,
        durationMs: performance.now() - started,
      });
    } catch (cause) {
      const error = new PersistenceRecoveryError(this.ctx.path, persistenceId, { cause });
      this.ctx.system.publish({ type: 'persistence-recovery-failed', timestamp: Date.now(), path: this.ctx.path, persistenceId, error });
      throw error;
    }
  }

  /** Drains this incarnation's writes, then releases its claim (stop and before a restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.recovery !== null) await this.recovery.catch(noop);
    await this.tail;
    if (!this.claimed) return;
    this.claimed = false;
    await this.journal.release(this.persistenceId, this.writerId);
  }

  // ------------------------------------------------------------ commands

  /** The actor's receive: the command handler, then (if any) the writes it started. */
  handle(command: C): void | Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const result = this.handler.call(this.options, command, this.pctx);
    if (isThenable(result) || this.pending > 0) return this.finish(result);
    return undefined;
  }

  private async finish(result: unknown): Promise<void> {
    await result;
    // Persists the handler did not await still hold the actor until the journal has them.
    while (this.pending > 0) await this.tail;
    if (this.failure !== undefined) throw this.failure;
  }

  become(receive: PersistentReceive<C, E, S>): void {
    if (typeof receive !== 'function') throw new TypeError(`'${this.ctx.path}' become() needs a handler function (got ${typeof receive})`);
    this.handler = receive as CommandHandler<C, E, S>;
  }

  // ------------------------------------------------------------ journal writes

  /** Queues `op` after every write asked for before it. */
  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(op);
    this.tail = result.then(noop, noop).then(() => {
      this.pending--;
    });
    return result;
  }

  persistAll(events: readonly E[]): Promise<void> {
    if (!Array.isArray(events)) return Promise.reject(new TypeError(`'${this.ctx.path}' persistAll(events) needs an array (got ${typeof events})`));
    if (!this.recovered) return Promise.reject(new Error(`'${this.ctx.path}' cannot persist to '${this.persistenceId}' before its recovery completed`));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.stopped) return Promise.reject(new Error(`'${this.ctx.path}' cannot persist to '${this.persistenceId}': this incarnation has stopped`));
    if (events.length === 0) return Promise.resolve();
    const batch = events.slice();
    return this.enqueue(() => this.append(batch));
  }

  private async append(events: E[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const expected = this.lastSequenceNr;
    let state = this.state;
    let last: number;
    try {
      last = await this.journal.append(this.persistenceId, expected, events);
      for (const event of events) state = this.options.onEvent(state, event);
    } catch (cause) {
      this.failure = new PersistFailedError(this.ctx.path, this.persistenceId, expected + 1, events.length, { cause });
      this.ctx.system.publish({
        type: 'persist-failed',
        timestamp: Date.now(),
        path: this.ctx.path,
        persistenceId: this.persistenceId,
        fromSequenceNr: expected + 1,
        eventCount: events.length,
        error: this.failure,
      });
      throw this.failure;
    }
    this.state = state;
    this.lastSequenceNr = last;
    const every = this.options.snapshotEvery;
    if (every !== undefined && Math.floor(last / every) > Math.floor(expected / every)) {
      // Queued, not awaited: the persist resolves once the events are held; the snapshot
      // still holds the actor (pending) and a failure only costs a longer recovery.
      this.enqueue(() => this.writeSnapshot(true)).catch(noop);
    }
  }

  saveSnapshot(): Promise<void> {
    if (!this.recovered) return Promise.reject(new Error(`'${this.ctx.path}' cannot snapshot '${this.persistenceId}' before its recovery completed`));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return this.enqueue(() => this.writeSnapshot(false));
  }

  private async writeSnapshot(automatic: boolean): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const sequenceNr = this.lastSequenceNr;
    if (sequenceNr === this.snapshotSequenceNr) return; // the latest snapshot already has this state
    const base = { timestamp: 0, path: this.ctx.path, persistenceId: this.persistenceId, sequenceNr, automatic };
    try {
      await this.journal.saveSnapshot(this.persistenceId, sequenceNr, this.state);
    } catch (error) {
      this.ctx.system.publish({ ...base, type: 'persistence-snapshot-failed', timestamp: Date.now(), error });
      if (automatic) this.ctx.log.warn({ persistenceId: this.persistenceId, sequenceNr, err: error }, 'automatic snapshot failed');
      throw error;
    }
    this.snapshotSequenceNr = sequenceNr;
    this.ctx.system.publish({ ...base, type: 'persistence-snapshot-saved', timestamp: Date.now() });
  }

  deleteTo(sequenceNr: number): Promise<void> {
    if (!this.recovered) return Promise.reject(new Error(`'${this.ctx.path}' cannot delete events of '${this.persistenceId}' before its recovery completed`));
    if (!Number.isInteger(sequenceNr) || sequenceNr < 1) {
      return Promise.reject(new RangeError(`'${this.ctx.path}' deleteTo(sequenceNr) needs an integer >= 1 (got ${String(sequenceNr)})`));
    }
    return this.enqueue(async () => {
      // Checked when it runs: persists queued before it count.
      if (sequenceNr > this.lastSequenceNr) {
        throw new RangeError(`'${this.ctx.path}' deleteTo(sequenceNr) of '${this.persistenceId}' needs sequenceNr <= lastSequenceNr ${this.lastSequenceNr} (got ${sequenceNr})`);
      }
      await this.journal.deleteTo(this.persistenceId, sequenceNr);
      this.ctx.system.publish({ type: 'persistence-events-deleted', timestamp: Date.now(), path: this.ctx.path, persistenceId: this.persistenceId, toSequenceNr: sequenceNr });
    });
  }
}
