/**
 * Snapshots of the file journal: one file per persistence id under <dir>/snapshots, named
 * by the SHA-256 of the id (any id is a safe, short file name), written atomically: a temp
 * file is written and fsynced, renamed over the old one, and the directory fsynced. A crash
 * leaves the old snapshot or the new one, never a mix. The latest save wins.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { SnapshotRecord } from './journal.js';
import { crc32 } from './crc32.js';
import { decode } from './codec.js';
import { JournalCorruptedError } from './errors.js';
import { checkHeader, FRAME_SIZE, frameV1, header, HEADER_SIZE, SNAPSHOT_FORMAT_VERSION } from './segment.js';

export class SnapshotStore {
  private counter = 0;
  private ready: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  /** The file of `persistenceId`'s snapshot. */
  file(persistenceId: string): string {
    return join(this.dir, createHash('sha256').update(persistenceId).digest('hex') + '.snap');
  }

  /** Writes the snapshot durably (temp + fsync + rename + fsync of the directory). */
  async save(record: SnapshotRecord): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true }).then(() => undefined);
    await this.ready;
    const target = this.file(record.persistenceId);
    const tmp = `${target}.tmp-${process.pid}-${++this.counter}`;
    const body = Buffer.concat([header(SNAPSHOT_FORMAT_VERSION), frameV1({ persistenceId: record.persistenceId, sequenceNr: record.sequenceNr, state: record.state, timestamp: record.timestamp })]);
    const handle = await open(tmp, 'w');
    try {
      await handle.writeFile(body);
      await handle.datasync();
    } catch (error) {
      await handle.close();
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    await rename(tmp, target);
    await fsyncDir(this.dir);
  }

  /** The snapshot of `persistenceId`, or undefined; JournalCorruptedError when its file is damaged. */
  async load<S>(persistenceId: string): Promise<SnapshotRecord<S> | undefined> {
    const file = this.file(persistenceId);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    checkHeader(file, bytes, SNAPSHOT_FORMAT_VERSION);
    if (bytes.length < HEADER_SIZE + FRAME_SIZE) throw new JournalCorruptedError(file, HEADER_SIZE, 'snapshot record frame missing');
    const length = bytes.readUInt32BE(HEADER_SIZE);
    const end = HEADER_SIZE + FRAME_SIZE + length;
    if (end !== bytes.length) throw new JournalCorruptedError(file, HEADER_SIZE, `snapshot record length ${length} does not match the file size ${bytes.length}`);
    if (crc32(bytes, HEADER_SIZE + FRAME_SIZE, end) !== bytes.readUInt32BE(HEADER_SIZE + 4)) throw new JournalCorruptedError(file, HEADER_SIZE, 'snapshot checksum mismatch');
    const record = decode<SnapshotRecord<S>>(bytes.subarray(HEADER_SIZE + FRAME_SIZE, end));
    if (record.persistenceId !== persistenceId) {
      throw new JournalCorruptedError(file, HEADER_SIZE, `snapshot belongs to persistence id ${JSON.stringify(record.persistenceId)}, not ${JSON.stringify(persistenceId)}`);
    }
    return record;
  }
}

/** fsyncs a directory, so a created or renamed entry in it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
