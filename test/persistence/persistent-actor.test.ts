import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ActorInitializationError } from '../../src/index.js';
import type { ActorRef, ActorSystem, ExtensionEvent, RuntimeEvent } from '../../src/index.js';
import type { Journal, JournalRecord, SnapshotRecord } from '../../src/persistence/journal.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../../src/persistence/file-journal.js';
import { MemoryJournal } from '../../src/persistence/memory-journal.js';
import { WriterConflictError } from '../../src/persistence/errors.js';
import { persistent } from '../../src/persistence/persistent-actor.js';
import type { PersistentOptions } from '../../src/persistence/persistent-actor.js';
import { PersistFailedError, PersistenceRecoveryError } from '../../src/persistence/persistent-errors.js';
import { deferred, eventually, quietSystem, recordEvents, terminateAll } from '../support/helpers.js';

afterEach(terminateAll);

// ---------------------------------------------------------------- a counter that logs what it adds

type Cmd =
  | { type: 'add'; by: number }
  | { type: 'add-many'; values: number[] }
  | { type: 'get'; replyTo: ActorRef<{ state: number[]; lastSequenceNr: number }> }
  | { type: 'snapshot'; replyTo: ActorRef<string> }
  | { type: 'delete'; to: number; replyTo: ActorRef<string> }
  | { type: 'crash' };
type Ev = { added: number };

/** A persistent actor whose state is the list of numbers added, in order (order mistakes show). */
function counter(journal: Journal, handled: number[] = [], extra: Partial<PersistentOptions<Cmd, Ev, number[], { id: string }>> = {}) {
  return persistent<Cmd, Ev, number[], { id: string }>({
    persistenceId: (_ctx, props) => `counter-${props.id}`,
    journal,
    initialState: [],
    onEvent: (state, event) => [...state, event.added],
    async onCommand(cmd, ctx) {
      switch (cmd.type) {
        case 'add':
          handled.push(cmd.by);
          await ctx.persist({ added: cmd.by });
          return;
        case 'add-many':
          await ctx.persistAll(cmd.values.map((added) => ({ added })));
          return;
        case 'get':
          cmd.replyTo.tell({ state: ctx.state, lastSequenceNr: ctx.lastSequenceNr });
          return;
        case 'snapshot':
          await ctx.saveSnapshot();
          cmd.replyTo.tell('saved');
          return;
        case 'delete':
          try {
            await ctx.deleteTo(cmd.to);
            cmd.replyTo.tell('deleted');
          } catch (error) {
            cmd.replyTo.tell(`refused: ${(error as Error).message}`);
          }
          return;
        case 'crash':
          throw new Error('crash on purpose');
      }
    },
    ...extra,
  });
}

const get = (ref: ActorRef<Cmd>) => ref.ask<{ state: number[]; lastSequenceNr: number }>((replyTo) => ({ type: 'get', replyTo }));

