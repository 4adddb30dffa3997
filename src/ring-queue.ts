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
/**
 * Segments double up to 32,768 slots (256 KB). A segment that large is born in V8's large
 * object space, which scavenges never copy: with a 10M-message backlog, capping at 2,048
 * slots made every scavenge copy the backlog (worst 1 ms-timer delay 33 ms, 12 M/s); at
 * 32,768 it was 18.5 ms and 21 M/s (npm run bench -- flood). Small queues never get there.
 */
const MAX_SEGMENT = 32768;
/** An emptied queue keeps its segment up to this size. */
const KEEP_WHEN_EMPTY = 64;

/** Read and write positions live in the segment, not the queue: two fields less per actor. */
class Segment<T> {
  readonly items: Array<T | undefined>;
  next: Segment<T> | null = null;
  /** Next read position (meaningful in the head segment). */
  readAt = 0;
  /** Next write position (meaningful in the tail segment). */
  writeAt = 0;
  constructor(capacity: number) {
    this.items = new Array<T | undefined>(capacity).fill(undefined);
  }
}

export class RingQueue<T> {
  private head: Segment<T> | null = null;
  private tail: Segment<T> | null = null;
  /** Number of queued items. */
  size = 0;

  /** Appends at the tail. */
  push(item: T): void {
    let tail = this.tail;
    if (tail === null) {
      tail = this.head = this.tail = new Segment<T>(FIRST_SEGMENT);
    } else if (tail.writeAt === tail.items.length) {
      const next = new Segment<T>(Math.min(tail.items.length * 2, MAX_SEGMENT));
      tail.next = next;
      tail = this.tail = next;
    }
    tail.items[tail.writeAt++] = item;
    this.size++;
  }

  /** Inserts at the head, so that it comes out next. */
  unshift(item: T): void {
    if (this.size === 0) {
      this.push(item);
      return;
    }
    let head = this.head!;
    if (head.readAt === 0) {
      const segment = new Segment<T>(FIRST_SEGMENT);
      segment.next = head;
      segment.readAt = segment.writeAt = FIRST_SEGMENT;
      head = this.head = segment;
    }
    head.items[--head.readAt] = item;
    this.size++;
  }

  /** Removes and returns the head; `undefined` when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    let head = this.head!;
    if (head.readAt === head.items.length) {
      head = this.head = head.next!;
    }
    const item = head.items[head.readAt];
    head.items[head.readAt++] = undefined; // let the message be collected
    if (--this.size === 0) {
      // Empty: keep a small segment for the next push; let a large one (a past burst) go.
      head.readAt = 0;
      head.writeAt = 0;
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
    return head.readAt === head.items.length ? head.next!.items[0] : head.items[head.readAt];
  }

  /** Removes every item and returns them in FIFO order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.size > 0) out.push(this.shift() as T);
    return out;
  }
}
