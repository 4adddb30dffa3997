/**
 * The shared contract suite of the Journal interface (issue 6): every journal (memory, file,
 * JetStream) runs it through `journalContract`, so they behave alike for persistent actors.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Journal, JournalRecord } from '../../src/persistence/journal.js';
import { JournalClosedError, WriterConflictError } from '../../src/persistence/errors.js';
import { MemoryJournal } from '../../src/persistence/memory-journal.js';

/** A fresh, empty journal; `reopen` closes it (if needed) and opens a journal over the same storage. */
export interface JournalFixture {
  readonly journal: Journal;
  reopen(): Promise<Journal>;
  cleanup(): Promise<void>;
}

async function collect<E = unknown>(journal: Journal, id: string, from = 1, to = Number.POSITIVE_INFINITY): Promise<JournalRecord<E>[]> {
  const out: JournalRecord<E>[] = [];
  await journal.replay<E>(id, from, to, (r) => out.push(r));
  return out;
}

const events = (records: readonly JournalRecord[]): unknown[] => records.map((r) => r.event);
const seqs = (records: readonly JournalRecord[]): number[] => records.map((r) => r.sequenceNr);

/** Defines `describe(name)` with the contract cases, each on a fresh journal from `makeJournal`. */
export function journalContract(name: string, makeJournal: () => Promise<JournalFixture>): void {
  describe(`Journal contract: ${name}`, () => {
    let fixture: JournalFixture;
    let journal: Journal;
    const extra: Journal[] = [];

    beforeEach(async () => {
      fixture = await makeJournal();
      journal = fixture.journal;
    });
    afterEach(async () => {
      for (const j of extra.splice(0)) await j.close().catch(() => undefined);
      await journal.close().catch(() => undefined);
      await fixture.cleanup();
    });

    it('appends return the last sequence number and replay yields the events in order with their sequence numbers', async () => {
      assert.equal(await journal.append('a', 0, ['e1', 'e2']), 2);
      assert.equal(await journal.append('a', 2, ['e3']), 3);
      const records = await collect(journal, 'a');
      assert.deepEqual(events(records), ['e1', 'e2', 'e3']);
      assert.deepEqual(seqs(records), [1, 2, 3]);
      for (const r of records) {
        assert.equal(r.persistenceId, 'a');
        assert.ok(typeof r.timestamp === 'number' && r.timestamp > 0);
      }
    });

    it('replay honours the from/to range and keeps ids apart', async () => {
      await journal.append('a', 0, [1, 2, 3, 4, 5]);
      await journal.append('b', 0, ['x']);
      assert.deepEqual(events(await collect(journal, 'a', 2, 4)), [2, 3, 4]);
      assert.deepEqual(events(await collect(journal, 'a', 4, 100)), [4, 5]);
      assert.deepEqual(events(await collect(journal, 'a', 0, 1)), [1]);
      assert.deepEqual(events(await collect(journal, 'a', 6, 10)), []);
      assert.deepEqual(events(await collect(journal, 'b')), ['x']);
      assert.deepEqual(events(await collect(journal, 'unknown')), []);
    });

    it('highestSequenceNr is 0 for an unknown id and follows appends', async () => {
      assert.equal(await journal.highestSequenceNr('a'), 0);
      await journal.append('a', 0, ['x', 'y']);
      assert.equal(await journal.highestSequenceNr('a'), 2);
      assert.equal(await journal.highestSequenceNr('b'), 0);
    });

    it('an append with a wrong expectedSequenceNr rejects with WriterConflictError and writes nothing', async () => {
      await journal.append('a', 0, ['e1', 'e2']);
      await assert.rejects(journal.append('a', 1, ['stale']), (e: unknown) => {
        assert.ok(e instanceof WriterConflictError);
        assert.equal(e.persistenceId, 'a');
        assert.equal(e.expectedSequenceNr, 1);
        assert.equal(e.actualSequenceNr, 2);
        assert.match(e.message, /"a"/);
        return true;
      });
      await assert.rejects(journal.append('a', 5, ['ahead']), WriterConflictError);
      assert.equal(await journal.highestSequenceNr('a'), 2);
      assert.deepEqual(events(await collect(journal, 'a')), ['e1', 'e2']);
    });

    it('two concurrent appends with the same expectedSequenceNr: one wins, the other conflicts', async () => {
      const results = await Promise.allSettled([journal.append('a', 0, ['first']), journal.append('a', 0, ['second'])]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(rejected.reason instanceof WriterConflictError);
      assert.equal((await collect(journal, 'a')).length, 1);
    });

    it('deleteTo makes replay skip the deleted events and keeps the highest sequence number', async () => {
      await journal.append('a', 0, [1, 2, 3, 4]);
      await journal.deleteTo('a', 2);
      assert.deepEqual(seqs(await collect(journal, 'a')), [3, 4]);
      assert.equal(await journal.highestSequenceNr('a'), 4);
      await journal.deleteTo('a', 1); // lower: no effect
      assert.deepEqual(seqs(await collect(journal, 'a')), [3, 4]);
      await journal.deleteTo('a', 100); // beyond the highest: everything, and later appends are kept
      assert.deepEqual(seqs(await collect(journal, 'a')), []);
      assert.equal(await journal.highestSequenceNr('a'), 4);
      await journal.append('a', 4, [5]);
      assert.deepEqual(seqs(await collect(journal, 'a')), [5]);
    });

    it('snapshots: none at first, the latest save wins, and they survive a reopen', async () => {
      assert.equal(await journal.loadSnapshot('a'), undefined);
      await journal.saveSnapshot('a', 3, { count: 3 });
      await journal.saveSnapshot('a', 7, { count: 7, items: ['x'] });
      await journal.saveSnapshot('b', 1, 'b-state');
      const latest = await journal.loadSnapshot<{ count: number }>('a');
      assert.equal(latest?.sequenceNr, 7);
      assert.equal(latest?.persistenceId, 'a');
      assert.deepEqual(latest?.state, { count: 7, items: ['x'] });
      journal = await fixture.reopen();
      const again = await journal.loadSnapshot('a');
      assert.equal(again?.sequenceNr, 7);
      assert.deepEqual(again?.state, { count: 7, items: ['x'] });
      assert.equal((await journal.loadSnapshot('b'))?.state, 'b-state');
    });

    it('events, deletions and sequence numbers survive a reopen', async () => {
      await journal.append('a', 0, ['e1', 'e2', 'e3']);
      await journal.deleteTo('a', 1);
      journal = await fixture.reopen();
      assert.equal(await journal.highestSequenceNr('a'), 3);
      assert.deepEqual(events(await collect(journal, 'a')), ['e2', 'e3']);
      assert.equal(await journal.append('a', 3, ['e4']), 4);
      await assert.rejects(journal.append('a', 0, ['x']), WriterConflictError);
    });

    it('claims: a second writer is refused until the first releases', async () => {
      await journal.claim('a', 'w1');
      await journal.claim('a', 'w1'); // idempotent for the holder
      await assert.rejects(journal.claim('a', 'w2'), (e: unknown) => {
        assert.ok(e instanceof WriterConflictError);
        assert.equal(e.persistenceId, 'a');
        assert.equal(e.heldBy, 'w1');
        assert.equal(e.writerId, 'w2');
        return true;
      });
      await journal.claim('b', 'w2'); // another id is free
      await journal.release('a', 'w1');
      await journal.claim('a', 'w2');
    });

    it('close() releases the claims: a reopened journal lets another writer claim', async () => {
      await journal.claim('a', 'w1');
      journal = await fixture.reopen();
      await journal.claim('a', 'w2');
    });

    it('after close() every call rejects with JournalClosedError', async () => {
      await journal.append('a', 0, ['x']);
      await journal.close();
      const calls: [string, () => Promise<unknown>][] = [
        ['append', () => journal.append('a', 1, ['y'])],
        ['replay', () => journal.replay('a', 1, 10, () => undefined)],
        ['highestSequenceNr', () => journal.highestSequenceNr('a')],
        ['deleteTo', () => journal.deleteTo('a', 1)],
        ['saveSnapshot', () => journal.saveSnapshot('a', 1, {})],
        ['loadSnapshot', () => journal.loadSnapshot('a')],
        ['claim', () => journal.claim('a', 'w')],
        ['release', () => journal.release('a', 'w')],
      ];
      for (const [operation, call] of calls) {
        await assert.rejects(call(), (e: unknown) => e instanceof JournalClosedError && e.message.includes(operation), operation);
      }
    });

    it('values round-trip: nested objects, arrays, null, unicode, numbers, Date, Buffer', async () => {
      const value = {
        nested: { deep: { list: [1, 'two', { three: 3 }], none: null, yes: true } },
        text: 'héllo → 世界 🎉',
        numbers: [0, -1, 1.5, Number.MAX_SAFE_INTEGER, -2147483649],
        when: new Date(1_700_000_000_123),
        bytes: Buffer.from([0, 1, 254, 255]),
        empty: {},
      };
      await journal.append('a', 0, [value, 'plain', 42]);
      const [first, second, third] = events(await collect(journal, 'a'));
      assert.deepEqual(first, value);
      assert.ok((first as typeof value).when instanceof Date);
      assert.ok(Buffer.isBuffer((first as typeof value).bytes));
      assert.equal(second, 'plain');
      assert.equal(third, 42);
      await journal.saveSnapshot('a', 1, value);
      assert.deepEqual((await journal.loadSnapshot('a'))?.state, value);
    });

    it('an event mutated after append does not change what was stored', async () => {
      const event = { n: 1 };
      await journal.append('a', 0, [event]);
      event.n = 2;
      assert.deepEqual(events(await collect(journal, 'a')), [{ n: 1 }]);
    });

    it('an empty append writes nothing and returns the current highest', async () => {
      await journal.append('a', 0, ['x']);
      assert.equal(await journal.append('a', 1, []), 1);
      assert.equal(await journal.highestSequenceNr('a'), 1);
    });

    it('bad arguments are refused with TypeError/RangeError naming the argument', async () => {
      await assert.rejects(journal.append('', 0, ['x']), (e: unknown) => e instanceof TypeError && /persistenceId/.test(e.message));
      await assert.rejects(journal.append('a', -1, ['x']), (e: unknown) => e instanceof RangeError && /expectedSequenceNr/.test(e.message));
      await assert.rejects(journal.append('a', 0, 'x' as unknown as string[]), (e: unknown) => e instanceof TypeError && /events/.test(e.message));
      await assert.rejects(journal.replay('a', 1.5, 2, () => undefined), (e: unknown) => e instanceof RangeError && /fromSequenceNr/.test(e.message));
      await assert.rejects(journal.claim('a', ''), (e: unknown) => e instanceof TypeError && /writerId/.test(e.message));
      assert.equal(await journal.highestSequenceNr('a'), 0);
    });

    it('many ids and many appends keep per-id order (1,000 events over 10 ids, concurrently)', async () => {
      const ids = Array.from({ length: 10 }, (_, i) => `id-${i}`);
      await Promise.all(
        ids.map(async (id) => {
          let seq = 0;
          for (let batch = 0; batch < 10; batch++) {
            const batchEvents = Array.from({ length: 10 }, (_, k) => `${id}:${batch * 10 + k + 1}`);
            seq = await journal.append(id, seq, batchEvents);
          }
        }),
      );
      for (const id of ids) {
        const records = await collect(journal, id);
        assert.deepEqual(
          events(records),
          Array.from({ length: 100 }, (_, k) => `${id}:${k + 1}`),
        );
      }
    });
  });
}

/** A random journal operation on one of `ids`: an append (with a skewed expected sequence number, so some conflict) or a deleteTo. */
export type JournalOp = { kind: 'append'; id: string; count: number; skew: number } | { kind: 'delete'; id: string; to: number };

export function journalOps(ids: readonly string[], maxLength: number): fc.Arbitrary<JournalOp[]> {
  const op: fc.Arbitrary<JournalOp> = fc.oneof(
    fc.record({ kind: fc.constant('append' as const), id: fc.constantFrom(...ids), count: fc.integer({ min: 0, max: 4 }), skew: fc.constantFrom(0, 0, 0, 1, -1) }),
    fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom(...ids), to: fc.integer({ min: 0, max: 12 }) }),
  );
  return fc.array(op, { maxLength });
}