/** A journal that forwards to another and lets a test hold or fail calls. */
class ControlledJournal implements Journal {
  appendGate: Promise<void> | null = null;
  recoveryGate: Promise<void> | null = null;
  failAppends = 0;
  appendsStarted = 0;
  appendsDone = 0;
  constructor(readonly inner: Journal) {}
  async append<E>(persistenceId: string, expectedSequenceNr: number, events: readonly E[]): Promise<number> {
    this.appendsStarted++;
    if (this.appendGate !== null) await this.appendGate;
    if (this.failAppends > 0) {
      this.failAppends--;
      throw new Error('disk on fire');
    }
    const last = await this.inner.append(persistenceId, expectedSequenceNr, events);
    this.appendsDone++;
    return last;
  }
  replay<E>(id: string, from: number, to: number, onEvent: (record: JournalRecord<E>) => void): Promise<void> {
    return this.inner.replay(id, from, to, onEvent);
  }
  highestSequenceNr(id: string): Promise<number> {
    return this.inner.highestSequenceNr(id);
  }
  deleteTo(id: string, to: number): Promise<void> {
    return this.inner.deleteTo(id, to);
  }
  saveSnapshot<S>(id: string, sequenceNr: number, state: S): Promise<void> {
    return this.inner.saveSnapshot(id, sequenceNr, state);
  }
  async loadSnapshot<S>(id: string): Promise<SnapshotRecord<S> | undefined> {
    if (this.recoveryGate !== null) await this.recoveryGate;
    return this.inner.loadSnapshot<S>(id);
  }
  claim(id: string, writerId: string): Promise<void> {
    return this.inner.claim(id, writerId);
  }
  release(id: string, writerId: string): Promise<void> {
    return this.inner.release(id, writerId);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The recorded events of one type (and path), with their extra fields readable. */
function ofType(events: RuntimeEvent[], type: string, path?: string): ExtensionEvent[] {
  return events.filter((e) => e.type === type && (path === undefined || e.path === path)) as ExtensionEvent[];
}

async function allEvents(journal: Journal, id: string): Promise<number[]> {
  const seen: number[] = [];
  await journal.replay<Ev>(id, 1, Number.MAX_SAFE_INTEGER, (r) => seen.push(r.event.added));
  return seen;
}

describe('persistent actors', () => {
  it('persists commands as events and recovers the state after a stop and a new spawn', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const journal = new MemoryJournal();
    const Counter = counter(journal);
    const a = system.spawn(Counter, { name: 'c', props: { id: 'x' } });
    for (const by of [1, 2, 3]) a.tell({ type: 'add', by });
    assert.deepEqual(await get(a), { state: [1, 2, 3], lastSequenceNr: 3 });
    assert.equal(await journal.highestSequenceNr('counter-x'), 3);
    await system.stop(a);

    const b = system.spawn(Counter, { name: 'c', props: { id: 'x' } });
    assert.deepEqual(await get(b), { state: [1, 2, 3], lastSequenceNr: 3 });
    b.tell({ type: 'add', by: 4 });
    assert.deepEqual((await get(b)).state, [1, 2, 3, 4]);
    const recovered = ofType(events, 'persistence-recovered', '/user/c');
    assert.equal(recovered.length, 2);
    assert.equal(recovered[1]!.persistenceId, 'counter-x');
    assert.equal(recovered[1]!.eventsReplayed, 3);
    assert.equal(recovered[1]!.fromSnapshot, null);
    assert.equal(typeof recovered[1]!.durationMs, 'number');
  });

  it('recovers from a file journal reopened after a close (events and snapshot on disk)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'actormesh-persistent-'));
    try {
      const system = quietSystem();
      const events = recordEvents(system);
      const first = await FileJournal.open(dir);
      const a = system.spawn(counter(first, [], { snapshotEvery: 2 }), { name: 'disk', props: { id: 'disk' } });
      for (const by of [1, 2, 3]) a.tell({ type: 'add', by });
      await get(a);
      await system.stop(a);
      await first.close();

      const second = await FileJournal.open(dir);
      const b = system.spawn(counter(second, [], { snapshotEvery: 2 }), { name: 'disk', props: { id: 'disk' } });
      assert.deepEqual(await get(b), { state: [1, 2, 3], lastSequenceNr: 3 });
      const recovered = ofType(events, 'persistence-recovered', '/user/disk').at(-1)!;
      assert.equal(recovered.fromSnapshot, 2);
      assert.equal(recovered.eventsReplayed, 1);
      await system.stop(b);
      await second.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('holds commands sent during recovery and handles them after it, in order', async () => {
    const system = quietSystem();
    const inner = new MemoryJournal();
    await inner.append('counter-r', 0, [{ added: 1 }, { added: 2 }]);
    const journal = new ControlledJournal(inner);
    const gate = deferred();
    journal.recoveryGate = gate.promise;
    const handled: number[] = [];
    const ref = system.spawn(counter(journal, handled), { props: { id: 'r' } });
    for (const by of [3, 4, 5]) ref.tell({ type: 'add', by });
    const reply = get(ref);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(handled, [], 'no command is handled before the recovery completed');
    gate.resolve();
    assert.deepEqual(await reply, { state: [1, 2, 3, 4, 5], lastSequenceNr: 5 });
    assert.deepEqual(handled, [3, 4, 5]);
  });

  it('snapshotEvery saves snapshots and recovery replays only the events after the latest', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const journal = new MemoryJournal();
    const Counter = counter(journal, [], { snapshotEvery: 3 });
    const a = system.spawn(Counter, { name: 's', props: { id: 's' } });
    for (let by = 1; by <= 7; by++) a.tell({ type: 'add', by });
    a.tell({ type: 'add-many', values: [8, 9, 10] }); // 7 -> 10 passes 9: one snapshot at 10
    assert.equal((await get(a)).lastSequenceNr, 10);
    const saved = ofType(events, 'persistence-snapshot-saved', '/user/s').map((e) => e.sequenceNr);
    assert.deepEqual(saved, [3, 6, 10]);
    assert.equal((await journal.loadSnapshot<number[]>('counter-s'))?.sequenceNr, 10);
    a.tell({ type: 'add', by: 11 });
    await get(a);
    await system.stop(a);

    const b = system.spawn(Counter, { name: 's', props: { id: 's' } });
    assert.deepEqual((await get(b)).state, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const recovered = ofType(events, 'persistence-recovered', '/user/s').at(-1)!;
    assert.equal(recovered.fromSnapshot, 10);
    assert.equal(recovered.eventsReplayed, 1);
  });

  it('deleteTo removes journaled events; recovery then starts from the snapshot', async () => {
    const system = quietSystem();
    const journal = new MemoryJournal();
    const Counter = counter(journal);
    const a = system.spawn(Counter, { name: 'd', props: { id: 'd' } });
    for (const by of [5, 6, 7, 8]) a.tell({ type: 'add', by });
    assert.equal(await a.ask<string>((replyTo) => ({ type: 'snapshot', replyTo })), 'saved');
    assert.equal(await a.ask<string>((replyTo) => ({ type: 'delete', to: 4, replyTo })), 'deleted');
    assert.match(await a.ask<string>((replyTo) => ({ type: 'delete', to: 9, replyTo })), /refused: .*lastSequenceNr 4 \(got 9\)/);
    assert.deepEqual(await allEvents(journal, 'counter-d'), [], 'the journal replays nothing up to 4');
    assert.equal(await journal.highestSequenceNr('counter-d'), 4);
    await system.stop(a);

    const b = system.spawn(Counter, { name: 'd', props: { id: 'd' } });
    assert.deepEqual(await get(b), { state: [5, 6, 7, 8], lastSequenceNr: 4 });
    b.tell({ type: 'add', by: 9 });
    assert.deepEqual(await get(b), { state: [5, 6, 7, 8, 9], lastSequenceNr: 5 });
  });

  it('persist resolves only after the journal append resolved, and later commands wait for it', async () => {
    const system = quietSystem();
    const journal = new ControlledJournal(new MemoryJournal());
    const gate = deferred();
    const log: string[] = [];
    const Def = persistent<{ n: number }, number, number>({
      persistenceId: () => 'slow',
      journal,
      initialState: 0,
      onEvent: (s, e) => s + e,
      async onCommand(cmd, ctx) {
        log.push(`start ${cmd.n}`);
        await ctx.persist(cmd.n);
        log.push(`after ${cmd.n}: state ${ctx.state} seq ${ctx.lastSequenceNr} appendsDone ${journal.appendsDone}`);
      },
    });
    const ref = system.spawn(Def);
    journal.appendGate = gate.promise;
    ref.tell({ n: 1 });
    ref.tell({ n: 2 });
    await eventually(() => journal.appendsStarted === 1, 'the first append started');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(log, ['start 1'], 'neither the handler nor the next command went on before the append resolved');
    journal.appendGate = null;
    gate.resolve();
    await eventually(() => log.length === 4, 'both commands handled');
    assert.deepEqual(log, ['start 1', 'after 1: state 1 seq 1 appendsDone 1', 'start 2', 'after 2: state 3 seq 2 appendsDone 2']);
  });

  it('a second live actor on the same persistence id fails its start with a WriterConflictError', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const journal = new MemoryJournal();
    const Counter = counter(journal);
    const first = system.spawn(Counter, { name: 'one', props: { id: 'same' } });
    first.tell({ type: 'add', by: 1 });
    await get(first);
    system.spawn(Counter, { name: 'two', props: { id: 'same' } });
    await eventually(() => ofType(events, 'actor-stopped', '/user/two').length === 1, 'the second actor stopped');
    const failed = ofType(events, 'actor-failed', '/user/two')[0]!;
    const error = failed.error as ActorInitializationError;
    assert.ok(error instanceof ActorInitializationError);
    assert.ok(error.cause instanceof PersistenceRecoveryError);
    assert.equal(error.cause.persistenceId, 'counter-same');
    assert.match(error.cause.message, /persistence id 'counter-same'/);
    assert.ok(error.cause.cause instanceof WriterConflictError);
    assert.equal(ofType(events, 'persistence-recovery-failed', '/user/two').length, 1);
    // The first one still owns the id and works.
    first.tell({ type: 'add', by: 2 });
    assert.deepEqual((await get(first)).state, [1, 2]);
  });

  it('a failing journal append fails the actor; its supervisor restarts it and it recovers from the journal', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const journal = new ControlledJournal(new MemoryJournal());
    const ref = system.spawn(counter(journal), { name: 'f', props: { id: 'f' } });
    ref.tell({ type: 'add', by: 1 });
    await get(ref);
    journal.failAppends = 1;
    ref.tell({ type: 'add', by: 2 });
    ref.tell({ type: 'add', by: 3 });
    assert.deepEqual(await get(ref), { state: [1, 3], lastSequenceNr: 2 });
    const failed = ofType(events, 'actor-failed', '/user/f');
    assert.equal(failed.length, 1);
    assert.ok(failed[0]!.error instanceof PersistFailedError);
    assert.match((failed[0]!.error as Error).message, /sequence number 2 of persistence id 'counter-f': disk on fire/);
    assert.equal(ofType(events, 'persist-failed', '/user/f').length, 1);
    const dead = ofType(events, 'dead-letter', '/user/f');
    assert.equal(dead.length, 1);
    assert.deepEqual(dead[0]!.message, { type: 'add', by: 2 });
    assert.equal(ofType(events, 'actor-restarted', '/user/f').length, 1);
    const recovered = ofType(events, 'persistence-recovered', '/user/f');
    assert.equal(recovered.length, 2);
    assert.equal(recovered[1]!.eventsReplayed, 1);
  });

  it('a persist failure the handler catches still fails the actor', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const journal = new ControlledJournal(new MemoryJournal());
    const Def = persistent<string, string, string[]>({
      persistenceId: () => 'caught',
      journal,
      initialState: [],
      onEvent: (s, e) => [...s, e],
      async onCommand(cmd, ctx) {
        await ctx.persist(cmd).catch(() => undefined);
      },
    });
    const ref = system.spawn(Def, { name: 'k' });
    await eventually(() => ofType(events, 'persistence-recovered', '/user/k').length === 1, 'recovered');
    journal.failAppends = 1;
    ref.tell('a');
    await eventually(() => ofType(events, 'actor-restarted', '/user/k').length === 1, 'restarted');
    assert.ok(ofType(events, 'actor-failed', '/user/k')[0]!.error instanceof PersistFailedError);
  });

  it('a handler that does not await its persists still holds the next command until the journal has them', async () => {
    const system = quietSystem();
    const journal = new ControlledJournal(new MemoryJournal());
    const gate = deferred();
    journal.appendGate = gate.promise;
    const seen: Array<[number, number]> = [];
    const Def = persistent<number, number, number>({
      persistenceId: () => 'sync',
      journal,
      initialState: 0,
      onEvent: (s, e) => s + e,
      onCommand(n, ctx) {
        seen.push([n, ctx.state]);
        void ctx.persist(n); // fire and forget: the actor still waits for it
        void ctx.persist(n);
      },
    });
    const ref = system.spawn(Def);
    ref.tell(1);
    ref.tell(10);
    await eventually(() => journal.appendsStarted === 1, 'the first append started');
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(seen, [[1, 0]]);
    journal.appendGate = null;
    gate.resolve();
    await eventually(() => seen.length === 2 && journal.appendsDone === 4, 'both commands persisted');
    assert.deepEqual(seen, [[1, 0], [10, 2]]);
    assert.deepEqual(await journal.highestSequenceNr('sync'), 4);
  });

  it('ctx.become replaces the command handler, which gets the persistent context', async () => {
    const system = quietSystem();
    const journal = new MemoryJournal();
    const Def = persistent<{ n: number; replyTo?: ActorRef<number> }, number, number>({
      persistenceId: () => 'become',
      journal,
      initialState: 0,
      onEvent: (s, e) => s + e,
      async onCommand(cmd, ctx) {
        await ctx.persist(cmd.n);
        ctx.become(async (next, c) => {
          await c.persist(next.n * 100);
          next.replyTo?.tell(c.state);
        });
      },
    });
    const ref = system.spawn(Def);
    ref.tell({ n: 1 });
    assert.equal(await ref.ask<number>((replyTo) => ({ n: 2, replyTo })), 201);
  });

  it('an actor stopped during its recovery releases its claim, so a new one can take the id', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const journal = new ControlledJournal(new MemoryJournal());
    const gate = deferred();
    journal.recoveryGate = gate.promise;
    const Counter = counter(journal);
    const a = system.spawn(Counter, { name: 'early', props: { id: 'e' } });
    a.tell({ type: 'add', by: 1 });
    const stopped = system.stop(a);
    journal.recoveryGate = null;
    gate.resolve();
    await stopped;
    assert.equal(ofType(events, 'dead-letter', '/user/early').length, 1, 'the queued command became a dead letter');
    const b = system.spawn(Counter, { name: 'late', props: { id: 'e' } });
    b.tell({ type: 'add', by: 2 });
    assert.deepEqual((await get(b)).state, [2]);
  });

