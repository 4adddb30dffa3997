/**
 * The on-disk format of the file journal, and the scan that reads it back.
 *
 * A segment file (00000001.log, 00000002.log ...) is
 *
 *   header   "AMJL" (4 bytes) | format version u32 BE
 *   records  [payload length u32 BE][CRC-32 of the payload u32 BE][payload]
 *
 * Format version 2 (written now): a payload is a small binary header, then the event alone
 * in msgpack, so replay reads the sequence number, timestamp and id without a decoder and
 * msgpack-decodes only the event (the cost that set replay speed in version 1):
 *
 *   kind u8 | number f64 BE | timestamp f64 BE | id length u32 BE | persistence id (UTF-8) | body
 *
 *   kind 1, event:       number = sequenceNr, body = the event (msgpack with shared structures)
 *   kind 2, tombstone:   number = deletedTo, no body
 *   kind 3, structures:  number = table size, id empty, body = the structure table (plain
 *                        msgpack); written in front of the first event needing a new entry
 *                        (codec.ts, RecordCodec)
 *
 * Format version 1 (still read, never written): a payload is msgpack of the whole record
 * {persistenceId, sequenceNr, event, timestamp} or {persistenceId, deletedTo, timestamp}.
 *
 * A snapshot file has the same file header with its own version (SNAPSHOT_FORMAT_VERSION)
 * and exactly one framed record, msgpack of {persistenceId, sequenceNr, state, timestamp}.
 */
import { crc32 } from './crc32.js';
import { decode, encode, RecordCodec } from './codec.js';
import { JournalCorruptedError, JournalVersionError } from './errors.js';

export const MAGIC = Buffer.from('AMJL', 'latin1');
/** The segment format this build writes (and the newest it reads). */
export const FORMAT_VERSION = 2;
/** The oldest segment format this build reads. */
export const OLDEST_FORMAT_VERSION = 1;
/** Snapshot files keep the version-1 layout (one msgpack record); their own version number. */
export const SNAPSHOT_FORMAT_VERSION = 1;
export const HEADER_SIZE = 8;
export const FRAME_SIZE = 8;
/** kind + number + timestamp + id length: the fixed part of a version-2 payload. */
export const RECORD_HEADER_SIZE = 21;
const KIND_EVENT = 1;
const KIND_TOMBSTONE = 2;
const KIND_STRUCTURES = 3;
/** A larger length field is corruption, not a big record (also keeps a flipped high bit from reading as "torn"). */
export const MAX_RECORD_SIZE = 256 * 1024 * 1024;

/** The name of segment `n`: 00000001.log. */
export const segmentName = (n: number): string => `${String(n).padStart(8, '0')}.log`;
/** The number of a segment file name, or undefined for other files. */
export function segmentNumber(name: string): number | undefined {
  const m = /^(\d{8})\.log$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** The 8-byte header of a segment or snapshot file. */
export function header(version = FORMAT_VERSION): Buffer {
  const buf = Buffer.alloc(HEADER_SIZE);
  MAGIC.copy(buf, 0);
  buf.writeUInt32BE(version, 4);
  return buf;
}

/**
 * Checks a file's header and returns its format version: JournalCorruptedError for a wrong
 * magic, JournalVersionError for a version outside [1, newest].
 */
export function checkHeader(file: string, bytes: Buffer, newest: number = FORMAT_VERSION): number {
  if (bytes.length < HEADER_SIZE || !bytes.subarray(0, 4).equals(MAGIC)) {
    throw new JournalCorruptedError(file, 0, bytes.length < HEADER_SIZE ? `file header is ${bytes.length} bytes, expected ${HEADER_SIZE}` : 'bad magic (not an actormesh journal file)');
  }
  const version = bytes.readUInt32BE(4);
  if (version > newest || version < OLDEST_FORMAT_VERSION) throw new JournalVersionError(file, version, newest);
  return version;
}

/** A record as replay delivers it. */
export interface EventPayload {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly event: unknown;
  readonly timestamp: number;
}

/** What a scan needs of a record (the event body itself is not decoded on open). */
export type ScannedPayload =
  | { readonly kind: 'event'; readonly persistenceId: string; readonly sequenceNr: number }
  | { readonly kind: 'tombstone'; readonly persistenceId: string; readonly deletedTo: number }
  | { readonly kind: 'structures'; readonly structures: string[][] };

/** Frames a payload that is already encoded: [length][crc][body]. */
function framed(body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_SIZE + body.length);
  out.writeUInt32BE(body.length, 0);
  out.writeUInt32BE(crc32(body), 4);
  body.copy(out, FRAME_SIZE);
  return out;
}

