/**
 * FileJournal: the embedded, default journal (issue 6). Append-only segment files with a
 * CRC-32 per record (format: segment.ts), group commit, an in-memory index built on open,
 * a torn tail cut on open, snapshots in files of their own, and a process lock on the
 * directory.
 *
 * Group commit: an append encodes its records at once and joins a queue; one writer loop
 * takes everything queued (up to `maxBatchSize` records), writes it with one write and one
 * fsync (fdatasync), then resolves every append of that batch. Appends arriving while a
 * write+fsync is in flight wait for the next batch, so under load the number of fsyncs is
 * the number of batches, not of appends.
 *
 * Sequence numbers are checked when the append is queued (against the highest number
 * including queued appends), so a conflicting append is refused at once and writes nothing.
 * A failed write or fsync poisons the journal: every pending and later call rejects with
 * that error (what reached the disk is unknown until it is reopened and scanned).
 */
import { mkdir, open as openFile, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Journal, JournalRecord, SnapshotRecord } from './journal.js';
import { Claims } from './claims.js';
import { RecordCodec } from './codec.js';
import { BlockCache, BLOCK_SIZE } from './block-cache.js';
import { acquireDirLock } from './dir-lock.js';
import type { DirLock } from './dir-lock.js';
import { JournalClosedError, JournalCorruptedError, WriterConflictError } from './errors.js';
import { scanDirectory, truncateAtProblem } from './recovery.js';
import type { IdIndex, RepairReport } from './recovery.js';
import { FORMAT_VERSION, FRAME_SIZE, frameEvents, frameTombstone, header, HEADER_SIZE, replayRecord, segmentName } from './segment.js';
import { fsyncDir, SnapshotStore } from './snapshot-store.js';
import { checkEvents, checkPersistenceId, checkSequenceNr, checkUpperBound, checkWriterId } from './validate.js';

export type { RepairReport } from './recovery.js';

export interface FileJournalOptions {
  /** 'batch' (default): one fdatasync per batch before its appends resolve. 'never': no fsync (the OS flushes; a power loss may lose the tail). */
  readonly fsync?: 'batch' | 'never';
  /** At most this many records per write+fsync (default 16,384). */
  readonly maxBatchSize?: number;
  /** A segment is rolled (a new file started) once it reaches this many bytes (default 64 MiB). */
  readonly segmentSize?: number;
}

/** Counters for tests and benchmarks. */
export interface FileJournalStats {
  /** append() calls that wrote records. */
  appends: number;
  /** Records written (events, tombstones and structure tables). */
  records: number;
  /** Batches written (one write each). */
  writes: number;
  /** fdatasync calls on segments. */
  fsyncs: number;
}

/** What open found: the torn tail it cut, if any. */
export interface FileJournalRecovery {
  readonly segments: number;
  readonly records: number;
  readonly tornTail?: { readonly file: string; readonly offset: number; readonly removedBytes: number; readonly reason: string };
}

interface Pending {
  readonly persistenceId: string;
  readonly writer: Writer;
  /** A structures record to write before the frames (the events' encoding added structures). */
  readonly table: Buffer | undefined;
  readonly frames: Buffer[];
  /** First sequence number of the frames (events), or undefined for a tombstone. */
  readonly firstSequenceNr: number | undefined;
  readonly deletedTo: number;
  /** What the promise resolves with (the last sequence number of an append). */
  readonly result: number;
  readonly resolve: (value: number) => void;
  readonly reject: (error: unknown) => void;
}

/** What appends of one id have reserved (including queued, not yet durable ones). */
interface Writer {
  /** Highest sequence number including queued appends (the optimistic concurrency check). */
  highest: number;
  /** deletedTo including queued tombstones. */
  deletedTo: number;
  /** The id in UTF-8, as every record of it carries it. */
  readonly id: Buffer;
  /** Its entry in the index, once it has one (always present as a field: one object shape). */
  entry: IdIndex | undefined;
}

const DEFAULTS = { fsync: 'batch' as const, maxBatchSize: 16_384, segmentSize: 64 * 1024 * 1024 };

export class FileJournal implements Journal {
  /** Counters (tests count fsyncs here). */
  readonly stats: FileJournalStats = { appends: 0, records: 0, writes: 0, fsyncs: 0 };

  private readonly options: Required<FileJournalOptions>;
  private readonly snapshots: SnapshotStore;
  private readonly claims = new Claims();
  private readonly reads: BlockCache;
  /** Per id written since open: what queued appends reserved, and the id's bytes (one lookup per append). */
  private readonly writers = new Map<string, Writer>();
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;
  private closed = false;
  private closing: Promise<void> | undefined;