  it('an onEvent that throws during replay fails the start, naming the persistence id and the event', async () => {
    const system = quietSystem();
    const events = recordEvents(system);
    const journal = new MemoryJournal();
    await journal.append('strict', 0, ['ok', 'bad']);
    const Def = persistent<string, string, string[]>({
      persistenceId: () => 'strict',
      journal,
      initialState: [],
      onEvent: (s, e) => {
        if (e === 'bad') throw new Error('cannot apply bad');
        return [...s, e];
      },
      onCommand: () => undefined,
    });
    system.spawn(Def, { name: 'strict' });
    await eventually(() => ofType(events, 'actor-stopped', '/user/strict').length === 1, 'stopped');
    const error = ofType(events, 'actor-failed', '/user/strict')[0]!.error as Error;
    assert.ok(error.cause instanceof PersistenceRecoveryError);
    assert.match(error.message, /persistence id 'strict': onEvent threw on event 2: cannot apply bad/);
    // Its claim was released on the stop: the id can be claimed again.
    await journal.claim('strict', 'someone-else');
  });

  it('refuses bad options with errors naming the option', () => {
    const journal = new MemoryJournal();
    const base = { persistenceId: () => 'p', journal, initialState: 0, onEvent: (s: number) => s, onCommand: () => undefined };
    assert.throws(() => persistent({ ...base, snapshotEvery: 0 }), /options\.snapshotEvery must be an integer >= 1 \(got 0\)/);
    assert.throws(() => persistent({ ...base, onEvent: 3 as never }), /options\.onEvent must be a function \(got number\)/);
    assert.throws(() => persistent({ ...base, journal: {} as Journal }), /options\.journal must implement Journal \(missing append/);
  });

  it('property: with random commands and restarts, the recovered state equals the fold of every persisted event', async function () {
    this.timeout(10_000);
    type Step = { kind: 'add'; by: number } | { kind: 'many'; values: number[] } | { kind: 'crash' } | { kind: 'respawn' } | { kind: 'snapshot' };
    const step = fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: fc.constant('add' as const), by: fc.integer({ min: -50, max: 50 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('many' as const), values: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 4 }) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'crash' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'respawn' as const }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'snapshot' as const }) },
    );
    let system: ActorSystem | undefined;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), fc.constantFrom(undefined, 1, 2, 5), async (steps: Step[], snapshotEvery) => {
        system = quietSystem();
        const journal = new MemoryJournal();
        const Counter = counter(journal, [], snapshotEvery === undefined ? {} : { snapshotEvery });
        let ref = system.spawn(Counter, { name: 'p', props: { id: 'p' } });
        const expected: number[] = [];
        for (const s of steps) {
          if (s.kind === 'add') {
            ref.tell({ type: 'add', by: s.by });
            expected.push(s.by);
          } else if (s.kind === 'many') {
            ref.tell({ type: 'add-many', values: s.values });
            expected.push(...s.values);
          } else if (s.kind === 'crash') {
            ref.tell({ type: 'crash' }); // the supervisor restarts it; the next commands wait for its recovery
          } else if (s.kind === 'snapshot') {
            await ref.ask<string>((replyTo) => ({ type: 'snapshot', replyTo }));
          } else {
            await get(ref); // a stop overtakes queued commands (they would become dead letters)
            await system.stop(ref);
            ref = system.spawn(Counter, { name: 'p', props: { id: 'p' } });
          }
        }
        const live = await get(ref);
        await system.stop(ref);
        const recovered = await get(system.spawn(Counter, { name: 'p', props: { id: 'p' } }));
        const journaled = await allEvents(journal, 'counter-p');
        assert.deepEqual(journaled, expected);
        assert.deepEqual(live.state, expected);
        assert.deepEqual(recovered.state, journaled);
        assert.equal(recovered.lastSequenceNr, expected.length);
        await terminateAll();
      }),
      { numRuns: 40 },
    );
  });
});
