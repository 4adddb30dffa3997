/**
 * JetStreamJournal: the journal for distributed nodes (issue 6), on NATS JetStream with the
 * maintained v3 client (@nats-io/transport-node, @nats-io/jetstream, @nats-io/kv), so a
 * sector restarted on another node recovers its state from the same server.
 *
 * Layout (for stream S, default 'ACTORMESH_JOURNAL', and subject prefix P, default 'journal'):
 * - stream S, subjects `P.<id>.events`: one message per append, holding all its events
 *   (msgpack, codec.ts) so a multi-event append is atomic. `<id>` is the persistence id in
 *   base64url, so any string is a valid subject token. The header `Actormesh-Last-Seq` holds
 *   the per-id sequence number of the message's last event: the highest sequence number is
 *   one lookup of the subject's last message, whatever the number of events per message.
 * - Optimistic concurrency: each append is published with `expect.lastSubjectSequence` set
 *   to the STREAM sequence of the subject's last message (learnt from the previous publish
 *   ack, or by a lookup): the server refuses the publish when another writer appended in
 *   between, and the append rejects with WriterConflictError, nothing written.
 * - stream S_META, subjects `P.<id>.deleted` and `P.<id>.snapshot`, one message kept per
 *   subject (max_msgs_per_subject 1): the deleteTo marker and the latest snapshot.
 * - KV bucket S_CLAIMS: key `<id>` = the writer id; a claim is `create` (compare-and-set:
 *   only when absent), a release a delete; close() releases this journal's claims.
 */
// Type-only imports: the client modules are loaded by open() (see loadClient), so importing
// actormesh does not pay their load time (about 100 ms here) unless a JetStream journal is used.
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import type { JetStreamClient, JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { Journal, JournalRecord, SnapshotRecord } from './journal.js';
import { decode, encode } from './codec.js';
import { JournalClosedError, WriterConflictError } from './errors.js';
import { checkEvents, checkPersistenceId, checkSequenceNr, checkUpperBound, checkWriterId } from './validate.js';

export interface JetStreamJournalOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | string[];
  /** The events stream (default 'ACTORMESH_JOURNAL'); S_META and S_CLAIMS are derived from it. */
  readonly stream?: string;
  /** The first subject token (default 'journal'). Two journals on one server need distinct prefixes. */
  readonly subjectPrefix?: string;
  /** 'file' (default) or 'memory' storage for the streams this journal creates. */
  readonly storage?: 'file' | 'memory';
  /**
   * Anything else for the connection, passed through unchanged: credentials (`user`/`pass`,
   * `token`, `authenticator` for nkeys/creds), `tls`, `name`, reconnect settings.
   */
  readonly connection?: Omit<NodeConnectionOptions, 'servers'>;
}

/** The header holding the per-id sequence number of a message's last event. */
const LAST_SEQ_HEADER = 'Actormesh-Last-Seq';
/** JetStream API error codes this journal reacts to. */
const WRONG_LAST_SEQUENCE = 10071;

/** What one events message holds. */
interface Batch {
  readonly first: number;
  readonly timestamp: number;
  readonly events: readonly unknown[];
}

/** Where an id stands: its highest sequence number and the stream sequence of its last message (0: none). */
interface Tip {
  highest: number;
  streamSeq: number;
}

/** Encodes a persistence id as one subject token (base64url: [A-Za-z0-9_-], never empty). */
export function subjectToken(persistenceId: string): string {
  return Buffer.from(persistenceId, 'utf8').toString('base64url');
}

const NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

/** The NATS client modules, loaded on the first open(). */
interface Client {
  readonly transport: typeof import('@nats-io/transport-node');
  readonly jetstream: typeof import('@nats-io/jetstream');
  readonly kv: typeof import('@nats-io/kv');
}
let client: Promise<Client> | undefined;
function loadClient(): Promise<Client> {
  client ??= Promise.all([import('@nats-io/transport-node'), import('@nats-io/jetstream'), import('@nats-io/kv')]).then(([transport, jetstream, kv]) => ({ transport, jetstream, kv }));
  return client;
}

