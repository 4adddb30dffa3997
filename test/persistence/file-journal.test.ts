import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileJournal, repair } from '../../src/persistence/file-journal.js';
import { crc32 } from '../../src/persistence/crc32.js';
import { JournalCorruptedError, JournalVersionError, WriterConflictError } from '../../src/persistence/errors.js';
import { FORMAT_VERSION, frameV1, header, HEADER_SIZE, segmentName } from '../../src/persistence/segment.js';
import type { JournalRecord } from '../../src/persistence/journal.js';
import { applyAlongsideMemory, assertSameAsMemory, journalContract, journalOps } from './journal-contract.js';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'actormesh-journal-'));
  tempDirs.push(dir);
  return dir;
}
after(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

journalContract('FileJournal', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'actormesh-journal-'));
  let current = await FileJournal.open(dir);
  return {
    journal: current,
    async reopen() {
      await current.close();
      current = await FileJournal.open(dir);
      return current;
    },
    async cleanup() {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

async function collect(journal: FileJournal, id: string): Promise<JournalRecord[]> {
  const out: JournalRecord[] = [];
  await journal.replay(id, 1, Number.POSITIVE_INFINITY, (r) => out.push(r));
  return out;
}

/** Byte offsets of each record frame in a segment file (scanned by its length fields). */
async function recordOffsets(file: string): Promise<number[]> {
  const bytes = await readFile(file);
  const offsets: number[] = [];
  for (let at = HEADER_SIZE; at < bytes.length; at += 8 + bytes.readUInt32BE(at)) offsets.push(at);
  return offsets;
}

describe('FileJournal', () => {
  it('crc32 gives the standard check value', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32(Buffer.alloc(0)), 0);
  });

  it('reopen recovers every id, sequence number, deletion and snapshot, across rolled segments', async () => {
    const dir = await tempDir();
    const journal = await FileJournal.open(dir, { segmentSize: 512 });
    const ids = ['alpha', 'beta', 'gamma'];
    for (let round = 0; round < 20; round++) {
      for (const id of ids) await journal.append(id, round * 2, [{ id, n: round * 2 + 1 }, { id, n: round * 2 + 2 }]);
    }
    await journal.deleteTo('beta', 10);
    await journal.saveSnapshot('gamma', 40, { total: 40 });
    await journal.close();
    const segments = (await readdir(dir)).filter((n) => n.endsWith('.log'));
    assert.ok(segments.length > 3, `expected several segments at 512 bytes each, got ${segments.length}`);

    const reopened = await FileJournal.open(dir, { segmentSize: 512 });
    try {
      assert.equal(reopened.recovery.tornTail, undefined);
      for (const id of ids) {
        assert.equal(await reopened.highestSequenceNr(id), 40);
        const records = await collect(reopened, id);
        const first = id === 'beta' ? 11 : 1;
        assert.deepEqual(
          records.map((r) => r.event),
          Array.from({ length: 41 - first }, (_, k) => ({ id, n: first + k })),
        );
      }
      assert.deepEqual((await reopened.loadSnapshot('gamma'))?.state, { total: 40 });
      assert.equal(await reopened.append('alpha', 40, ['next']), 41);
    } finally {
      await reopened.close();
    }
  });

  it('torn write: the last record cut at every byte offset still opens and loses only that record', async function () {
    this.timeout(20_000);
    const source = await tempDir();
    const journal = await FileJournal.open(source);
    await journal.append('a', 0, ['one', { two: 2 }]);
    await journal.append('b', 0, ['b-one']);
    await journal.append('a', 2, [{ last: 'x'.repeat(40), when: new Date(5) }]);
    await journal.close();
    const file = join(source, segmentName(1));
    const size = (await stat(file)).size;
    const lastOffset = (await recordOffsets(file)).at(-1)!;
    const work = await tempDir();
    for (let cut = lastOffset; cut < size; cut++) {
      await rm(work, { recursive: true, force: true });
      await copyDir(source, work);
      await truncate(join(work, segmentName(1)), cut);
      const reopened = await FileJournal.open(work);
      try {
        assert.equal(await reopened.highestSequenceNr('a'), 2, `cut at ${cut}`);
        assert.deepEqual((await collect(reopened, 'a')).map((r) => r.event), ['one', { two: 2 }], `cut at ${cut}`);
        assert.deepEqual((await collect(reopened, 'b')).map((r) => r.event), ['b-one'], `cut at ${cut}`);
        if (cut > lastOffset) assert.equal(reopened.recovery.tornTail?.offset, lastOffset, `cut at ${cut}`);
        // The tail is cut off on disk: the next append continues at sequence number 3.
        assert.equal(await reopened.append('a', 2, ['again']), 3);
      } finally {
        await reopened.close();
      }
      const again = await FileJournal.open(work);
      assert.deepEqual((await collect(again, 'a')).map((r) => r.event), ['one', { two: 2 }, 'again'], `reopen after cut at ${cut}`);
      await again.close();
    }
  });

  it('a torn last record with a flipped byte (checksum failure at the end) is cut, not refused', async () => {
    const dir = await tempDir();
    const journal = await FileJournal.open(dir);
    await journal.append('a', 0, ['keep', 'torn-record-payload']);
    await journal.close();
    const file = join(dir, segmentName(1));
    const bytes = await readFile(file);
    bytes[bytes.length - 3] ^= 0xff;
    await writeFile(file, bytes);
    const reopened = await FileJournal.open(dir);
    assert.deepEqual((await collect(reopened, 'a')).map((r) => r.event), ['keep']);
    assert.match(reopened.recovery.tornTail?.reason ?? '', /checksum/);
    await reopened.close();
  });

  it('a last segment cut inside its header (a crash while rolling) is dropped, and appends continue', async () => {
    const dir = await tempDir();
    const journal = await FileJournal.open(dir, { segmentSize: 64 });
    for (let i = 0; i < 4; i++) await journal.append('a', i, [`event-number-${i + 1}`]);
    await journal.close();
    const segments = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
    const next = join(dir, segmentName(segments.length + 1));
    await writeFile(next, Buffer.from('AMJ'));
    const reopened = await FileJournal.open(dir, { segmentSize: 64 });
    assert.equal(reopened.recovery.tornTail?.file, next);
    assert.equal(await reopened.highestSequenceNr('a'), 4);
    assert.equal(await reopened.append('a', 4, ['five']), 5);
    assert.deepEqual((await collect(reopened, 'a')).map((r) => r.event), ['event-number-1', 'event-number-2', 'event-number-3', 'event-number-4', 'five']);
    await reopened.close();
    const again = await FileJournal.open(dir);
    assert.equal(await again.highestSequenceNr('a'), 5);
    await again.close();
  });

  it('a flipped byte in the middle of an earlier record is refused with the file and offset; repair() truncates there', async () => {
    const dir = await tempDir();
    const journal = await FileJournal.open(dir);
    await journal.append('a', 0, ['first', 'second-record-with-some-length', 'third', 'fourth']);
    await journal.close();
    const file = join(dir, segmentName(1));
    const offsets = await recordOffsets(file);
    const bad = offsets[1]!;
    const bytes = await readFile(file);
    const middle = bad + 8 + Math.floor((offsets[2]! - bad - 8) / 2);
    bytes[middle] ^= 0x5a;
    await writeFile(file, bytes);

    await assert.rejects(FileJournal.open(dir), (e: unknown) => {
      assert.ok(e instanceof JournalCorruptedError);
      assert.equal(e.file, file);
      assert.equal(e.offset, bad);
      assert.match(e.reason, /checksum mismatch/);
      assert.ok(e.message.includes(file) && e.message.includes(String(bad)));
      return true;
    });
    // The refused open left the lock free and the file untouched.
    assert.equal((await stat(file)).size, bytes.length);

    const report = await repair(dir);
    assert.equal(report.repaired, true);
    assert.equal(report.file, file);
    assert.equal(report.offset, bad);
    assert.equal(report.removedBytes, bytes.length - bad);
    assert.equal((await stat(file)).size, bad);

    const repaired = await FileJournal.open(dir);
    assert.deepEqual((await collect(repaired, 'a')).map((r) => r.event), ['first']);
    assert.equal(await repaired.highestSequenceNr('a'), 1);
    await repaired.close();
    assert.equal((await repair(dir)).repaired, false);
  });

  it('a bad record in a segment that is not the last is refused, and repair() drops the later segments', async () => {
    const dir = await tempDir();
    const journal = await FileJournal.open(dir, { segmentSize: 64 });
    for (let i = 0; i < 6; i++) await journal.append('a', i, [`event-number-${i + 1}`]);
    await journal.close();
    const segments = (await readdir(dir)).filter((n) => n.endsWith('.log')).sort();
    assert.ok(segments.length >= 3);
    const file = join(dir, segments[0]!);
    const bytes = await readFile(file);
    bytes[bytes.length - 2] ^= 0x01; // the last record of the FIRST segment: not a torn tail
    await writeFile(file, bytes);
    await assert.rejects(FileJournal.open(dir), (e: unknown) => e instanceof JournalCorruptedError && e.file === file);
    const report = await repair(dir);
    assert.equal(report.removedSegments.length, segments.length - 1);
    const repaired = await FileJournal.open(dir);
    assert.ok((await repaired.highestSequenceNr('a')) < 6);
    await repaired.close();
  });

  it('a segment header with a newer format version is refused with JournalVersionError', async () => {
    const dir = await tempDir();
    const journal = await FileJournal.open(dir);
    await journal.append('a', 0, ['x']);
    await journal.close();
    const file = join(dir, segmentName(1));
    const bytes = await readFile(file);
    const newer = FORMAT_VERSION + 1;
    bytes.writeUInt32BE(newer, 4);
    await writeFile(file, bytes);
    await assert.rejects(FileJournal.open(dir), (e: unknown) => {
      assert.ok(e instanceof JournalVersionError);
      assert.equal(e.file, file);
      assert.equal(e.foundVersion, newer);
      assert.equal(e.supportedVersion, FORMAT_VERSION);
      assert.match(e.message, new RegExp(`version ${newer}`));
      return true;
    });
    await assert.rejects(repair(dir), JournalVersionError);
    assert.equal((await stat(file)).size, bytes.length, 'repair must not touch a newer journal');
  });

  it('a journal written in format version 1 (whole records in msgpack) is still read, and appends go to a new segment', async () => {
    const dir = await tempDir();
    const timestamp = 1_700_000_000_000;
    const v1 = Buffer.concat([
      header(1),
      frameV1({ persistenceId: 'old', sequenceNr: 1, event: { n: 1 }, timestamp }),
      frameV1({ persistenceId: 'old', sequenceNr: 2, event: { n: 2 }, timestamp }),
      frameV1({ persistenceId: 'gone', sequenceNr: 1, event: 'x', timestamp }),
      frameV1({ persistenceId: 'gone', deletedTo: 1, timestamp }),
    ]);
    await writeFile(join(dir, segmentName(1)), v1);
    const journal = await FileJournal.open(dir);
    assert.equal(await journal.append('old', 2, [{ n: 3 }]), 3);
    await journal.close();
    assert.deepEqual(await readFile(join(dir, segmentName(1))), v1, 'the version-1 segment is never written to');
    const reopened = await FileJournal.open(dir);
    const events = await collect(reopened, 'old');
    assert.deepEqual(events.map((r) => [r.sequenceNr, r.event]), [[1, { n: 1 }], [2, { n: 2 }], [3, { n: 3 }]]);
    assert.equal(events[0]!.timestamp, timestamp);
    assert.deepEqual(await collect(reopened, 'gone'), []);
    assert.equal(await reopened.highestSequenceNr('gone'), 1);
    await reopened.close();
  });

  it('events of 100 shapes (more than the 32 shared structures) round-trip across reopens; each new shared shape writes the table once', async () => {
    const dir = await tempDir();
    const shape = (k: number, i: number) => ({ [`field${k}`]: i, kind: `shape-${k}`, nested: { k, list: [k, { deep: i }] } });
    const journal = await FileJournal.open(dir);
    for (let i = 0; i < 3; i++) for (let k = 0; k < 100; k++) await journal.append(`id-${k}`, i, [shape(k, i)]);
    await journal.close();
    // Records of kind 3 (structure tables) in the segment: one per append that added shared structures.
    const bytes = await readFile(join(dir, segmentName(1)));
    let tables = 0;
    for (const at of await recordOffsets(join(dir, segmentName(1)))) if (bytes[at + 8] === 3) tables++;
    assert.ok(tables >= 1 && tables <= 32, `expected between 1 and 32 structure tables, found ${tables}`);
    // A reopened journal decodes all of them, and keeps encoding new events with the same table.
    const reopened = await FileJournal.open(dir);
    for (let k = 0; k < 100; k++) await reopened.append(`id-${k}`, 3, [shape(k, 3)]);
    await reopened.close();
    const last = await FileJournal.open(dir);
    for (let k = 0; k < 100; k++) {
      assert.deepEqual((await collect(last, `id-${k}`)).map((r) => r.event), [0, 1, 2, 3].map((i) => shape(k, i)), `id-${k}`);
    }
    await last.close();
  });

  it('a file that is not a journal segment is refused as corrupted at offset 0', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, segmentName(1)), 'hello, this is not a journal');
    await writeFile(join(dir, segmentName(2)), Buffer.alloc(0));
    await assert.rejects(FileJournal.open(dir), (e: unknown) => e instanceof JournalCorruptedError && e.offset === 0 && /magic/.test(e.reason));
  });

  it('a second open of the same directory is refused while the first holds it (same process and a child process)', async () => {
    const dir = await tempDir();
    const first = await FileJournal.open(dir);
    await assert.rejects(FileJournal.open(dir), (e: unknown) => e instanceof WriterConflictError && e.message.includes(dir) && e.message.includes('this process'));
    const child = await openInChild(dir);
    assert.equal(child.code, 3, `child said: ${child.output}`);
    assert.match(child.output, /WriterConflictError/);
    assert.match(child.output, new RegExp(`process ${process.pid}`));
    await assert.rejects(repair(dir), WriterConflictError);
    await first.close();
    const childAfter = await openInChild(dir);
    assert.equal(childAfter.code, 0, `child said: ${childAfter.output}`);
  });

  it('a stale lock of a dead process is taken over', async () => {
    const dir = await tempDir();
    const dead = await deadPid();
    await writeFile(join(dir, 'LOCK'), `${dead}\n`);
    const journal = await FileJournal.open(dir);
    assert.equal((await readFile(join(dir, 'LOCK'), 'utf8')).trim(), String(process.pid));
    await journal.close();
  });

  it('group commit: 10,000 concurrent appends take far fewer fsyncs than appends, and all land in order', async () => {
    const dir = await tempDir();
    const journal = await FileJournal.open(dir);
    const ids = Array.from({ length: 100 }, (_, i) => `id-${i}`);
    const appends: Promise<number>[] = [];
    for (let k = 0; k < 100; k++) for (const id of ids) appends.push(journal.append(id, k, [{ id, k }]));
    const results = await Promise.all(appends);
    assert.equal(results.length, 10_000);
    assert.equal(journal.stats.appends, 10_000);
    assert.ok(journal.stats.fsyncs >= 1 && journal.stats.fsyncs <= 100, `fsyncs: ${journal.stats.fsyncs} for 10,000 appends`);
    assert.equal(journal.stats.fsyncs, journal.stats.writes);
    for (const id of ids.slice(0, 5)) assert.deepEqual((await collect(journal, id)).map((r) => (r.event as { k: number }).k), Array.from({ length: 100 }, (_, k) => k));
    await journal.close();
  });

  it('maxBatchSize bounds the records of one write; fsync: never writes without fsync', async () => {
    const dir = await tempDir();
    const journal = await FileJournal.open(dir, { maxBatchSize: 10, fsync: 'never' });
    await Promise.all(Array.from({ length: 100 }, (_, i) => journal.append(`id-${i}`, 0, ['x'])));
    assert.ok(journal.stats.writes >= 10, `writes: ${journal.stats.writes}`);
    assert.equal(journal.stats.fsyncs, 0);
    await journal.close();
  });

  it('close() writes what was queued before it', async () => {
    const dir = await tempDir();
    const journal = await FileJournal.open(dir);
    const pending = journal.append('a', 0, ['queued']);
    await journal.close();
    assert.equal(await pending, 1);
    const reopened = await FileJournal.open(dir);
    assert.deepEqual((await collect(reopened, 'a')).map((r) => r.event), ['queued']);
    await reopened.close();
  });

  it('replay sees events appended after an earlier replay read the same block (no stale cache)', async () => {
    const dir = await tempDir();
    const journal = await FileJournal.open(dir);
    await journal.append('a', 0, ['one']);
    await journal.append('b', 0, ['b']);
    assert.deepEqual((await collect(journal, 'a')).map((r) => r.event), ['one']);
    await journal.append('a', 1, ['two', 'three']);
    assert.deepEqual((await collect(journal, 'a')).map((r) => r.event), ['one', 'two', 'three']);
    assert.deepEqual((await collect(journal, 'b')).map((r) => r.event), ['b']);
    await journal.close();
  });

  it('property: any sequence of appends, deletions and conflicts leaves the file journal, reopened, equal to the memory journal', async function () {
    this.timeout(20_000);
    await fc.assert(
      fc.asyncProperty(journalOps(['x', 'y', 'z'], 25), fc.integer({ min: 40, max: 400 }), async (ops, segmentSize) => {
        const dir = await tempDir();
        const file = await FileJournal.open(dir, { segmentSize });
        const memory = await applyAlongsideMemory(file, ops);
        await file.close();
        const reopened = await FileJournal.open(dir, { segmentSize });
        try {
          await assertSameAsMemory(reopened, memory, ['x', 'y', 'z']);
        } finally {
          await reopened.close();
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });

  it('bad options are refused naming the option and the value', async () => {
    const dir = await tempDir();
    await assert.rejects(FileJournal.open(dir, { fsync: 'always' as 'batch' }), (e: unknown) => e instanceof RangeError && /options\.fsync/.test(e.message) && /always/.test(e.message));
    await assert.rejects(FileJournal.open(dir, { segmentSize: 0 }), (e: unknown) => e instanceof RangeError && /segmentSize/.test(e.message));
    await assert.rejects(FileJournal.open(''), TypeError);
  });
});

async function copyDir(from: string, to: string): Promise<void> {
  await import('node:fs/promises').then((fs) => fs.mkdir(to, { recursive: true }));
  for (const name of await readdir(from)) if (name.endsWith('.log')) await copyFile(join(from, name), join(to, name));
}

const journalModule = fileURLToPath(new URL('../../src/persistence/file-journal.ts', import.meta.url));

/** Opens the journal in a child process: exit code 0 when it opened (and closed), 3 when refused. */
function openInChild(dir: string): Promise<{ code: number | null; output: string }> {
  const script = `
    const { FileJournal } = await import(${JSON.stringify(journalModule)});
    try { const j = await FileJournal.open(${JSON.stringify(dir)}); await j.close(); process.exit(0); }
    catch (e) { console.log(e.name + ': ' + e.message); process.exit(3); }`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** The pid of a process that has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}
