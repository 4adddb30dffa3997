/**
 * RingQueue: the FIFO under every mailbox and the run queue.
 *
 * A chain of arrays ("segments"), read at the head and written at the tail; each segment's
 * last slot links to the next one, so a segment is a single array and no wrapper object.
 * Why not `array.shift()`: O(n). Why not push + head index on one array: resetting it when
 * empty makes V8 reallocate on the next push (one allocation per message in a ping-pong),
 * and a flood grows one huge array whose copy on growth and whose collection stall the
 * event loop (seen: 100 ms timer delays with 2M queued).
 * Segments keep each allocation bounded and let drained ones go one at a time; a queue that
 * empties keeps a small last segment, so steady traffic allocates nothing. An idle actor's
 * queue has no segment at all, and a first segment holds 4 messages: most actors in a
 * large tree get a handful (skynet: 1 or 11).
 */
const FIRST_SEGMENT = 4;
/**
 * Segments double up to 32,768 slots (256 KB). A segment that large is born in V8's large
 * object space, which scavenges never copy: with a 10M-message backlog, capping at 2,048
 * slots made every scavenge copy the backlog (worst 1 ms-timer delay 33 ms, 12 M/s); at
 * 32,768 it was 18.5 ms and 21 M/s (npm run bench -- flood). Small queues never get there.
 */
const MAX_SEGMENT = 32768;
/** An emptied queue keeps its segment up to this size. */
const KEEP_WHEN_EMPTY = 64;

type Segment = unknown[];

/** A segment of `capacity` slots plus the link slot, all undefined. */
function segment(capacity: number): Segment {
  return new Array<unknown>(capacity + 1).fill(undefined);
}

export class RingQueue<T> {
  private head: Segment | null = null;
  private tail: Segment | null = null;
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
      tail = this.head = this.tail = segment(FIRST_SEGMENT);
      this.readAt = this.writeAt = 0;
    } else if (this.writeAt === tail.length - 1) {
      const next = segment(Math.min((tail.length - 1) * 2, MAX_SEGMENT));
      tail[tail.length - 1] = next;
      tail = this.tail = next;
      this.writeAt = 0;
    }
    tail[this.writeAt++] = item;
    this.size++;
  }

  /** Inserts at the head, so that it comes out next. */
  unshift(item: T): void {
    if (this.size === 0) {
      this.push(item);
      return;
    }
    let head = this.head!;
    if (this.readAt === 0) {
      const before = segment(FIRST_SEGMENT);
      before[FIRST_SEGMENT] = head;
      head = this.head = before;
      this.readAt = FIRST_SEGMENT;
    }
    head[--this.readAt] = item;
    this.size++;
  }

  /** Removes and returns the head; `undefined` when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    let head = this.head!;
    if (this.readAt === head.length - 1) {
      head = this.head = head[head.length - 1] as Segment;
      this.readAt = 0;
    }
    const item = head[this.readAt] as T;
    head[this.readAt++] = undefined; // let the message be collected
    if (--this.size === 0) {
      // Empty: keep a small segment for the next push; let a large one (a past burst) go.
      this.readAt = this.writeAt = 0;
      if (head.length - 1 > KEEP_WHEN_EMPTY) {
        this.head = this.tail = null;
      } else {
        head[head.length - 1] = undefined;
        this.tail = head;
      }
    }
    return item;
  }

  /** The head without removing it. */
  peek(): T | undefined {
    if (this.size === 0) return undefined;
    const head = this.head!;
    return (this.readAt === head.length - 1 ? (head[head.length - 1] as Segment)[0] : head[this.readAt]) as T;
  }

  /** Removes every item and returns them in FIFO order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.size > 0) out.push(this.shift() as T);
    return out;
  }
}