/** The JetStream API error code of `error` (10071 wrong last sequence, 10037 no message, 10059 no stream), or undefined. */
function apiErrorCode(error: unknown): number | undefined {
  // Duck-typed (the class is loaded lazily, and its subclasses carry other names): a
  // JetStreamApiError and its subclasses have a numeric `code` and an `apiError()` method.
  if (error instanceof Error && typeof (error as { apiError?: unknown }).apiError === 'function') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** Counters for tests and benchmarks. */
export interface JetStreamJournalStats {
  /** Events messages read by replay. */
  replayedMessages: number;
  /** Lookups made to find where a replay starts. */
  startLookups: number;
}

export class JetStreamJournal implements Journal {
  /** Counters (tests check that a replay after a snapshot skips the history before it). */
  readonly stats: JetStreamJournalStats = { replayedMessages: 0, startLookups: 0 };
  /** Per id: the tip after this journal's own appends (the cache behind expect.lastSubjectSequence). */
  private readonly tips = new Map<string, Tip>();
  /** Per id: the highest sequence number including appends in flight (the local, early check). */
  private readonly reserved = new Map<string, number>();
  /** Per id: the tail of its append chain (appends of one id are published one after the other). */
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Claims this journal holds (released on close). */
  private readonly held = new Map<string, string>();
  private closed = false;
  private readonly name: string;

  private constructor(
    private readonly api: Client,
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly claimsKv: KV,
    private readonly stream: string,
    private readonly metaStream: string,
    private readonly prefix: string,
  ) {
    this.name = `jetstream:${stream}`;
  }

  /**
   * Connects and creates (or reuses) the streams and the claims bucket. Rejects with the
   * connection error when the server is unreachable, RangeError for a bad stream name or prefix.
   */
  static async open(options: JetStreamJournalOptions): Promise<JetStreamJournal> {
    if (options === null || typeof options !== 'object') throw new TypeError(`JetStreamJournal.open: options must be an object, got ${String(options)}`);
    const servers = options.servers;
    if (!(typeof servers === 'string' && servers.length > 0) && !(Array.isArray(servers) && servers.length > 0 && servers.every((s) => typeof s === 'string'))) {
      throw new TypeError(`JetStreamJournal.open: options.servers must be a URL or a non-empty array of URLs, got ${JSON.stringify(servers)}`);
    }
    const stream = options.stream ?? 'ACTORMESH_JOURNAL';
    const prefix = options.subjectPrefix ?? 'journal';
    if (typeof stream !== 'string' || !NAME_PATTERN.test(stream)) throw new RangeError(`JetStreamJournal.open: options.stream must match ${NAME_PATTERN}, got ${JSON.stringify(stream)}`);
    if (typeof prefix !== 'string' || !NAME_PATTERN.test(prefix)) throw new RangeError(`JetStreamJournal.open: options.subjectPrefix must match ${NAME_PATTERN}, got ${JSON.stringify(prefix)}`);
    const storage = options.storage ?? 'file';
    if (storage !== 'file' && storage !== 'memory') throw new RangeError(`JetStreamJournal.open: options.storage must be 'file' or 'memory', got ${JSON.stringify(storage)}`);

    const api = await loadClient();
    const nc = await api.transport.connect({ ...options.connection, servers });
    try {
      const jsm = await api.jetstream.jetstreamManager(nc);
      const js = api.jetstream.jetstream(nc);
      const metaStream = `${stream}_META`;
      const storageType = storage === 'file' ? api.jetstream.StorageType.File : api.jetstream.StorageType.Memory;
      await ensureStream(jsm, { name: stream, subjects: [`${prefix}.*.events`], storage: storageType, max_msgs_per_subject: -1 });
      await ensureStream(jsm, { name: metaStream, subjects: [`${prefix}.*.deleted`, `${prefix}.*.snapshot`], storage: storageType, max_msgs_per_subject: 1 });
      const claimsKv = await new api.kv.Kvm(js).create(`${stream}_CLAIMS`, { history: 1, storage: storageType });
      return new JetStreamJournal(api, nc, js, jsm, claimsKv, stream, metaStream, prefix);
    } catch (error) {
      await nc.close().catch(() => undefined);
      throw error;
    }
  }

  append<E>(persistenceId: string, expectedSequenceNr: number, events: readonly E[]): Promise<number> {
    try {
      this.usable('append');
      checkPersistenceId(persistenceId, 'JetStreamJournal.append');
      checkSequenceNr(expectedSequenceNr, 'expectedSequenceNr', 'JetStreamJournal.append');
      checkEvents(events, 'JetStreamJournal.append');
    } catch (error) {
      return Promise.reject(error);
    }
    // Local check first (cheap, and it makes two concurrent appends of this process with the
    // same expectation conflict at once); the server's check covers other processes.
    const reserved = this.reserved.get(persistenceId);
    if (reserved !== undefined && reserved !== expectedSequenceNr) {
      return Promise.reject(new WriterConflictError(persistenceId, { expectedSequenceNr, actualSequenceNr: reserved }));
    }
    if (events.length === 0) {
      // After this journal's appends in flight for the id (their events count as written).
      return (this.chains.get(persistenceId) ?? Promise.resolve())
        .then(() => this.highestSequenceNr(persistenceId))
        .then((h) => this.checkExpected(persistenceId, expectedSequenceNr, h));
    }
    // Encoded now: an event mutated after append() returns does not change what is stored.
    const timestamp = Date.now();
    let payload: Buffer;
    try {
      payload = encode({ first: expectedSequenceNr + 1, timestamp, events } satisfies Batch);
    } catch (error) {
      return Promise.reject(error);
    }
    const last = expectedSequenceNr + events.length;
    this.reserved.set(persistenceId, last);
    const previous = this.chains.get(persistenceId) ?? Promise.resolve();
    const result = previous.then(
      () => this.publish(persistenceId, expectedSequenceNr, last, payload),
      () => this.publish(persistenceId, expectedSequenceNr, last, payload),
    );
    const tail = result.catch(() => {
      // A failed append frees its reservation (unless a later one took it over).
      if (this.reserved.get(persistenceId) === last) this.reserved.delete(persistenceId);
    });
    this.chains.set(persistenceId, tail);
    void tail.then(() => {
      if (this.chains.get(persistenceId) === tail) {
        this.chains.delete(persistenceId);
        this.reserved.delete(persistenceId);
      }
    });
    return result;
  }

  async replay<E>(persistenceId: string, fromSequenceNr: number, toSequenceNr: number, onEvent: (record: JournalRecord<E>) => void): Promise<void> {
    this.usable('replay');
    checkPersistenceId(persistenceId, 'JetStreamJournal.replay');
    checkSequenceNr(fromSequenceNr, 'fromSequenceNr', 'JetStreamJournal.replay');
    checkUpperBound(toSequenceNr, 'toSequenceNr', 'JetStreamJournal.replay');
    const tip = await this.lookupTip(persistenceId);
    if (tip.streamSeq === 0) return;
    const deletedTo = await this.deletedTo(persistenceId);
    const from = Math.max(fromSequenceNr, deletedTo + 1, 1);
    const to = Math.min(toSequenceNr, tip.highest);
    if (from > to) return;
    // An ordered consumer on the id's subject, read up to the tip found above (what was
    // durable when replay started): one stream of messages, not one request per message.
    // A single subject as a string: `filter_subject`, which servers before 2.10 accept.
    // From the message holding `from` (after a snapshot, not from the id's first event).
    const start = from <= 1 ? 1 : await this.firstMessageReaching(persistenceId, from, tip.streamSeq);
    const consumer = await this.js.consumers.get(this.stream, {
      filter_subjects: this.eventsSubject(persistenceId),
      ...(start <= 1 ? { deliver_policy: this.api.jetstream.DeliverPolicy.All } : { deliver_policy: this.api.jetstream.DeliverPolicy.StartSequence, opt_start_seq: start }),
    });
    const messages = await consumer.consume();
    let complete = false;
    try {
      for await (const m of messages) {
        this.stats.replayedMessages++;
        const batch = decodeData<Batch>(m.data);
        const lastInBatch = batch.first + batch.events.length - 1;
        if (lastInBatch >= from) {
          for (let i = 0; i < batch.events.length; i++) {
            const sequenceNr = batch.first + i;
            if (sequenceNr < from || sequenceNr > to) continue;
            onEvent({ persistenceId, sequenceNr, event: batch.events[i] as E, timestamp: batch.timestamp });
          }
        }
        if (m.seq >= tip.streamSeq || lastInBatch >= to) {
          complete = true;
          break;
        }
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
    // The message iterator ended early (connection lost): a partial replay must not pass as whole.
    if (!complete) throw new Error(`JetStreamJournal.replay: the consumer of persistence id ${JSON.stringify(persistenceId)} on stream ${this.stream} ended before stream sequence ${tip.streamSeq} (connection closed?)`);
  }

  async highestSequenceNr(persistenceId: string): Promise<number> {
    this.usable('highestSequenceNr');
    checkPersistenceId(persistenceId, 'JetStreamJournal.highestSequenceNr');
    return (await this.lookupTip(persistenceId)).highest;
  }

  async deleteTo(persistenceId: string, toSequenceNr: number): Promise<void> {
    this.usable('deleteTo');
    checkPersistenceId(persistenceId, 'JetStreamJournal.deleteTo');
    checkUpperBound(toSequenceNr, 'toSequenceNr', 'JetStreamJournal.deleteTo');
    // The marker never goes down, and never beyond the highest (later appends stay visible).
    const [current, highest] = await Promise.all([this.deletedTo(persistenceId), this.highestSequenceNr(persistenceId)]);
    const target = Math.min(toSequenceNr, highest);
    if (target <= current) return;
    await this.js.publish(this.metaSubject(persistenceId, 'deleted'), encode({ deletedTo: target }));
  }

  async saveSnapshot<S>(persistenceId: string, sequenceNr: number, state: S): Promise<void> {
    this.usable('saveSnapshot');
    checkPersistenceId(persistenceId, 'JetStreamJournal.saveSnapshot');
    checkSequenceNr(sequenceNr, 'sequenceNr', 'JetStreamJournal.saveSnapshot');
    const record: SnapshotRecord<S> = { persistenceId, sequenceNr, state, timestamp: Date.now() };
    await this.js.publish(this.metaSubject(persistenceId, 'snapshot'), encode(record));
  }

  async loadSnapshot<S>(persistenceId: string): Promise<SnapshotRecord<S> | undefined> {
    this.usable('loadSnapshot');
    checkPersistenceId(persistenceId, 'JetStreamJournal.loadSnapshot');
    const m = await this.lastMessage(this.metaStream, this.metaSubject(persistenceId, 'snapshot'));
    return m === null ? undefined : decodeData<SnapshotRecord<S>>(m.data);
  }

  async claim(persistenceId: string, writerId: string): Promise<void> {
    this.usable('claim');
    checkPersistenceId(persistenceId, 'JetStreamJournal.claim');
    checkWriterId(writerId, 'JetStreamJournal.claim');
    const key = subjectToken(persistenceId);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.claimsKv.create(key, writerId);
        this.held.set(persistenceId, writerId);
        return;
      } catch (error) {
        const entry = await this.claimsKv.get(key);
        if (entry === null || entry.operation !== 'PUT') continue; // released meanwhile: try again
        const holder = entry.string();
        if (holder === writerId) {
          this.held.set(persistenceId, writerId);
          return;
        }
        throw new WriterConflictError(persistenceId, { writerId, heldBy: holder });
      }
    }
    throw new WriterConflictError(persistenceId, { writerId, heldBy: '?' }, `claim of persistence id ${JSON.stringify(persistenceId)} by ${JSON.stringify(writerId)} kept racing with other writers`);
  }

  async release(persistenceId: string, writerId: string): Promise<void> {
    this.usable('release');
    checkPersistenceId(persistenceId, 'JetStreamJournal.release');
    checkWriterId(writerId, 'JetStreamJournal.release');
    const key = subjectToken(persistenceId);
    const entry = await this.claimsKv.get(key);
    if (entry === null || entry.operation !== 'PUT') return;
    const holder = entry.string();
    if (holder !== writerId) {
      throw new WriterConflictError(
        persistenceId,
        { writerId, heldBy: holder },
        `writer ${JSON.stringify(writerId)} cannot release persistence id ${JSON.stringify(persistenceId)}: it is claimed by ${JSON.stringify(holder)}`,
      );
    }
    // Only the revision read above: a claim taken by someone else meanwhile is not deleted.
    await this.claimsKv.delete(key, { previousSeq: entry.revision }).catch(() => undefined);
    this.held.delete(persistenceId);
  }

  /** Waits for appends in flight, releases this journal's claims, closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.chains.values()]);
    for (const [id, writer] of this.held) {
      const key = subjectToken(id);
      const entry = await this.claimsKv.get(key).catch(() => null);
      if (entry !== null && entry.operation === 'PUT' && entry.string() === writer) await this.claimsKv.delete(key, { previousSeq: entry.revision }).catch(() => undefined);
    }
    this.held.clear();
    await this.nc.drain().catch(() => this.nc.close());
  }

  /** Removes the streams and the claims bucket of this journal (tests, tear-down); then closes it. */
  async destroy(): Promise<void> {
    this.usable('destroy');
    for (const name of [this.stream, this.metaStream, `KV_${this.stream}_CLAIMS`]) await this.jsm.streams.delete(name).catch(() => undefined);
    this.held.clear();
    await this.close();
  }

  private async publish(persistenceId: string, expected: number, last: number, payload: Buffer): Promise<number> {
    const tip = this.tips.get(persistenceId) ?? (await this.lookupTip(persistenceId));
    if (tip.highest !== expected) throw new WriterConflictError(persistenceId, { expectedSequenceNr: expected, actualSequenceNr: tip.highest });
    const h = this.api.transport.headers();
    h.set(LAST_SEQ_HEADER, String(last));
    try {
      const ack = await this.js.publish(this.eventsSubject(persistenceId), payload, { headers: h, expect: { lastSubjectSequence: tip.streamSeq } });
      this.tips.set(persistenceId, { highest: last, streamSeq: ack.seq });
      return last;
    } catch (error) {
      if (apiErrorCode(error) === WRONG_LAST_SEQUENCE) {
        // Another writer appended in between: nothing was written; learn where the id is now.
        this.tips.delete(persistenceId);
        const now = await this.lookupTip(persistenceId);
        throw new WriterConflictError(persistenceId, { expectedSequenceNr: expected, actualSequenceNr: now.highest });
      }
      throw error;
    }
  }

  private checkExpected(persistenceId: string, expected: number, highest: number): number {
    if (highest !== expected) throw new WriterConflictError(persistenceId, { expectedSequenceNr: expected, actualSequenceNr: highest });
    return highest;
  }

  /** The id's tip on the server (its last events message), cached for the next append. */
  private async lookupTip(persistenceId: string): Promise<Tip> {
    const m = await this.lastMessage(this.stream, this.eventsSubject(persistenceId));
    const tip: Tip = m === null ? { highest: 0, streamSeq: 0 } : { highest: Number(m.header.get(LAST_SEQ_HEADER)), streamSeq: m.seq };
    if (!this.chains.has(persistenceId)) this.tips.set(persistenceId, tip);
    return tip;
  }

  /**
   * The stream sequence of the id's first events message whose last event is >= `from`,
   * by binary search over stream sequences with "next message on this subject at or after
   * seq" lookups (STREAM.MSG.GET next_by_subj): about log2(stream length) requests, so a
   * recovery after a snapshot does not read the id's whole history. `tip` is the stream
   * sequence of the id's last message, whose last event is known to be >= `from`.
   */
  private async firstMessageReaching(persistenceId: string, from: number, tip: number): Promise<number> {
    const subject = this.eventsSubject(persistenceId);
    let candidate = tip; // a message of the id reaching `from`
    let lo = 1; // every message of the id before `lo` ends before `from`
    let bound = tip; // no message of the id in [bound, candidate) reaches `from` earlier than candidate
    while (lo < bound) {
      const mid = Math.floor((lo + bound) / 2);
      // Cast: the client types next_by_subj only for direct gets; the server (2.9+) takes it here too.
      const m = await this.jsm.streams.getMessage(this.stream, { seq: mid, next_by_subj: subject } as unknown as { seq: number });
      this.stats.startLookups++;
      if (m === null || m.seq >= candidate) bound = mid;
      else if (Number(m.header.get(LAST_SEQ_HEADER)) >= from) {
        candidate = m.seq;
        bound = mid;
      } else lo = m.seq + 1;
    }
    return candidate;
  }

  private async deletedTo(persistenceId: string): Promise<number> {
    const m = await this.lastMessage(this.metaStream, this.metaSubject(persistenceId, 'deleted'));
    return m === null ? 0 : decodeData<{ deletedTo: number }>(m.data).deletedTo;
  }

  private async lastMessage(stream: string, subject: string): Promise<StoredMsg | null> {
    try {
      return await this.jsm.streams.getMessage(stream, { last_by_subj: subject });
    } catch (error) {
      if (apiErrorCode(error) === 10037) return null; // no message found
      throw error;
    }
  }

  private eventsSubject(persistenceId: string): string {
    return `${this.prefix}.${subjectToken(persistenceId)}.events`;
  }

  private metaSubject(persistenceId: string, kind: 'deleted' | 'snapshot'): string {
    return `${this.prefix}.${subjectToken(persistenceId)}.${kind}`;
  }

  private usable(operation: string): void {
    if (this.closed) throw new JournalClosedError(operation, this.name);
  }
}

/**
 * Decodes a message payload. The client hands out Uint8Array; msgpackr decodes bin values as
 * Buffer only from a Buffer input, so the bytes are viewed as a Buffer (no copy) to round-trip
 * Buffers exactly as the other journals do.
 */
function decodeData<T>(data: Uint8Array): T {
  return decode<T>(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
}

/** Creates the stream, or updates it to `config` when it exists (same subjects). */
async function ensureStream(jsm: JetStreamManager, config: { name: string; subjects: string[]; storage: Client['jetstream']['StorageType'][keyof Client['jetstream']['StorageType']]; max_msgs_per_subject: number }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, { subjects: config.subjects, max_msgs_per_subject: config.max_msgs_per_subject });
  } catch (error) {
    if (apiErrorCode(error) !== 10059) throw error; // 10059: stream not found
    await jsm.streams.add(config);
  }
}
