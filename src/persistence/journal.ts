/**
 * The journal contract (issue 6): where persistent actors and the durable run loop keep
 * their events. Two journals implement it and pass one shared contract suite
 * (test/persistence/journal-contract.ts): the file journal (the embedded default) and, for
 * distributed nodes, a JetStream journal.
 *
 * Events are opaque values the journal serialises (msgpack); sequence numbers are per
 * persistence id, from 1, without gaps. Everything is async: a promise resolves once the
 * journal holds the data durably (for the file journal: after the fsync of its batch).
 */

/** One journaled event. */
export interface JournalRecord<E = unknown> {
  readonly persistenceId: string;
  /** 1, 2, 3, ... per persistence id. */
  readonly sequenceNr: number;
  readonly event: E;
  /** When the journal accepted it (epoch ms). */
  readonly timestamp: number;
}

/** A snapshot of an actor's state after `sequenceNr`. */
export interface SnapshotRecord<S = unknown> {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly state: S;
  readonly timestamp: number;
}

export interface Journal {
  /**
   * Appends `events` for `persistenceId` after `expectedSequenceNr` (the highest sequence
   * number the writer knows: optimistic concurrency). Resolves with the sequence number of
   * the last event once they are durable. Rejects with WriterConflictError when another
   * writer appended in between (or holds the id), and appends nothing then.
   */
  append<E>(persistenceId: string, expectedSequenceNr: number, events: readonly E[]): Promise<number>;

  /** The events of `persistenceId` with fromSequenceNr <= sequenceNr <= toSequenceNr, in order. */
  replay<E>(persistenceId: string, fromSequenceNr: number, toSequenceNr: number, onEvent: (record: JournalRecord<E>) => void): Promise<void>;

  /** The highest sequence number of `persistenceId` (0 when it has none). */
  highestSequenceNr(persistenceId: string): Promise<number>;

  /** Deletes the events of `persistenceId` up to `toSequenceNr` (replay skips them; the highest sequence number stays). */
  deleteTo(persistenceId: string, toSequenceNr: number): Promise<void>;

  /** Stores a snapshot (durably); the latest one is what `loadSnapshot` returns. */
  saveSnapshot<S>(persistenceId: string, sequenceNr: number, state: S): Promise<void>;

  /** The latest snapshot of `persistenceId`, or undefined. */
  loadSnapshot<S>(persistenceId: string): Promise<SnapshotRecord<S> | undefined>;

  /**
   * Claims `persistenceId` for one writer (`writerId`): a second writer's claim (or append
   * under another writer's claim) is refused with WriterConflictError until the first
   * releases it or its claim is released by `close()`.
   */
  claim(persistenceId: string, writerId: string): Promise<void>;

  release(persistenceId: string, writerId: string): Promise<void>;

  /** Flushes and closes; further calls reject with JournalClosedError. */
  close(): Promise<void>;
}
