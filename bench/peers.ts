/**
 * The peer actor libraries (nact 7.6.2, comedy 2.1.7), loaded on first use with the minimal
 * typings the benchmarks need. Both are CommonJS; loading them lazily keeps a scenario that
 * is run alone (and each skynet child process) free of the libraries it does not measure.
 *
 * nact: one `setImmediate` per handled message; `ctx` (with a copy of the children Map) is
 * built for every message. comedy (in-memory mode): every `send` is a bluebird promise
 * chain, no mailbox; children are created asynchronously (`createChild` returns a promise).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// ------------------------------------------------------------------ nact

/** An opaque nact reference. */
export interface NactRef {
  readonly __nactRef?: never;
}

export interface NactContext {
  readonly self: NactRef;
  readonly parent: NactRef;
  readonly sender: NactRef;
  readonly name: string;
  readonly children: Map<string, NactRef>;
}

export interface Nact {
  start(...plugins: NactPlugin[]): NactRef;
  spawn<S, M>(parent: NactRef, f: (state: S, msg: M, ctx: NactContext) => S | Promise<S>, name?: string, properties?: { initialState?: S }): NactRef;
  spawnStateless<M>(parent: NactRef, f: (msg: M, ctx: NactContext) => void | Promise<void>, name?: string): NactRef;
  dispatch(actor: NactRef, msg: unknown, sender?: NactRef): void;
  query<R>(actor: NactRef, msg: (tempRef: NactRef) => unknown, timeout: number): Promise<R>;
  stop(actor: NactRef): void;
  configurePersistence(engine: NactPersistenceEngine): NactPlugin;
  spawnPersistent<S, M>(parent: NactRef, f: (state: S, msg: M, ctx: NactPersistentContext) => S | Promise<S>, key: string, name?: string, properties?: { initialState?: S; snapshotEvery?: number }): NactRef;
}

/** An event as nact's persistent actors hand it to an engine (lib/persistence/persistence-engine.js). */
export interface NactPersistedEvent {
  readonly data: unknown;
  readonly sequenceNumber: number;
  readonly key: string;
  readonly tags: readonly string[];
  readonly createdAt: number;
  readonly isDeleted: boolean;
}

/** A snapshot as nact hands it to an engine and reads it back (`data`, `sequenceNumber`). */
export interface NactPersistedSnapshot {
  readonly data: unknown;
  readonly sequenceNumber: number;
  readonly key: string;
  readonly createdAt: number;
}

/**
 * What nact's PersistentActor.recover reads from `events(key, offset)`: something with a
 * `reduce(fn, initial)` whose result it awaits (it passes an async `fn` and a promise).
 */
export interface NactEventStream {
  reduce<U>(fn: (previous: U, event: NactPersistedEvent, index: number) => U, initial: U): Promise<U>;
}

/** A nact persistence engine (lib/index.d.ts: PersistenceEngine). */
export interface NactPersistenceEngine {
  events(persistenceKey: string, offset: number, limit?: number, tags?: string[]): NactEventStream;
  latestSnapshot(persistenceKey: string): Promise<NactPersistedSnapshot | undefined>;
  takeSnapshot(snapshot: NactPersistedSnapshot): Promise<void>;
  persist(event: NactPersistedEvent): Promise<void>;
}

/** A nact plugin (applied to the system by `start`). */
export interface NactPlugin {
  readonly __nactPlugin?: never;
}

/** The context of a persistent nact actor: `persist` journals a message; `recovering` is set while replaying. */
export interface NactPersistentContext extends NactContext {
  persist(msg: unknown): Promise<void>;
  readonly recovering?: boolean;
}

let nact: Nact | undefined;
export function loadNact(): Nact {
  return (nact ??= require('nact') as Nact);
}

// ------------------------------------------------------------------ comedy

/** An actor as comedy hands it out (a proxy): `send` resolves once the message is handled or queued. */
export interface ComedyActor {
  send(topic: string, ...message: unknown[]): Promise<unknown>;
  sendAndReceive<R = unknown>(topic: string, ...message: unknown[]): Promise<R>;
  destroy(): Promise<void>;
  getName(): string;
}

/** The `selfActor` given to an actor's `initialize`: it can create children and reach its parent. */
export interface ComedySelf extends ComedyActor {
  createChild<D extends object>(definition: D & ThisType<D>, config?: { name?: string; customParameters?: unknown }): Promise<ComedyActor>;
  getParent(): ComedyActor;
  getCustomParameters(): any;
}

export interface ComedyRoot {
  createChild<D extends object>(definition: D & ThisType<D>, config?: { name?: string; customParameters?: unknown }): Promise<ComedyActor>;
}

export interface ComedySystem {
  rootActor(): Promise<ComedyRoot>;
  destroy(): Promise<void>;
  getLog(): { setLevel(level: number): void };
  readonly sigintHandler?: () => void;
  readonly sigtermHandler?: () => void;
}

type ComedyFactory = (options?: { test?: boolean; config?: object }) => ComedySystem;

let comedy: ComedyFactory | undefined;

/**
 * A comedy system in in-memory mode with its logging silenced: `test: true` sets the log
 * level to Silent and skips reading and watching actors.json (see lib/actor-system.js).
 */
export function comedySystem(): ComedySystem {
  comedy ??= require('comedy') as ComedyFactory;
  return comedy({ test: true });
}

/**
 * Lets go of a comedy system without destroying its actors. `destroy()` is quadratic in the
 * number of children of an actor (each destroyed child is removed from its parent's
 * `childPromises` with `_.without`, a copy of the array): 20,000 children took ~9 s to
 * destroy on this machine. So big trees are dropped instead: the system's SIGINT/SIGTERM
 * listeners are removed, and the garbage collector takes the rest.
 */
export function abandonComedy(system: ComedySystem): void {
  if (system.sigintHandler) process.removeListener('SIGINT', system.sigintHandler);
  if (system.sigtermHandler) process.removeListener('SIGTERM', system.sigtermHandler);
}
