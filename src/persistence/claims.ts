/**
 * Per-persistence-id writer claims (the `claim`/`release` half of the Journal contract),
 * shared by the journals that keep claims in-process (memory, file).
 */
import { WriterConflictError } from './errors.js';

export class Claims {
  private readonly holders = new Map<string, string>();

  /** Claims `persistenceId` for `writerId`; idempotent for the holder, refused for anyone else. */
  claim(persistenceId: string, writerId: string): void {
    const holder = this.holders.get(persistenceId);
    if (holder !== undefined && holder !== writerId) throw new WriterConflictError(persistenceId, { writerId, heldBy: holder });
    this.holders.set(persistenceId, writerId);
  }

  /** Releases the holder's claim; releasing an unclaimed id is a no-op, another writer's claim is refused. */
  release(persistenceId: string, writerId: string): void {
    const holder = this.holders.get(persistenceId);
    if (holder === undefined) return;
    if (holder !== writerId) {
      throw new WriterConflictError(
        persistenceId,
        { writerId, heldBy: holder },
        `writer ${JSON.stringify(writerId)} cannot release persistence id ${JSON.stringify(persistenceId)}: it is claimed by ${JSON.stringify(holder)}`,
      );
    }
    this.holders.delete(persistenceId);
  }

  /** The writer holding `persistenceId`, if any. */
  holder(persistenceId: string): string | undefined {
    return this.holders.get(persistenceId);
  }

  clear(): void {
    this.holders.clear();
  }
}
