/**
 * Reads of segment files for replay through a small LRU cache of aligned blocks. Many
 * actors recovering at once replay ids whose records are interleaved in the same region of
 * a segment: each block is read once for all of them instead of one read per record.
 * Segments only grow, so a cached block is only ever too short (read before later appends
 * reached it): such a block is read again.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

export const BLOCK_SIZE = 1024 * 1024;

export class BlockCache {
  private readonly blocks = new Map<string, Promise<Buffer>>();
  private readonly handles = new Map<number, Promise<FileHandle>>();

  /** `fileOf(segment)` names a segment's file; at most `capacity` blocks are kept. */
  constructor(
    private readonly fileOf: (segment: number) => string,
    private readonly capacity = 32,
  ) {}

  /**
   * The bytes [offset, offset + length) of `segment`: a view into a cached block when the
   * range lies in one block, else a direct read.
   */
  async read(segment: number, offset: number, length: number): Promise<Buffer> {
    const block = Math.floor(offset / BLOCK_SIZE);
    const blockStart = block * BLOCK_SIZE;
    if (offset + length > blockStart + BLOCK_SIZE) return this.direct(segment, offset, length);
    const key = `${segment}:${block}`;
    let bytes = await this.block(key, segment, blockStart, false);
    if (offset + length > blockStart + bytes.length) bytes = await this.block(key, segment, blockStart, true);
    if (offset + length > blockStart + bytes.length) throw new RangeError(`segment ${segment}: bytes ${offset}..${offset + length} are past its end (${blockStart + bytes.length})`);
    return bytes.subarray(offset - blockStart, offset - blockStart + length);
  }

  /** Forgets every block and closes the files. */
  async close(): Promise<void> {
    this.blocks.clear();
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map(async (h) => (await h).close().catch(() => undefined)));
  }

  private block(key: string, segment: number, start: number, refresh: boolean): Promise<Buffer> {
    let pending = refresh ? undefined : this.blocks.get(key);
    if (pending !== undefined) {
      // LRU: move to the end.
      this.blocks.delete(key);
      this.blocks.set(key, pending);
      return pending;
    }
    pending = this.direct(segment, start, BLOCK_SIZE, true);
    this.blocks.delete(key);
    this.blocks.set(key, pending);
    pending.catch(() => this.blocks.delete(key));
    while (this.blocks.size > this.capacity) this.blocks.delete(this.blocks.keys().next().value!);
    return pending;
  }

  private async direct(segment: number, offset: number, length: number, shortOk = false): Promise<Buffer> {
    const handle = await this.handle(segment);
    const bytes = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await handle.read(bytes, read, length - read, offset + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read < length && !shortOk) throw new RangeError(`segment ${segment}: read ${read} of ${length} bytes at offset ${offset}`);
    return read < length ? bytes.subarray(0, read) : bytes;
  }

  private handle(segment: number): Promise<FileHandle> {
    let handle = this.handles.get(segment);
    if (handle === undefined) {
      handle = open(this.fileOf(segment), 'r');
      this.handles.set(segment, handle);
      handle.catch(() => this.handles.delete(segment));
    }
    return handle;
  }
}
