/**
 * RingQueue: a FIFO on a power-of-two ring buffer.
 * Why not `array.shift()`: that is O(n). Why not push + head index: resetting the array
 * when it empties makes V8 reallocate its store on the next push, which in a ping-pong is
 * one allocation per message. The ring keeps its store while it has work, allocates it
 * only on the first push (idle actors carry no buffer) and lets a large store go once it
 * drains, so a flood does not pin megabytes to an actor forever.
 */
const INITIAL_CAPACITY = 8;
/** A drained store above this many slots is released instead of kept. */
const RELEASE_ABOVE = 1024;

export class RingQueue<T> {
  private buffer: Array<T | undefined> | null = null;
  private head = 0;
  /** Number of queued items. */
  size = 0;

  /** Appends at the tail. */
  push(item: T): void {
    let buffer = this.buffer;
    if (buffer === null) {
      buffer = this.buffer = new Array<T | undefined>(INITIAL_CAPACITY).fill(undefined);
    } else if (this.size === buffer.length) {
      buffer = this.grow();
    }
    buffer[(this.head + this.size) & (buffer.length - 1)] = item;
    this.size++;
  }

  /** Inserts at the head, so that it comes out next. */
  unshift(item: T): void {
    if (this.buffer === null || this.size === this.buffer.length) {
      this.push(item); // allocates or grows; then rotate it to the front
      const buffer = this.buffer!;
      const mask = buffer.length - 1;
      const tail = (this.head + this.size - 1) & mask;
      this.head = (this.head - 1) & mask;
      buffer[this.head] = buffer[tail];
      if (tail !== this.head) buffer[tail] = undefined;
      return;
    }
    this.head = (this.head - 1) & (this.buffer.length - 1);
    this.buffer[this.head] = item;
    this.size++;
  }

  /** Removes and returns the head; `undefined` when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const buffer = this.buffer!;
    const item = buffer[this.head];
    buffer[this.head] = undefined; // let the message be collected
    this.head = (this.head + 1) & (buffer.length - 1);
    if (--this.size === 0) {
      this.head = 0;
      if (buffer.length > RELEASE_ABOVE) this.buffer = null;
    }
    return item;
  }

  /** The head without removing it. */
  peek(): T | undefined {
    return this.size === 0 ? undefined : this.buffer![this.head];
  }

  /** Removes every item and returns them in FIFO order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.size > 0) out.push(this.shift() as T);
    return out;
  }

  private grow(): Array<T | undefined> {
    const old = this.buffer!;
    const mask = old.length - 1;
    const next = new Array<T | undefined>(old.length * 2).fill(undefined);
    for (let i = 0; i < this.size; i++) next[i] = old[(this.head + i) & mask];
    this.buffer = next;
    this.head = 0;
    return next;
  }
}
