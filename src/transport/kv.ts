/**
 * A cluster-wide key-value bucket with compare-and-set: what membership (the node registry)
 * and placement (which node runs which subtree) agree through. JetStream KV on NATS, a map in
 * memory. Values are JSON-compatible data (encoded by the implementation).
 */

/** One entry as read. `revision` increases with every write of the bucket. */
export interface KvEntry<V = unknown> {
  readonly key: string;
  readonly value: V;
  readonly revision: number;
}

export interface ClusterKv {
  /** The bucket's name. */
  readonly bucket: string;
  /** The entry, or undefined when the key is absent (or deleted). */
  get<V = unknown>(key: string): Promise<KvEntry<V> | undefined>;
  /** Writes unconditionally; resolves with the new revision. Rejects with TypeError when `value` has no JSON form (undefined, a function). */
  put(key: string, value: unknown): Promise<number>;
  /** Writes only if the key is absent (or deleted): the new revision, or null when it exists (someone else won). */
  create(key: string, value: unknown): Promise<number | null>;
  /** Writes only if the key's revision is still `revision` (a positive integer, else TypeError): the new revision, or null when it moved or the key was deleted (someone else won). */
  update(key: string, value: unknown, revision: number): Promise<number | null>;
  /** Removes the key (absent keys are fine). */
  delete(key: string): Promise<void>;
  /** Every present key (optionally only those starting with `prefix`), in no particular order. */
  keys(prefix?: string): Promise<string[]>;
}

/** Keys must be usable as NATS subject tokens: letters, digits, `-`, `_`, `=` and `.` separators. */
export const KV_KEY = /^[A-Za-z0-9_=-]+(\.[A-Za-z0-9_=-]+)*$/;

/** Throws TypeError naming the key when it is not a valid bucket key. */
export function checkKvKey(key: string): void {
  if (typeof key !== 'string' || !KV_KEY.test(key)) throw new TypeError(`cluster kv: invalid key '${String(key)}' (letters, digits, '-', '_', '=' and '.' separators)`);
}