/**
 * Applies `ops` to `journal` and to a fresh MemoryJournal side by side, asserting that each
 * operation succeeds or is refused (WriterConflictError) on both alike; returns the memory
 * journal, the reference for `assertSameAsMemory`.
 */
export async function applyAlongsideMemory(journal: Journal, ops: readonly JournalOp[]): Promise<MemoryJournal> {
  const memory = new MemoryJournal();
  let n = 0;
  for (const o of ops) {
    const results = await Promise.allSettled(
      [journal, memory].map(async (j: Journal) => {
        if (o.kind === 'delete') return j.deleteTo(o.id, o.to);
        const expected = Math.max(0, (await j.highestSequenceNr(o.id)) + o.skew);
        return j.append(o.id, expected, Array.from({ length: o.count }, (_, k) => ({ n: n + k, id: o.id })));
      }),
    );
    n += o.kind === 'append' ? o.count : 0;
    assert.equal(results[0]!.status, results[1]!.status);
    if (results[0]!.status === 'rejected') assert.ok((results[0] as PromiseRejectedResult).reason instanceof WriterConflictError);
  }
  return memory;
}

/** `journal` holds, for each of `ids`, the same highest sequence number and the same replayable events as `memory`. */
export async function assertSameAsMemory(journal: Journal, memory: Journal, ids: readonly string[]): Promise<void> {
  const all = async (j: Journal, id: string) => {
    const out: JournalRecord[] = [];
    await j.replay(id, 0, Number.POSITIVE_INFINITY, (r) => out.push(r));
    return out.map((r) => [r.sequenceNr, r.event]);
  };
  for (const id of ids) {
    assert.equal(await journal.highestSequenceNr(id), await memory.highestSequenceNr(id));
    assert.deepEqual(await all(journal, id), await all(memory, id));
  }
}