  private constructor(
    /** The journal directory (absolute). */
    readonly dir: string,
    options: FileJournalOptions,
    private readonly lock: DirLock,
    private readonly index: Map<string, IdIndex>,
    /** Format version of the segments read on open (segments written since are FORMAT_VERSION). */
    private readonly versions: Map<number, number>,
    /** Encodes and decodes events (shared structures, continued from the table on disk). */
    private readonly codec: RecordCodec,
    private segment: { number: number; handle: FileHandle; size: number },
    /** What open found. */
    readonly recovery: FileJournalRecovery,
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.snapshots = new SnapshotStore(join(dir, 'snapshots'));
    this.reads = new BlockCache((segment) => join(dir, segmentName(segment)));
  }

  /**
   * Opens (creating it if needed) the journal in `dir`: takes the directory lock
   * (WriterConflictError when another live process holds it), scans every segment, cuts a
   * torn tail of the last one, and refuses a bad record anywhere else (JournalCorruptedError)
   * or a newer format (JournalVersionError).
   */
  static async open(dir: string, options: FileJournalOptions = {}): Promise<FileJournal> {
    if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`FileJournal.open: dir must be a non-empty path, got ${JSON.stringify(dir) ?? String(dir)}`);
    checkOptions(options);
    const absolute = resolve(dir);
    await mkdir(absolute, { recursive: true });
    const lock = await acquireDirLock(absolute);
    try {
      const scan = await scanDirectory(absolute);
      let tornTail: FileJournalRecovery['tornTail'];
      const segments = [...scan.segments];
      if (scan.problem !== undefined) {
        const p = scan.problem;
        if (!p.torn) throw new JournalCorruptedError(p.file, p.offset, p.reason);
        const report = await truncateAtProblem(absolute, scan);
        tornTail = { file: p.file, offset: p.offset, removedBytes: report.removedBytes, reason: p.reason };
        if (p.offset < HEADER_SIZE) segments.pop();
      }
      const last = segments.at(-1);
      // A last segment of an older format is left as it is: appends go to a new segment.
      const segment =
        last === undefined || scan.versions.get(last) !== FORMAT_VERSION
          ? await createSegment(absolute, (last ?? 0) + 1)
          : { number: last, handle: await openFile(join(absolute, segmentName(last)), 'r+'), size: scan.sizes.get(last)! };
      return new FileJournal(absolute, options, lock, scan.index, scan.versions, new RecordCodec(scan.structures), segment, { segments: segments.length || 1, records: scan.records, ...(tornTail ? { tornTail } : {}) });
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  append<E>(persistenceId: string, expectedSequenceNr: number, events: readonly E[]): Promise<number> {
    // Not async: one promise per append (the one its batch resolves), no extra hops; this is
    // the hot path of group commit.
    try {
      this.usable('append');
      checkPersistenceId(persistenceId, 'FileJournal.append');
      checkSequenceNr(expectedSequenceNr, 'expectedSequenceNr', 'FileJournal.append');
      checkEvents(events, 'FileJournal.append');
      const writer = this.writer(persistenceId);
      const actual = writer.highest;
      if (expectedSequenceNr !== actual) throw new WriterConflictError(persistenceId, { expectedSequenceNr, actualSequenceNr: actual });
      if (events.length === 0) return Promise.resolve(actual);
      const timestamp = Date.now();
      // Encoded before anything is reserved: an event that cannot be encoded leaves no trace.
      const { table, frames } = frameEvents(this.codec, writer.id, actual + 1, events, timestamp);
      const last = actual + events.length;
      writer.highest = last;
      this.stats.appends++;
      return this.enqueue(persistenceId, writer, frames, actual + 1, 0, last, table);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async replay<E>(persistenceId: string, fromSequenceNr: number, toSequenceNr: number, onEvent: (record: JournalRecord<E>) => void): Promise<void> {
    this.usable('replay');
    checkPersistenceId(persistenceId, 'FileJournal.replay');
    checkSequenceNr(fromSequenceNr, 'fromSequenceNr', 'FileJournal.replay');
    checkUpperBound(toSequenceNr, 'toSequenceNr', 'FileJournal.replay');
    const entry = this.index.get(persistenceId);
    if (entry === undefined) return;
    // Only what the index holds (durable) is replayed: a snapshot of the bounds now.
    const from = Math.max(fromSequenceNr, entry.deletedTo + 1, 1);
    const to = Math.min(toSequenceNr, entry.highest);
    let seq = from;
    while (seq <= to) {
      // A run of adjacent records of one segment within one cache block: one (cached) read,
      // then decode each. Records of other ids in between end the run.
      const segment = entry.segments[seq - 1]!;
      const start = entry.offsets[seq - 1]!;
      const blockEnd = Math.max((Math.floor(start / BLOCK_SIZE) + 1) * BLOCK_SIZE, start + entry.lengths[seq - 1]!);
      let end = seq;
      while (end < to && entry.segments[end] === segment && entry.offsets[end] === entry.offsets[end - 1]! + entry.lengths[end - 1]! && entry.offsets[end]! + entry.lengths[end]! <= blockEnd) end++;
      const stop = entry.offsets[end - 1]! + entry.lengths[end - 1]!;
      const bytes = await this.reads.read(segment, start, stop - start);
      const version = this.versions.get(segment) ?? FORMAT_VERSION;
      for (let s = seq; s <= end; s++) {
        const at = entry.offsets[s - 1]! - start;
        // The checksum was verified when the journal was opened or the record written.
        onEvent(replayRecord(version, this.codec, bytes, at + FRAME_SIZE, at + entry.lengths[s - 1]!, persistenceId, s) as JournalRecord<E>);
      }
      seq = end + 1;
    }
  }

  async highestSequenceNr(persistenceId: string): Promise<number> {
    this.usable('highestSequenceNr');
    checkPersistenceId(persistenceId, 'FileJournal.highestSequenceNr');
    return this.index.get(persistenceId)?.highest ?? 0;
  }

  async deleteTo(persistenceId: string, toSequenceNr: number): Promise<void> {
    this.usable('deleteTo');
    checkPersistenceId(persistenceId, 'FileJournal.deleteTo');
    checkSequenceNr(toSequenceNr, 'toSequenceNr', 'FileJournal.deleteTo');
    const writer = this.writer(persistenceId);
    const highest = writer.highest;
    const current = writer.deletedTo;
    // Clamped to the highest: a later append must never land in the deleted range.
    const deletedTo = Math.min(toSequenceNr, highest);
    if (deletedTo <= current) return;
    writer.deletedTo = deletedTo;
    await this.enqueue(persistenceId, writer, [frameTombstone(writer.id, deletedTo, Date.now())], undefined, deletedTo, 0);
  }

  async saveSnapshot<S>(persistenceId: string, sequenceNr: number, state: S): Promise<void> {
    this.usable('saveSnapshot');
    checkPersistenceId(persistenceId, 'FileJournal.saveSnapshot');
    checkSequenceNr(sequenceNr, 'sequenceNr', 'FileJournal.saveSnapshot');
    await this.snapshots.save({ persistenceId, sequenceNr, state, timestamp: Date.now() });
  }

  async loadSnapshot<S>(persistenceId: string): Promise<SnapshotRecord<S> | undefined> {
    this.usable('loadSnapshot');
    checkPersistenceId(persistenceId, 'FileJournal.loadSnapshot');
    return this.snapshots.load<S>(persistenceId);
  }

  async claim(persistenceId: string, writerId: string): Promise<void> {
    this.usable('claim');
    checkPersistenceId(persistenceId, 'FileJournal.claim');
    checkWriterId(writerId, 'FileJournal.claim');
    this.claims.claim(persistenceId, writerId);
  }

  async release(persistenceId: string, writerId: string): Promise<void> {
    this.usable('release');
    checkPersistenceId(persistenceId, 'FileJournal.release');
    checkWriterId(writerId, 'FileJournal.release');
    this.claims.release(persistenceId, writerId);
  }

  /** Writes what is queued, closes the segment, drops the claims and the directory lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      while (this.flushing !== undefined) await this.flushing;
      this.claims.clear();
      try {
        await this.reads.close();
        await this.segment.handle.close();
      } finally {
        await this.lock.release();
      }
    })();
    return this.closing;
  }

  // ---------------------------------------------------------------- group commit

  /** Queues frames for the next batch; the promise resolves with `result` once they are durable. */
  private enqueue(persistenceId: string, writer: Writer, frames: Buffer[], firstSequenceNr: number | undefined, deletedTo: number, result: number, table?: Buffer): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ persistenceId, writer, table, frames, firstSequenceNr, deletedTo, result, resolve, reject });
      // The writer starts on the next microtask, so appends made in the same turn share the first batch too.
      this.flushing ??= Promise.resolve().then(() => this.flushLoop());
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.writeBatch(batch);
        } catch (error) {
          this.failure = error;
          for (const item of [...batch, ...this.queue.splice(0)]) item.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private takeBatch(): Pending[] {
    let records = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || records + this.queue[n]!.frames.length <= this.options.maxBatchSize)) records += this.queue[n++]!.frames.length;
    return this.queue.splice(0, n);
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    if (this.segment.size >= this.options.segmentSize && this.segment.size > HEADER_SIZE) await this.roll();
    const buffers: Buffer[] = [];
    for (const item of batch) {
      if (item.table !== undefined) buffers.push(item.table);
      for (const f of item.frames) buffers.push(f);
    }
    const bytes = buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers);
    const base = this.segment.size;
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.segment.handle.write(bytes, written, bytes.length - written, base + written);
      written += bytesWritten;
    }
    this.stats.writes++;
    this.stats.records += buffers.length;
    if (this.options.fsync === 'batch') {
      await this.segment.handle.datasync();
      this.stats.fsyncs++;
    }
    // Durable: index it, then resolve.
    let offset = base;
    const segment = this.segment.number;
    for (const item of batch) {
      if (item.table !== undefined) offset += item.table.length;
      const entry = (item.writer.entry ??= this.entry(item.persistenceId));
      if (item.firstSequenceNr === undefined) {
        entry.deletedTo = Math.max(entry.deletedTo, item.deletedTo);
        offset += item.frames[0]!.length;
      } else {
        for (let i = 0; i < item.frames.length; i++) {
          const length = item.frames[i]!.length;
          entry.segments.push(segment);
          entry.offsets.push(offset);
          entry.lengths.push(length);
          offset += length;
        }
        entry.highest = item.firstSequenceNr + item.frames.length - 1;
      }
    }
    this.segment.size = offset;
    for (const item of batch) item.resolve(item.result);
  }

  /** Starts the next segment (header written and fsynced, and the directory entry too). */
  private async roll(): Promise<void> {
    const next = await createSegment(this.dir, this.segment.number + 1);
    const old = this.segment.handle;
    this.segment = next;
    await old.close();
  }

  private writer(persistenceId: string): Writer {
    let writer = this.writers.get(persistenceId);
    if (writer === undefined) {
      const entry = this.index.get(persistenceId);
      writer = { highest: entry?.highest ?? 0, deletedTo: entry?.deletedTo ?? 0, id: Buffer.from(persistenceId, 'utf8'), entry };
      this.writers.set(persistenceId, writer);
    }
    return writer;
  }

  private entry(persistenceId: string): IdIndex {
    let entry = this.index.get(persistenceId);
    if (entry === undefined) {
      entry = { highest: 0, deletedTo: 0, segments: [], offsets: [], lengths: [] };
      this.index.set(persistenceId, entry);
    }
    return entry;
  }

  private usable(operation: string): void {
    if (this.closed) throw new JournalClosedError(operation, this.dir);
    if (this.failure !== undefined) throw this.failure;
  }
}

