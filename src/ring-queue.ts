/**
 * RingQueue: the FIFO under every mailbox and the run queue.
 *
 * A chain of fixed-size segments, read at the head and written at the tail.
 * Why not `array.shift()`: O(n). Why not push + head index on one array: resetting it when
 * empty makes V8 reallocate on the next push (one allocation per message in a ping-pong),
 * and a flood grows one huge array whose copy on growth and whose collection stall the
 * event loop for tens of milliseconds (seen: 100 ms timer delays with 2M queued).
 * Segments keep each allocation small and let drained ones go one at a time; a queue that
 * empties keeps its last segment, so steady traffic allocates nothing. An idle actor's
 * queue has no segment at all.
 */
const FIRST_SEGMENT = 8;
const MAX_SEGMENT = 2048;
/** An emptied queue keeps its segment up to this size. */
const KEEP_WHEN_EMPTY = 64;

class Segment<T> {
  readonly items: Array<T | undefined>;
  next: Segment<T> | null = null;
  constructor(capacity: number) {
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }
}

export class RingQueue<T> {
  private head: Segment<T> | null = null;
  private tail: Segment<T> | null = null;
  /** Next read position in `head`. */
  private readAt = 0;
  /** Next write position in `tail`. */
  private writeAt = 0;
  /** Number of queued items. */
  size = 0;

  /** Appends at the tail. */
  push(item: T): void {
    let tail = this.tail;
    if (tail === null) {
      tail = this.head = this.tail = new Segment<T>(FIRST_SEGMENT);
    } else if (this.writeAt === tail.items.length) {
      const next = new Segment<T>(Math.min(tail.items.length * 2, MAX_SEGMENT));
      tail.next = next;
      tail = this.tail = next;
      this.writeAt = 0;
    }
    tail.items[this.writeAt++] = item;
    this.size++;
  }

  /** Inserts at the head, so that it comes out next. */
  unshift(item: T): void {
    if (this.size === 0) {
      this.push(item);
      return;
    }
    if (this.readAt === 0) {
      const segment = new Segment<T>(FIRST_SEGMENT);
      segment.next = this.head;
      this.head = segment;
      this.readAt = FIRST_SEGMENT;
    }
    this.head!.items[--this.readAt] = item;
    this.size++;
  }

  /** Removes and returns the head; `undefined` when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    let head = this.head!;
    if (this.readAt === head.items.length) {
      head = this.head = head.next!;
      this.readAt = 0;
    }
    const item = head.items[this.readAt];
    head.items[this.readAt++] = undefined; // let the message be collected
    if (--this.size === 0) {
      // Empty: keep a small segment for the next push; let a large one (a past burst) go.
      this.readAt = 0;
      this.writeAt = 0;
      if (head.items.length > KEEP_WHEN_EMPTY) {
        this.head = this.tail = null;
      } else {
        head.next = null;
        this.tail = head;
      }
    }
    return item;
  }

  /** The head without removing it. */
  peek(): T | undefined {
    if (this.size === 0) return undefined;
    const head = this.head!;
    return this.readAt === head.items.length ? head.next!.items[0] : head.items[this.readAt];
  }

  /** Removes every item and returns them in FIFO order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.size > 0) out.push(this.shift() as T);
    return out;
  }
}
