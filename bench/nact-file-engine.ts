/**
 * A nact persistence engine that stores into an actormesh Journal (a FileJournal in the
 * benchmarks). It exists only so that both runtimes write to the SAME storage in
 * bench/journal-actors.bench.ts: the comparison then measures the actor runtimes and their
 * persistence paths, not two different storage engines.
 *
 * Mapping (nact 7.6.2, lib/persistence/persistent-actor.js):
 *   persist(e)            journal.append(e.key, e.sequenceNumber - 1, [e.data]): one event per
 *                         call, resolved once durable, as nact awaits it. nact numbers events
 *                         1, 2, 3 ... per key, the journal's own numbering.
 *   events(key, offset)   the events after `offset` read with journal.replay, handed out as an
 *                         object whose `reduce(fn, initial)` resolves to the array's reduce
 *                         (nact passes an async fn and a promise and awaits the result).
 *   takeSnapshot(s)       journal.saveSnapshot(s.key, s.sequenceNumber, s.data).
 *   latestSnapshot(key)   journal.loadSnapshot(key), as nact's { data, sequenceNumber }.
 * Tags are not stored: an event with tags is refused (the benchmarks use none), rather than
 * silently dropping them. Event timestamps are the journal's.
 */
import type { Journal } from '../src/persistence/journal.js';
import type { NactEventStream, NactPersistedEvent, NactPersistedSnapshot, NactPersistenceEngine } from './peers.js';

export class NactJournalEngine implements NactPersistenceEngine {
  constructor(private readonly journal: Journal) {}

  /** Appends the event's data after sequenceNumber - 1; rejects on tags or a bad sequence number. */
  async persist(event: NactPersistedEvent): Promise<void> {
    if (event.tags.length > 0) throw new Error(`NactJournalEngine.persist: tags are not stored (key ${JSON.stringify(event.key)}, tags ${JSON.stringify(event.tags)})`);
    if (!Number.isInteger(event.sequenceNumber) || event.sequenceNumber < 1) {
      throw new RangeError(`NactJournalEngine.persist: sequenceNumber must be an integer >= 1 (key ${JSON.stringify(event.key)}, got ${event.sequenceNumber})`);
    }
    await this.journal.append(event.key, event.sequenceNumber - 1, [event.data]);
  }

  /** The events of `key` after `offset` (limit: at most that many), in order, for nact's recovery. */
  events(key: string, offset: number, limit?: number): NactEventStream {
    const to = limit === undefined ? Number.POSITIVE_INFINITY : offset + limit;
    const loaded = (async (): Promise<NactPersistedEvent[]> => {
      const out: NactPersistedEvent[] = [];
      await this.journal.replay(key, offset + 1, to, (r) =>
        out.push({ data: r.event, sequenceNumber: r.sequenceNr, key, tags: [], createdAt: r.timestamp, isDeleted: false }),
      );
      return out;
    })();
    return { reduce: (fn, initial) => loaded.then((events) => events.reduce(fn, initial)) };
  }

  /** The latest snapshot of `key`, or undefined. */
  async latestSnapshot(key: string): Promise<NactPersistedSnapshot | undefined> {
    const s = await this.journal.loadSnapshot(key);
    return s === undefined ? undefined : { data: s.state, sequenceNumber: s.sequenceNr, key, createdAt: s.timestamp };
  }

  /** Stores a snapshot durably. */
  async takeSnapshot(snapshot: NactPersistedSnapshot): Promise<void> {
    await this.journal.saveSnapshot(snapshot.key, snapshot.sequenceNumber, snapshot.data);
  }
}