/** Creates segment `n` with its header, durably. */
async function createSegment(dir: string, n: number): Promise<{ number: number; handle: FileHandle; size: number }> {
  const file = join(dir, segmentName(n));
  const handle = await openFile(file, 'wx+');
  try {
    await handle.write(header(), 0, HEADER_SIZE, 0);
    await handle.datasync();
    await fsyncDir(dir);
  } catch (error) {
    await handle.close();
    await unlink(file).catch(() => undefined);
    throw error;
  }
  return { number: n, handle, size: HEADER_SIZE };
}

function checkOptions(options: FileJournalOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`FileJournal.open: options must be an object, got ${String(options)}`);
  if (options.fsync !== undefined && options.fsync !== 'batch' && options.fsync !== 'never') {
    throw new RangeError(`FileJournal.open: options.fsync must be 'batch' or 'never', got ${JSON.stringify(options.fsync)}`);
  }
  for (const key of ['maxBatchSize', 'segmentSize'] as const) {
    const value = options[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) throw new RangeError(`FileJournal.open: options.${key} must be an integer >= 1, got ${String(value)}`);
  }
}

/**
 * Repairs the journal in `dir` on request (`actormesh journal repair`): takes the directory
 * lock (WriterConflictError while a journal has it open), truncates the segment holding the
 * first bad record at that record and deletes every later segment. Events after the bad
 * record are lost; that is why open refuses instead of doing this itself. A journal of a
 * newer format version is refused (JournalVersionError), never truncated.
 */
export async function repair(dir: string): Promise<RepairReport> {
  if (typeof dir !== 'string' || dir.length === 0) throw new TypeError(`repair: dir must be a non-empty path, got ${JSON.stringify(dir) ?? String(dir)}`);
  const absolute = resolve(dir);
  const lock = await acquireDirLock(absolute);
  try {
    return await truncateAtProblem(absolute, await scanDirectory(absolute));
  } finally {
    await lock.release();
  }
}

