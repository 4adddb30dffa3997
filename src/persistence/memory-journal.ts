/**
 * MemoryJournal: the Journal contract in memory, for tests and for persistent actors when no
 * journal directory is configured (nothing survives the process). Events and snapshots go
 * through the same msgpack codec as the file journal, so what round-trips here round-trips
 * there, and a caller mutating an event after persisting it changes nothing stored.
 */
import type { Journal, JournalRecord, SnapshotRecord } from './journal.js';
import { Claims } from './claims.js';
import { decode, encode } from './codec.js';
import { JournalClosedError, WriterConflictError } from './errors.js';
import { checkEvents, checkPersistenceId, checkSequenceNr, checkUpperBound, checkWriterId } from './validate.js';

interface Stream {
  /** events[k] holds sequence number k + 1 (encoded). */
  readonly events: { readonly bytes: Buffer; readonly timestamp: number }[];
  deletedTo: number;
}

/**
 * The data of memory journals. Several MemoryJournal instances may share one store, one at
 * a time: that is how a test "reopens" a memory journal after closing it.
 */
export class MemoryJournalStore {
  readonly streams = new Map<string, Stream>();
  readonly snapshots = new Map<string, { bytes: Buffer; sequenceNr: number; timestamp: number }>();
}

export class MemoryJournal implements Journal {
  private readonly streams: Map<string, Stream>;
  private readonly snapshots: MemoryJournalStore['snapshots'];
  private readonly claims = new Claims();
  private closed = false;

  /** A journal over `store` (a fresh, empty one by default). */
  constructor(readonly store: MemoryJournalStore = new MemoryJournalStore()) {
    this.streams = store.streams;
    this.snapshots = store.snapshots;
  }

  async append<E>(persistenceId: string, expectedSequenceNr: number, events: readonly E[]): Promise<number> {
    this.open('append');
    checkPersistenceId(persistenceId, 'MemoryJournal.append');
    checkSequenceNr(expectedSequenceNr, 'expectedSequenceNr', 'MemoryJournal.append');
    checkEvents(events, 'MemoryJournal.append');
    const stream = this.stream(persistenceId);
    const actual = stream.events.length;
    if (expectedSequenceNr !== actual) throw new WriterConflictError(persistenceId, { expectedSequenceNr, actualSequenceNr: actual });
    // Encode all first: an event that cannot be encoded must leave nothing appended.
    const timestamp = Date.now();
    const encoded = events.map((event) => ({ bytes: encode(event), timestamp }));
    stream.events.push(...encoded);
    return stream.events.length;
  }

  async replay<E>(persistenceId: string, fromSequenceNr: number, toSequenceNr: number, onEvent: (record: JournalRecord<E>) => void): Promise<void> {
    this.open('replay');
    checkPersistenceId(persistenceId, 'MemoryJournal.replay');
    checkSequenceNr(fromSequenceNr, 'fromSequenceNr', 'MemoryJournal.replay');
    checkUpperBound(toSequenceNr, 'toSequenceNr', 'MemoryJournal.replay');
    const stream = this.streams.get(persistenceId);
    if (stream === undefined) return;
    const from = Math.max(fromSequenceNr, stream.deletedTo + 1, 1);
    const to = Math.min(toSequenceNr, stream.events.length);
    for (let seq = from; seq <= to; seq++) {
      const stored = stream.events[seq - 1]!;
      onEvent({ persistenceId, sequenceNr: seq, event: decode<E>(stored.bytes), timestamp: stored.timestamp });
    }
  }

  async highestSequenceNr(persistenceId: string): Promise<number> {
    this.open('highestSequenceNr');
    checkPersistenceId(persistenceId, 'MemoryJournal.highestSequenceNr');
    return this.streams.get(persistenceId)?.events.length ?? 0;
  }

  async deleteTo(persistenceId: string, toSequenceNr: number): Promise<void> {
    this.open('deleteTo');
    checkPersistenceId(persistenceId, 'MemoryJournal.deleteTo');
    checkSequenceNr(toSequenceNr, 'toSequenceNr', 'MemoryJournal.deleteTo');
    const stream = this.streams.get(persistenceId);
    if (stream === undefined) return;
    // Clamped to the highest: a later append must never land in the deleted range.
    stream.deletedTo = Math.max(stream.deletedTo, Math.min(toSequenceNr, stream.events.length));
  }

  async saveSnapshot<S>(persistenceId: string, sequenceNr: number, state: S): Promise<void> {
    this.open('saveSnapshot');
    checkPersistenceId(persistenceId, 'MemoryJournal.saveSnapshot');
    checkSequenceNr(sequenceNr, 'sequenceNr', 'MemoryJournal.saveSnapshot');
    this.snapshots.set(persistenceId, { bytes: encode(state), sequenceNr, timestamp: Date.now() });
  }

  async loadSnapshot<S>(persistenceId: string): Promise<SnapshotRecord<S> | undefined> {
    this.open('loadSnapshot');
    checkPersistenceId(persistenceId, 'MemoryJournal.loadSnapshot');
    const stored = this.snapshots.get(persistenceId);
    if (stored === undefined) return undefined;
    return { persistenceId, sequenceNr: stored.sequenceNr, state: decode<S>(stored.bytes), timestamp: stored.timestamp };
  }

  async claim(persistenceId: string, writerId: string): Promise<void> {
    this.open('claim');
    checkPersistenceId(persistenceId, 'MemoryJournal.claim');
    checkWriterId(writerId, 'MemoryJournal.claim');
    this.claims.claim(persistenceId, writerId);
  }

  async release(persistenceId: string, writerId: string): Promise<void> {
    this.open('release');
    checkPersistenceId(persistenceId, 'MemoryJournal.release');
    checkWriterId(writerId, 'MemoryJournal.release');
    this.claims.release(persistenceId, writerId);
  }

  /** Closes and drops this journal's claims; the data stays in `store` for a new MemoryJournal over it. */
  async close(): Promise<void> {
    this.closed = true;
    this.claims.clear();
  }

  private open(operation: string): void {
    if (this.closed) throw new JournalClosedError(operation, 'memory');
  }

  private stream(persistenceId: string): Stream {
    let stream = this.streams.get(persistenceId);
    if (stream === undefined) {
      stream = { events: [], deletedTo: 0 };
      this.streams.set(persistenceId, stream);
    }
    return stream;
  }
}