/** One framed record of version 1 (msgpack of the whole payload); snapshots use it too. */
export function frameV1(payload: object): Buffer {
  return framed(encode(payload));
}

/** The framed records of a version-2 append: the structure table when the events added to it, then one frame per event. */
export interface FramedEvents {
  readonly table: Buffer | undefined;
  readonly frames: Buffer[];
}

/**
 * Frames `events` of one id (`id`: its UTF-8 bytes) (version 2), sequence numbers from `firstSequenceNr`, encoded
 * with `codec`; when that added structures, `table` is the structures record that must be
 * written before the frames.
 */
export function frameEvents(codec: RecordCodec, id: Buffer, firstSequenceNr: number, events: readonly unknown[], timestamp: number): FramedEvents {
  const frames = new Array<Buffer>(events.length);
  const room = FRAME_SIZE + RECORD_HEADER_SIZE + id.length;
  if (room <= RecordCodec.MAX_ROOM) {
    // The usual case: the body is encoded behind room for the frame and header, filled in place.
    for (let i = 0; i < events.length; i++) {
      const out = codec.encodeBehind(events[i], room);
      writeHeader(out, KIND_EVENT, firstSequenceNr + i, timestamp, id);
      frames[i] = out;
    }
  } else {
    for (let i = 0; i < events.length; i++) frames[i] = record(KIND_EVENT, firstSequenceNr + i, timestamp, id, codec.encode(events[i]));
  }
  const table = codec.tableChanged() ? structuresRecord(codec.table(), timestamp) : undefined;
  return { table, frames };
}

/** The framed tombstone of an id (`id`: its UTF-8 bytes) up to `deletedTo` (version 2). */
export function frameTombstone(id: Buffer, deletedTo: number, timestamp: number): Buffer {
  return record(KIND_TOMBSTONE, deletedTo, timestamp, id, undefined);
}

/** The framed structures record holding `table` (version 2). */
export function structuresRecord(table: readonly (readonly string[])[], timestamp: number): Buffer {
  return record(KIND_STRUCTURES, table.length, timestamp, EMPTY, encode(table));
}

const EMPTY = Buffer.alloc(0);

/** One framed version-2 record, written into one buffer. */
function record(kind: number, number: number, timestamp: number, id: Buffer, body: Uint8Array | undefined): Buffer {
  const bodyAt = FRAME_SIZE + RECORD_HEADER_SIZE + id.length;
  const out = Buffer.allocUnsafe(bodyAt + (body?.length ?? 0));
  if (body !== undefined) out.set(body, bodyAt);
  writeHeader(out, kind, number, timestamp, id);
  return out;
}

/** Fills in the frame and record header of `out`, whose body is already in place after the id; the checksum last. */
function writeHeader(out: Buffer, kind: number, number: number, timestamp: number, id: Buffer): void {
  out[FRAME_SIZE] = kind;
  out.writeDoubleBE(number, FRAME_SIZE + 1);
  out.writeDoubleBE(timestamp, FRAME_SIZE + 9);
  out.writeUInt32BE(id.length, FRAME_SIZE + 17);
  id.copy(out, FRAME_SIZE + RECORD_HEADER_SIZE);
  out.writeUInt32BE(out.length - FRAME_SIZE, 0);
  out.writeUInt32BE(crc32(out, FRAME_SIZE), 4);
}

/**
 * Reads the payload in `bytes[start, end)` (frame excluded) of a segment of `version`, as a
 * scan needs it. Throws (RangeError, or msgpack's error) on a payload that is not a record.
 */
export function scanPayload(version: number, bytes: Buffer, start: number, end: number): ScannedPayload {
  if (version === 1) return scanV1(decode(bytes.subarray(start, end)));
  if (end - start < RECORD_HEADER_SIZE) throw new RangeError(`payload of ${end - start} bytes is shorter than a record header (${RECORD_HEADER_SIZE})`);
  const kind = bytes[start]!;
  const number = bytes.readDoubleBE(start + 1);
  const timestamp = bytes.readDoubleBE(start + 9);
  const idEnd = start + RECORD_HEADER_SIZE + bytes.readUInt32BE(start + 17);
  if (idEnd > end) throw new RangeError(`persistence id runs past the payload (${idEnd - start} of ${end - start} bytes)`);
  if (!Number.isFinite(timestamp)) throw new RangeError(`timestamp ${timestamp} is not a number`);
  if (!Number.isSafeInteger(number) || number < 0) throw new RangeError(`record number ${number} is not an integer >= 0`);
  switch (kind) {
    case KIND_EVENT:
      if (idEnd === start + RECORD_HEADER_SIZE) throw new RangeError('event record without a persistence id');
      if (idEnd === end) throw new RangeError('event record without an event');
      if (number < 1) throw new RangeError('event sequence number 0');
      return { kind: 'event', persistenceId: bytes.toString('utf8', start + RECORD_HEADER_SIZE, idEnd), sequenceNr: number };
    case KIND_TOMBSTONE:
      if (idEnd !== end) throw new RangeError(`tombstone has ${end - idEnd} bytes after its id`);
      return { kind: 'tombstone', persistenceId: bytes.toString('utf8', start + RECORD_HEADER_SIZE, idEnd), deletedTo: number };
    case KIND_STRUCTURES: {
      const structures = decode(bytes.subarray(idEnd, end));
      if (!Array.isArray(structures) || structures.length !== number || !structures.every((keys) => Array.isArray(keys) && keys.every((k) => typeof k === 'string'))) {
        throw new RangeError('structures record does not hold a table of key lists');
      }
      return { kind: 'structures', structures: structures as string[][] };
    }
    default:
      throw new RangeError(`unknown record kind ${kind}`);
  }
}

