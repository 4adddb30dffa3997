/**
 * A tiny open-addressing hash index from strings to small integers, for the planner's hot
 * passes over 100,000 jobs (duplicate ids, coalescing by artifact). Why not a Map: its
 * table grows by rehashing and allocating as entries arrive, which measured about twice
 * the time of this fixed-size Int32Array table (sized once for the request) on 100,000
 * keys. Each slot holds an index into the caller's own string column, so no string is
 * copied; keys are compared with === only when their hashes share a slot.
 *
 * The hash is FNV-1a over UTF-16 code units, seeded per process (the plan never depends on it,
 * only the speed does). Linear probing with at most 50% load.
 */

/**
 * FNV-1a's offset basis mixed with a per-process random value: ids crafted to collide
 * (which would make the table's probes quadratic) cannot be prepared in advance. Plans do
 * not depend on it: the table only answers "seen before?" and "which index?".
 */
const HASH_SEED = (0x811c9dc5 ^ ((Math.random() * 0x1_0000_0000) >>> 0)) | 0;

/** FNV-1a over the string's UTF-16 code units, as a 32-bit integer. */
export function hashString(value: string): number {
  let hash = HASH_SEED;
  for (let i = 0; i < value.length; i++) hash = Math.imul(hash ^ value.charCodeAt(i), 0x01000193);
  return hash;
}

/**
 * Slots for up to `capacity` keys, each an index (>= 0) into a column of strings that the
 * caller owns; -1 marks an empty slot.
 */
export class StringIndex {
  /** Pairs (index, hash): the hash is compared first, so a collision rarely reads a string. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(capacity: number) {
    // A power of two at least twice the capacity: probes stay short.
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(2 * size).fill(-1);
    this.mask = size - 1;
  }

  /**
   * The index already stored for a key equal to `keys[index]`, or -1 after storing
   * `index` for it. `hash` is the key's hash (hashString, mixed as the caller likes; equal
   * keys must get equal hashes); `keys` is the caller's string column.
   */
  findOrAdd(hash: number, index: number, keys: readonly string[]): number {
    const slots = this.slots;
    const mask = this.mask;
    const key = keys[index]!;
    let slot = hash & mask;
    for (;;) {
      const held = slots[2 * slot]!;
      if (held === -1) {
        slots[2 * slot] = index;
        slots[2 * slot + 1] = hash;
        return -1;
      }
      if (slots[2 * slot + 1] === hash && keys[held] === key) return held;
      slot = (slot + 1) & mask;
    }
  }

  /**
   * As findOrAdd, but a held index matches only when `tags[held] === tags[index]` too (the
   * coalescing key is a pair: class and artifact).
   */
  findOrAddTagged(hash: number, index: number, keys: readonly string[], tags: Uint8Array): number {
    const slots = this.slots;
    const mask = this.mask;
    const key = keys[index]!;
    const tag = tags[index]!;
    let slot = hash & mask;
    for (;;) {
      const held = slots[2 * slot]!;
      if (held === -1) {
        slots[2 * slot] = index;
        slots[2 * slot + 1] = hash;
        return -1;
      }
      if (slots[2 * slot + 1] === hash && tags[held] === tag && keys[held] === key) return held;
      slot = (slot + 1) & mask;
    }
  }
}
