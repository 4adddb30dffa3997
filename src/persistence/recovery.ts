/**
 * Reading a journal directory back: the scan of every segment that builds the in-memory
 * index (open), and the truncation at the last good record (repair).
 */
import { readdir, readFile, stat, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { JournalCorruptedError } from './errors.js';
import { checkHeader, HEADER_SIZE, MAGIC, scanSegment, segmentName, segmentNumber } from './segment.js';

/** Where the events of one persistence id are: entry k holds sequence number k + 1. */
export interface IdIndex {
  /** Highest durable sequence number. */
  highest: number;
  deletedTo: number;
  readonly segments: number[];
  readonly offsets: number[];
  /** Frame + payload bytes of each record. */
  readonly lengths: number[];
}

/** The first problem a scan met: where, why, and whether it is a torn tail of the last segment. */
export interface ScanProblem {
  readonly segment: number;
  readonly file: string;
  readonly offset: number;
  readonly reason: string;
  /** The last record of the last segment, incomplete or failing its checksum: cut on open. */
  readonly torn: boolean;
}

export interface ScanResult {
  readonly index: Map<string, IdIndex>;
  /** Segment numbers, ascending. */
  readonly segments: number[];
  /** Size in bytes of each segment as scanned (up to the problem, if any). */
  readonly sizes: Map<number, number>;
  /** Format version of each segment read (from its header). */
  readonly versions: Map<number, number>;
  /** The latest event structure table found (codec.ts, RecordCodec); empty when none. */
  readonly structures: string[][];
  readonly records: number;
  readonly problem?: ScanProblem;
}

/** The segment numbers in `dir`, ascending. */
export async function listSegments(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  return names
    .map(segmentNumber)
    .filter((n): n is number => n !== undefined)
    .sort((a, b) => a - b);
}

/**
 * Scans every segment of `dir` in order and indexes its records, stopping at the first bad
 * record (returned as `problem`). A newer format version throws JournalVersionError.
 */
export async function scanDirectory(dir: string): Promise<ScanResult> {
  const segments = await listSegments(dir);
  const index = new Map<string, IdIndex>();
  const sizes = new Map<number, number>();
  const versions = new Map<number, number>();
  let structures: string[][] = [];
  let records = 0;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const file = join(dir, segmentName(segment));
    const last = i === segments.length - 1;
    const bytes = await readFile(file);
    const problem = (offset: number, reason: string, torn: boolean): ScanResult => ({
      index,
      segments,
      sizes,
      versions,
      structures,
      records,
      problem: { segment, file, offset, reason, torn: torn && last },
    });
    // A header cut short in the last segment: a crash while creating it.
    if (bytes.length < HEADER_SIZE && last && MAGIC.subarray(0, Math.min(bytes.length, 4)).equals(bytes.subarray(0, 4))) return problem(0, `incomplete file header (${bytes.length} bytes)`, true);
    let version: number;
    try {
      version = checkHeader(file, bytes);
    } catch (error) {
      if (error instanceof JournalCorruptedError) return problem(0, error.reason, false);
      throw error;
    }
    versions.set(segment, version);
    let sequenceProblem: { offset: number; reason: string } | undefined;
    const bad = scanSegment(bytes, version, (record) => {
      if (sequenceProblem !== undefined) return;
      const p = record.payload;
      if (p.kind === 'structures') {
        // Tables only grow: a shorter one than what came before is not one the journal wrote.
        if (p.structures.length < structures.length) {
          sequenceProblem = { offset: record.offset, reason: `structure table of ${p.structures.length} entries follows one of ${structures.length}` };
          return;
        }
        structures = p.structures;
        return;
      }
      let entry = index.get(p.persistenceId);
      if (entry === undefined) {
        entry = { highest: 0, deletedTo: 0, segments: [], offsets: [], lengths: [] };
        index.set(p.persistenceId, entry);
      }
      if (p.kind === 'tombstone') {
        entry.deletedTo = Math.max(entry.deletedTo, Math.min(p.deletedTo, entry.highest));
      } else if (p.sequenceNr !== entry.highest + 1) {
        sequenceProblem = { offset: record.offset, reason: `sequence number ${p.sequenceNr} of persistence id ${JSON.stringify(p.persistenceId)} follows ${entry.highest}` };
        return;
      } else {
        entry.highest = p.sequenceNr;
        entry.segments.push(segment);
        entry.offsets.push(record.offset);
        entry.lengths.push(record.length);
      }
      records++;
    });
    // A sequence gap (or a shrinking table) is never a torn tail: the record itself is whole.
    if (sequenceProblem !== undefined) return problem(sequenceProblem.offset, sequenceProblem.reason, false);
    if (bad !== undefined) {
      sizes.set(segment, bad.offset);
      return problem(bad.offset, bad.reason, bad.atEnd);
    }
    sizes.set(segment, bytes.length);
  }
  return { index, segments, sizes, versions, structures, records };
}


/** What `repair` did. */
export interface RepairReport {
  readonly dir: string;
  /** False when the journal was whole (nothing changed). */
  readonly repaired: boolean;
  /** The file cut, the offset it was cut at, and why. */
  readonly file?: string;
  readonly offset?: number;
  readonly reason?: string;
  /** Bytes removed from `file` plus the bytes of the removed segments. */
  readonly removedBytes: number;
  /** Later segments deleted (everything after the bad record goes). */
  readonly removedSegments: readonly string[];
}

/**
 * Truncates the segment with the first bad record at that record and deletes every later
 * segment (events after a bad record cannot be trusted to follow it). The caller holds the
 * directory lock.
 */
export async function truncateAtProblem(dir: string, scan: ScanResult): Promise<RepairReport> {
  const problem = scan.problem;
  if (problem === undefined) return { dir, repaired: false, removedBytes: 0, removedSegments: [] };
  let removedBytes = 0;
  const removedSegments: string[] = [];
  const { size: fileSize } = await stat(problem.file);
  if (problem.offset < HEADER_SIZE) {
    await unlink(problem.file);
    removedBytes += fileSize;
    removedSegments.push(problem.file);
  } else {
    await truncate(problem.file, problem.offset);
    removedBytes += fileSize - problem.offset;
  }
  for (const segment of scan.segments.filter((n) => n > problem.segment)) {
    const file = join(dir, segmentName(segment));
    const { size } = await stat(file);
    await unlink(file);
    removedBytes += size;
    removedSegments.push(file);
  }
  return { dir, repaired: true, file: problem.file, offset: problem.offset, reason: problem.reason, removedBytes, removedSegments };
}
