/**
 * The msgpack codec both journals use (msgpackr), so the in-memory journal round-trips
 * values exactly as the file journal does (a test written against one holds for the other).
 *
 * useRecords: false: msgpackr's record extension shares structure definitions between
 * messages; a journal record must decode alone (after a crash, in any order). Round-trips:
 * plain objects, arrays, strings, numbers, booleans, null, undefined, Date, Buffer (Node
 * decodes bin as Buffer), BigInt (via useBigIntExtension). Not preserved: Map and Set (they
 * come back as an object and an array), class instances (plain objects).
 */
import { Packr, RESERVE_START_SPACE } from 'msgpackr';

export const codec: Packr = new Packr({ useRecords: false, useBigIntExtension: true });

/** Encodes `value` to msgpack. */
export function encode(value: unknown): Buffer {
  return codec.pack(value);
}

/** Decodes one msgpack value from `bytes`. */
export function decode<T = unknown>(bytes: Uint8Array): T {
  return codec.unpack(bytes) as T;
}

/**
 * The file journal's event codec: msgpack with msgpackr's shared structures (records). An
 * object shape seen before is written as a one-byte structure id and its values; decoding
 * a record builds the object from a compiled reader instead of reading every key, several
 * times faster than decoding maps (what set replay speed in format version 1).
 *
 * The structure table is data: an event written with structure k decodes only with a table
 * holding k. The journal writes the table (a "structures" record) in front of the first
 * event that needs a new entry, in the same append, so the table on disk always covers the
 * events before it in the file; structures are only ever added, so the latest table read
 * decodes every earlier event. Up to 32 shapes are shared (msgpackr's default); other
 * shapes are encoded with their keys inline and decode alone.
 */
export class RecordCodec {
  /** The most room encodeBehind can reserve (msgpackr takes it from the low byte of its flags). */
  static readonly MAX_ROOM = 255;

  private readonly packr: Packr;
  private readonly structures: string[][];
  private changed = false;
  /** Reused range for decode (one object, not one per record). */
  private readonly range = { start: 0, end: 0 };

  /** `table`: the structure table read back from a journal (empty for a new one). */
  constructor(table: readonly (readonly string[])[] = []) {
    this.structures = table.map((keys) => [...keys]);
    this.packr = new Packr({
      structures: this.structures,
      useBigIntExtension: true,
      saveStructures: () => {
        this.changed = true;
        return true;
      },
    } as ConstructorParameters<typeof Packr>[0]);
  }

  /** Encodes one event; `tableChanged()` then says whether it added a structure. */
  encode(value: unknown): Buffer {
    return this.packr.pack(value);
  }

  /**
   * Encodes one event behind `room` free bytes (at most MAX_ROOM) at the start of the
   * returned buffer, for the record header: msgpackr reserves them in its own output
   * buffer, so the record needs no second buffer and no copy of the body.
   */
  encodeBehind(value: unknown, room: number): Buffer {
    return this.packr.pack(value, RESERVE_START_SPACE | room);
  }

  /** True once after encodes added structures (the caller writes `table()` before those events). */
  tableChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  /** A copy of the shared structure table (what a structures record holds). */
  table(): string[][] {
    const shared = (this.structures as string[][] & { sharedLength?: number }).sharedLength ?? this.structures.length;
    return this.structures.slice(0, shared).map((keys) => [...keys]);
  }

  /**
   * Decodes one value from `bytes[start, end)` without a subarray per call. Throws when the
   * value does not end exactly at `end` or names a structure the table lacks.
   */
  decode<T = unknown>(bytes: Uint8Array, start: number, end: number): T {
    this.range.start = start;
    this.range.end = end;
    return this.packr.unpack(bytes, this.range) as T;
  }
}
