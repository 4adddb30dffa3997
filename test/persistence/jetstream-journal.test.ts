/**
 * The journal contract against JetStreamJournal on a real nats-server (one per file, started
 * by the fixture; each test gets fresh streams, removed after it), plus JetStream specifics:
 * a conflict between two journals (two nodes) on one id, and recovery from another journal.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JetStreamJournal, subjectToken } from '../../src/persistence/jetstream-journal.js';
import { WriterConflictError } from '../../src/persistence/errors.js';
import type { Journal, JournalRecord } from '../../src/persistence/journal.js';
import { findNatsServer, NatsServerMissingError, startNatsServer } from '../support/nats-server.js';
import { natsServerForFile } from '../support/nats-server-for-file.js';
import { applyAlongsideMemory, assertSameAsMemory, journalContract, journalOps } from './journal-contract.js';

const nats = natsServerForFile();

let counter = 0;
/** A fresh stream name and subject prefix, so tests never see each other's data. */
function freshNames(): { stream: string; subjectPrefix: string } {
  counter++;
  return { stream: `T${process.pid}_${counter}`, subjectPrefix: `t${process.pid}_${counter}` };
}

function open(names: { stream: string; subjectPrefix: string }): Promise<JetStreamJournal> {
  return JetStreamJournal.open({ servers: nats().url, storage: 'file', ...names });
}

async function destroy(names: { stream: string; subjectPrefix: string }): Promise<void> {
  const j = await open(names);
  await j.destroy();
}

journalContract('JetStreamJournal', async () => {
  const names = freshNames();
  let current = await open(names);
  return {
    journal: current,
    async reopen() {
      await current.close();
      current = await open(names);
      return current;
    },
    async cleanup() {
      await current.close();
      await destroy(names);
    },
  };
});

async function collect(journal: Journal, id: string): Promise<JournalRecord[]> {
  const out: JournalRecord[] = [];
  await journal.replay(id, 1, Number.POSITIVE_INFINITY, (r) => out.push(r));
  return out;
}

