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
import { Packr } from 'msgpackr';

export const codec: Packr = new Packr({ useRecords: false, useBigIntExtension: true });

/** Encodes `value` to msgpack. */
export function encode(value: unknown): Buffer {
  return codec.pack(value);
}

/** Decodes one msgpack value from `bytes`. */
export function decode<T = unknown>(bytes: Uint8Array): T {
  return codec.unpack(bytes) as T;
}
