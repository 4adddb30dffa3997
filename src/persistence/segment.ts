/**
 * The on-disk format of the file journal, and the scan that reads it back.
 *
 * A segment file (00000001.log, 00000002.log ...) is
 *
 *   header   "AMJL" (4 bytes) | format version u32 BE
 *   records  [payload length u32 BE][CRC-32 of the payload u32 BE][payload]
 *
 * and a payload is msgpack of an event record {persistenceId, sequenceNr, event, timestamp}
 * or of a tombstone {persistenceId, deletedTo, timestamp} (written by deleteTo).
 *
 * A snapshot file has the same header and exactly one framed record, msgpack of
 * {persistenceId, sequenceNr, state, timestamp}.
 */
import { crc32 } from './crc32.js';
import { decode, encode } from './codec.js';
import { JournalCorruptedError, JournalVersionError } from './errors.js';

export const MAGIC = Buffer.from('AMJL', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_SIZE = 8;
export const FRAME_SIZE = 8;
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

/** Checks a file's header: JournalCorruptedError for a wrong magic, JournalVersionError for a newer version. */
export function checkHeader(file: string, bytes: Buffer): void {
  if (bytes.length < HEADER_SIZE || !bytes.subarray(0, 4).equals(MAGIC)) {
    throw new JournalCorruptedError(file, 0, bytes.length < HEADER_SIZE ? `file header is ${bytes.length} bytes, expected ${HEADER_SIZE}` : 'bad magic (not an actormesh journal file)');
  }
  const version = bytes.readUInt32BE(4);
  if (version > FORMAT_VERSION || version === 0) throw new JournalVersionError(file, version, FORMAT_VERSION);
}

/** A payload as stored. */
export interface EventPayload {
  readonly persistenceId: string;
  readonly sequenceNr: number;
  readonly event: unknown;
  readonly timestamp: number;
}
export interface TombstonePayload {
  readonly persistenceId: string;
  readonly deletedTo: number;
  readonly timestamp: number;
}
export type Payload = EventPayload | TombstonePayload;

export const isTombstone = (p: Payload): p is TombstonePayload => (p as TombstonePayload).deletedTo !== undefined;

/** One framed record: [length][crc][msgpack(payload)]. */
export function frame(payload: Payload | object): Buffer {
  const body = encode(payload);
  const out = Buffer.allocUnsafe(FRAME_SIZE + body.length);
  out.writeUInt32BE(body.length, 0);
  out.writeUInt32BE(crc32(body), 4);
  body.copy(out, FRAME_SIZE);
  return out;
}

/** A record found by a scan: where it is and what it holds. */
export interface ScannedRecord {
  readonly offset: number;
  /** Frame + payload bytes. */
  readonly length: number;
  readonly payload: Payload;
}

/** Where a scan stopped at a bad record, and why. */
export interface BadRecord {
  readonly offset: number;
  readonly reason: string;
  /** True when everything from `offset` to the end of the file is the one bad record (a torn tail candidate). */
  readonly atEnd: boolean;
}

/**
 * Scans the records of one segment (its whole content in `bytes`, header included), calling
 * `onRecord` for each good one, and returns the first bad record (or undefined when the file
 * is whole). The caller decides whether a bad record is a torn tail or corruption.
 */
export function scanSegment(bytes: Buffer, onRecord: (record: ScannedRecord) => void): BadRecord | undefined {
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
    let payload: Payload;
    try {
      payload = decode<Payload>(bytes.subarray(offset + FRAME_SIZE, end));
    } catch (error) {
      return bad(`undecodable payload (${(error as Error).message})`, end === size);
    }
    if (!isPayload(payload)) return bad('payload is not a journal record', end === size);
    onRecord({ offset, length: end - offset, payload });
    offset = end;
  }
  return undefined;
}

function isPayload(p: unknown): p is Payload {
  if (typeof p !== 'object' || p === null) return false;
  const r = p as Record<string, unknown>;
  if (typeof r['persistenceId'] !== 'string' || typeof r['timestamp'] !== 'number') return false;
  return Number.isSafeInteger(r['sequenceNr']) || Number.isSafeInteger(r['deletedTo']);
}

function isZero(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');