describe('JetStreamJournal', () => {
  it('subjectToken turns any persistence id into one valid subject token', () => {
    for (const id of ['a', 'a.b', 'x y', '*', '>', 'sector/7/agent-1', 'héllo 世界', '.']) {
      const token = subjectToken(id);
      assert.match(token, /^[A-Za-z0-9_-]+$/, id);
      assert.equal(Buffer.from(token, 'base64url').toString('utf8'), id);
    }
  });

  it('property: subjectToken is a valid, reversible subject token for every string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1 }), (id) => {
        const token = subjectToken(id);
        assert.match(token, /^[A-Za-z0-9_-]+$/);
        assert.equal(Buffer.from(token, 'base64url').toString('utf8'), id);
      }),
    );
  });

  it('property: any sequence of appends, deletions and conflicts leaves the JetStream journal, reopened, equal to the memory journal', async function () {
    this.timeout(20_000);
    await fc.assert(
      fc.asyncProperty(journalOps(['x', 'y.z', '*'], 15), async (ops) => {
        const names = freshNames();
        const js = await open(names);
        try {
          const memory = await applyAlongsideMemory(js, ops);
          await js.close();
          const reopened = await open(names);
          try {
            await assertSameAsMemory(reopened, memory, ['x', 'y.z', '*']);
          } finally {
            await reopened.destroy();
          }
        } finally {
          await js.close();
        }
      }),
      { numRuns: 15 },
    );
  });

  it('two journals (two nodes) on one id: the stale writer is refused by the server and writes nothing; the other recovers everything', async () => {
    const names = freshNames();
    const a = await open(names);
    const b = await open(names);
    try {
      assert.equal(await a.append('sector-1', 0, ['a1', 'a2']), 2);
      assert.equal(await b.highestSequenceNr('sector-1'), 2);
      assert.equal(await b.append('sector-1', 2, ['b3']), 3);
      // a's cached tip is stale: the server's expected-last-subject-sequence check refuses it.
      await assert.rejects(a.append('sector-1', 2, ['a3']), (e: unknown) => e instanceof WriterConflictError && e.actualSequenceNr === 3);
      assert.equal(await a.append('sector-1', 3, ['a4']), 4);
      assert.deepEqual((await collect(b, 'sector-1')).map((r) => r.event), ['a1', 'a2', 'b3', 'a4']);
      await a.claim('sector-1', 'node-a');
      await assert.rejects(b.claim('sector-1', 'node-b'), (e: unknown) => e instanceof WriterConflictError && e.heldBy === 'node-a');
    } finally {
      await a.close();
      await b.close();
      await destroy(names);
    }
  });

  it('the fixture fails loudly with the install command when no nats-server binary exists (never skips)', () => {
    assert.throws(
      () => findNatsServer({ PATH: '/nonexistent-dir' }, ['/nonexistent-dir/nats-server']),
      (e: unknown) => e instanceof NatsServerMissingError && /apt-get install nats-server/.test(e.message) && /NATS_SERVER/.test(e.message),
    );
    assert.match(findNatsServer(), /nats-server$/);
  });

  it('credentials are passed through to the connection; without them open() rejects', async function () {
    this.timeout(15_000);
    const secured = await startNatsServer({ args: ['--user', 'node-a', '--pass', 's3cret'] });
    try {
      await assert.rejects(JetStreamJournal.open({ servers: secured.url, connection: { maxReconnectAttempts: 0 } }), /auth|Authorization/i);
      const j = await JetStreamJournal.open({ servers: secured.url, connection: { user: 'node-a', pass: 's3cret' } });
      assert.equal(await j.append('a', 0, ['x']), 1);
      await j.close();
    } finally {
      await secured.stop();
    }
  });

  it('an unreachable server: open() rejects', async () => {
    const gone = await startNatsServer();
    await gone.stop();
    await assert.rejects(JetStreamJournal.open({ servers: gone.url, connection: { maxReconnectAttempts: 0 } }));
  });

  it('bad options are refused naming the option and the value', async () => {
    await assert.rejects(JetStreamJournal.open({ servers: '' }), (e: unknown) => e instanceof TypeError && /options\.servers/.test(e.message));
    await assert.rejects(JetStreamJournal.open({ servers: nats().url, stream: 'a.b' }), (e: unknown) => e instanceof RangeError && /options\.stream/.test(e.message) && /a\.b/.test(e.message));
    await assert.rejects(JetStreamJournal.open({ servers: nats().url, subjectPrefix: 'x>' }), (e: unknown) => e instanceof RangeError && /subjectPrefix/.test(e.message));
  });

  it('replay from a later sequence number starts at the message holding it (a recovery after a snapshot skips the history before)', async function () {
    this.timeout(15_000);
    const names = freshNames();
    const j = await open(names);
    try {
      // id 'a': 120 appends of 1-3 events, interleaved with appends of 'b' (so stream and id sequences differ).
      const starts: number[] = []; // the first sequence number of each message of 'a'
      let a = 0;
      let b = 0;
      for (let i = 0; i < 120; i++) {
        const n = 1 + (i % 3);
        starts.push(a + 1);
        a = await j.append('a', a, Array.from({ length: n }, (_, k) => a + k + 1));
        if (i % 2 === 0) b = await j.append('b', b, ['noise']);
      }
      for (const from of [1, 2, 100, 117, 118, a - 1, a]) {
        const before = { ...j.stats };
        const seen: number[] = [];
        await j.replay<number>('a', from, Number.POSITIVE_INFINITY, (r) => seen.push(r.event));
        assert.deepEqual(seen, Array.from({ length: a - from + 1 }, (_, k) => from + k), `replay from ${from}`);
        // Messages read: exactly those from the one holding `from` to the last.
        const holding = starts.filter((s) => s <= from).length - 1;
        assert.equal(j.stats.replayedMessages - before.replayedMessages, starts.length - holding, `messages read replaying from ${from}`);
        if (from > 1) assert.ok(j.stats.startLookups - before.startLookups <= 10, `at most log2(stream length) lookups, made ${j.stats.startLookups - before.startLookups}`);
      }
    } finally {
      await j.close();
      await destroy(names);
    }
  });

  it('batched appends over many ids: throughput figure (events/s)', async function () {
    this.timeout(15_000);
    const names = freshNames();
    const j = await open(names);
    try {
      const ids = Array.from({ length: 50 }, (_, i) => `id-${i}`);
      const perBatch = 100;
      const rounds = 10;
      const started = process.hrtime.bigint();
      await Promise.all(
        ids.map(async (id) => {
          let seq = 0;
          for (let r = 0; r < rounds; r++) seq = await j.append(id, seq, Array.from({ length: perBatch }, (_, k) => ({ id, n: seq + k + 1, pad: 'x'.repeat(32) })));
        }),
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const total = ids.length * perBatch * rounds;
      console.log(`      JetStreamJournal: ${total} events in ${ids.length * rounds} appends of ${perBatch}: ${Math.round(total / seconds)} events/s`);
      assert.equal(await j.highestSequenceNr('id-7'), perBatch * rounds);
      const replayStart = process.hrtime.bigint();
      const records = await collect(j, 'id-7');
      const replaySeconds = Number(process.hrtime.bigint() - replayStart) / 1e9;
      console.log(`      JetStreamJournal: replay of ${records.length} events: ${Math.round(records.length / replaySeconds)} events/s`);
      assert.deepEqual(records.map((r) => r.sequenceNr), Array.from({ length: perBatch * rounds }, (_, k) => k + 1));
    } finally {
      await j.close();
      await destroy(names);
    }
  });
});