function scanV1(p: unknown): ScannedPayload {
  const r = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
  const persistenceId = r['persistenceId'];
  if (typeof persistenceId !== 'string' || typeof r['timestamp'] !== 'number') throw new RangeError('payload is not a journal record');
  if (Number.isSafeInteger(r['sequenceNr'])) return { kind: 'event', persistenceId, sequenceNr: r['sequenceNr'] as number };
  if (Number.isSafeInteger(r['deletedTo'])) return { kind: 'tombstone', persistenceId, deletedTo: r['deletedTo'] as number };
  throw new RangeError('payload is not a journal record');
}

/**
 * The record of an event whose payload is `bytes[start, end)`, for replay: the caller knows
 * the id and sequence number from its index; only the event body is decoded.
 */
export function replayRecord(version: number, codec: RecordCodec, bytes: Buffer, start: number, end: number, persistenceId: string, sequenceNr: number): EventPayload {
  if (version === 1) return decode<EventPayload>(bytes.subarray(start, end));
  const timestamp = bytes.readDoubleBE(start + 9);
  const eventStart = start + RECORD_HEADER_SIZE + bytes.readUInt32BE(start + 17);
  return { persistenceId, sequenceNr, event: codec.decode(bytes, eventStart, end), timestamp };
}

/** A record found by a scan: where it is and what it holds. */
export interface ScannedRecord {
  readonly offset: number;
  /** Frame + payload bytes. */
  readonly length: number;
  readonly payload: ScannedPayload;
}

/** Where a scan stopped at a bad record, and why. */
export interface BadRecord {
  readonly offset: number;
  readonly reason: string;
  /** True when everything from `offset` to the end of the file is the one bad record (a torn tail candidate). */
  readonly atEnd: boolean;
}

/**
 * Scans the records of one segment of `version` (its whole content in `bytes`, header
 * included), calling `onRecord` for each good one, and returns the first bad record (or
 * undefined when the file is whole). The caller decides whether a bad record is a torn
 * tail or corruption.
 */
export function scanSegment(bytes: Buffer, version: number, onRecord: (record: ScannedRecord) => void): BadRecord | undefined {
  let offset = HEADER_SIZE;
  const size = bytes.length;
  // (No closure per record: this loop runs once per record of the whole journal on open.)
  const bad = (reason: string, atEnd: boolean): BadRecord => ({ offset, reason, atEnd });
  while (offset < size) {
    if (size - offset < FRAME_SIZE) return bad(`incomplete record frame (${size - offset} of ${FRAME_SIZE} bytes)`, true);
    const length = bytes.readUInt32BE(offset);
    const checksum = bytes.readUInt32BE(offset + 4);
    if (length > MAX_RECORD_SIZE) return bad(`record length ${length} exceeds the maximum ${MAX_RECORD_SIZE}`, false);
    const end = offset + FRAME_SIZE + length;
    if (end > size) return bad(`incomplete record (length ${length}, only ${size - offset - FRAME_SIZE} payload bytes in the file)`, true);
    // A preallocated, never written tail (zeros) is a torn tail too, whatever its length.
    if (length === 0) return bad('zero-length record', isZero(bytes, offset, size));
    const actual = crc32(bytes, offset + FRAME_SIZE, end);
    if (actual !== checksum) return bad(`checksum mismatch (stored ${hex(checksum)}, computed ${hex(actual)})`, end === size);
    let payload: ScannedPayload;
    try {
      payload = scanPayload(version, bytes, offset + FRAME_SIZE, end);
    } catch (error) {
      return bad(`not a journal record (${(error as Error).message})`, end === size);
    }
    onRecord({ offset, length: end - offset, payload });
    offset = end;
  }
  return undefined;
}

function isZero(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');
