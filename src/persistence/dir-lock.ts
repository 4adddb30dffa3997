/**
 * The process lock of a journal directory: a file LOCK holding the owner's pid, created
 * exclusively. One process writes a journal directory at a time; a lock left by a dead
 * process (SIGKILL, crash) is taken over, since nothing can release it otherwise.
 */
import { link, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { WriterConflictError } from './errors.js';

export const LOCK_FILE = 'LOCK';

/** Acquires the lock of `dir` for this process; WriterConflictError when a live process (this one included) holds it. */
export async function acquireDirLock(dir: string): Promise<DirLock> {
  const path = join(dir, LOCK_FILE);
  // Two attempts: the second after removing a stale lock of a dead pid.
  for (let attempt = 0; attempt < 2; attempt++) {
    // Written to a private file, then hard-linked into place: the lock appears with its pid
    // already in it (an empty LOCK would look stale to a racing process).
    const tmp = join(dir, `${LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}`);
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(`${process.pid}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(tmp, path);
      return new DirLock(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    const holder = await lockHolder(path);
    if (holder !== undefined && isAlive(holder)) {
      throw new WriterConflictError(
        dir,
        { heldBy: `pid ${holder}`, writerId: `pid ${process.pid}` },
        `journal directory ${dir} is locked by ${holder === process.pid ? 'this process (already open)' : `process ${holder}`} (${path}): a second writer is refused`,
      );
    }
    // Stale (a dead pid, or unreadable): take it over.
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  throw new WriterConflictError(dir, { writerId: `pid ${process.pid}` }, `journal directory ${dir}: could not take over the stale lock ${path} (another process raced for it)`);
}

export class DirLock {
  private released = false;
  constructor(readonly path: string) {}

  /** Removes the lock file (once). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await unlink(this.path).catch(() => undefined);
  }
}

async function lockHolder(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether process `pid` exists (EPERM: it exists but belongs to someone else). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
