/**
 * A binary min-heap of (priority, entity) pairs (an entity id, or an entity number in a compact world) in two parallel arrays (no per-entry
 * object), for the Dijkstra searches. Duplicates are allowed: callers use lazy deletion
 * (skip a popped entry whose priority is worse than the best known).
 */
export class MinHeap<V = string> {
  private readonly keys: number[] = [];
  private readonly values: V[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** Adds `value` with priority `key`. */
  push(key: number, value: V): void {
    const keys = this.keys;
    const values = this.values;
    let i = keys.length;
    keys.push(key);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (keys[parent]! <= key) break;
      keys[i] = keys[parent]!;
      values[i] = values[parent]!;
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  /** The smallest priority (undefined when empty). */
  peekKey(): number | undefined {
    return this.keys[0];
  }

  /** Removes the entry with the smallest priority; call `peekKey` first for its priority. */
  pop(): V | undefined {
    const keys = this.keys;
    const values = this.values;
    if (keys.length === 0) return undefined;
    const top = values[0];
    const lastKey = keys.pop()!;
    const lastValue = values.pop()!;
    const n = keys.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && keys[right]! < keys[left]! ? right : left;
        if (keys[child]! >= lastKey) break;
        keys[i] = keys[child]!;
        values[i] = values[child]!;
        i = child;
      }
      keys[i] = lastKey;
      values[i] = lastValue;
    }
    return top;
  }
}
