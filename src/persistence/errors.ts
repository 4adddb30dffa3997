/**
 * The errors of the journals (issue 6). Each message names what was wrong and where, so a
 * log line alone says which persistence id, file or byte offset to look at.
 */

/** What a writer conflict was about: an expected sequence number, a claim, or a directory lock. */
export interface WriterConflictDetails {
  /** The sequence number the writer expected to append after. */
  readonly expectedSequenceNr?: number;
  /** The journal's actual highest sequence number (including appends still in flight). */
  readonly actualSequenceNr?: number;
  /** The writer that asked. */
  readonly writerId?: string;
  /** The writer (or process, as `pid N`) that holds the id or the directory. */
  readonly heldBy?: string;
}

/**
 * Two writers on one persistence id (or two processes on one journal directory): the second
 * is refused and nothing is written.
 */
export class WriterConflictError extends Error {
  override readonly name = 'WriterConflictError';
  readonly expectedSequenceNr: number | undefined;
  readonly actualSequenceNr: number | undefined;
  readonly writerId: string | undefined;
  readonly heldBy: string | undefined;

  /** `persistenceId` is the id (or, for a directory lock, the directory) in conflict. */
  constructor(
    readonly persistenceId: string,
    details: WriterConflictDetails,
    message?: string,
  ) {
    super(message ?? WriterConflictError.describe(persistenceId, details));
    this.expectedSequenceNr = details.expectedSequenceNr;
    this.actualSequenceNr = details.actualSequenceNr;
    this.writerId = details.writerId;
    this.heldBy = details.heldBy;
  }

  private static describe(id: string, d: WriterConflictDetails): string {
    if (d.expectedSequenceNr !== undefined) {
      return (
        `writer conflict on persistence id ${JSON.stringify(id)}: append expected sequence number ${d.expectedSequenceNr} ` +
        `but the journal is at ${d.actualSequenceNr ?? '?'} (another writer appended in between); nothing was written`
      );
    }
    return `writer conflict on persistence id ${JSON.stringify(id)}: writer ${JSON.stringify(d.writerId ?? '?')} refused, held by ${JSON.stringify(d.heldBy ?? '?')}`;
  }
}

/** A call on a journal after `close()`. */
export class JournalClosedError extends Error {
  override readonly name = 'JournalClosedError';
  constructor(
    /** The call that was refused (`append`, `replay` ...). */
    readonly operation: string,
    /** The journal (its directory, or `memory`). */
    readonly journal: string,
  ) {
    super(`journal ${journal} is closed: ${operation}() refused`);
  }
}

/**
 * A bad record that is not a torn tail (in the middle of a segment, or in a segment that is
 * not the last): the journal refuses to open rather than silently drop committed events.
 * `actormesh journal repair` truncates at `offset` on request.
 */
export class JournalCorruptedError extends Error {
  override readonly name = 'JournalCorruptedError';
  constructor(
    readonly file: string,
    /** Byte offset of the first bad record (its frame start) in `file`. */
    readonly offset: number,
    /** What was wrong: "checksum mismatch", "bad magic" ... */
    readonly reason: string,
  ) {
    super(`journal file ${file} is corrupted at byte offset ${offset}: ${reason} (run \`actormesh journal repair\` to truncate at the last good record)`);
  }
}

/** A journal file written by a newer (or unknown) format version. */
export class JournalVersionError extends Error {
  override readonly name = 'JournalVersionError';
  constructor(
    readonly file: string,
    readonly foundVersion: number,
    readonly supportedVersion: number,
  ) {
    super(`journal file ${file} has format version ${foundVersion}, this actormesh reads version ${supportedVersion} at most: refused (upgrade actormesh)`);
  }
}
