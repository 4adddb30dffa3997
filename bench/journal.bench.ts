/**
 * journal: the file journal's group commit and recovery replay (issue 6), in a temp dir
 * (os.tmpdir(); the table says which file system).
 *
 * Table 1, appends (fsync per batch):
 *   actormesh  FileJournal, fsync 'batch': W writers (persistence ids), each appending one
 *              event at a time and awaiting it (as persistent actors do), N events in all
 *   floor      the same N events, already encoded and framed, in batches of the size the
 *              actormesh round averaged (N / its writes): one FileHandle.appendFile + one
 *              fdatasync per batch, in a loop (no queue, no index, no promises per event)
 * Table 2, recovery:
 *   actormesh  replay of one id holding R events (a long-lived actor recovering), and, as
 *              extra rows, the open scan (index build, events/s) and a replay of W interleaved
 *              ids (all actors of table 1 recovering)
 *   floor      readFile of the segment + a loop decoding every event with the same codec (no index, no checks)
 *
 * Targets: appends >= 200,000 events/s with fsync per batch; replay >= 1,000,000 events/s.
 * Run alone: npm run bench -- journal
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileJournal } from '../src/persistence/file-journal.js';
import { RecordCodec } from '../src/persistence/codec.js';
import { FORMAT_VERSION, FRAME_SIZE, frameEvents, HEADER_SIZE, header, RECORD_HEADER_SIZE, scanPayload, segmentName } from '../src/persistence/segment.js';
import { block, findRow, fmt, now, pushRow, runIfMain, scenario } from './harness.js';
import type { Metric, ScenarioResult } from './harness.js';

const N = 200_000;
const WRITERS = 2_000;
const REPLAY_N = 1_000_000;
const ROUNDS = 3;

const metrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms },
  { key: 'rate', label: 'rate ev/s', format: fmt.rate, ratio: true, normalized: true },
  { key: 'batch', label: 'avg batch', format: fmt.int },
];

const event = (writer: number, i: number) => ({ type: 'deposited', account: writer, amount: i, note: 'benchmark event' });
const figures = (n: number, ms: number, batch = NaN) => ({ ms, rate: (n / ms) * 1000, batch });

function fileSystem(dir: string): string {
  try {
    return execFileSync('df', ['-T', dir], { encoding: 'utf8' }).split('\n')[1]?.split(/\s+/)[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function appendRound(dir: string): Promise<{ ms: number; batch: number }> {
  const journal = await FileJournal.open(dir, { fsync: 'batch' });
  const perWriter = N / WRITERS;
  const start = now();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      const id = `account-${w}`;
      for (let i = 0; i < perWriter; i++) await journal.append(id, i, [event(w, i)]);
    }),
  );
  const ms = now() - start;
  const batch = journal.stats.records / journal.stats.writes;
  await journal.close();
  return { ms, batch };
}

async function floorRound(dir: string, batchSize: number): Promise<number> {
  const frames: Buffer[] = [];
  const codec = new RecordCodec();
  for (let i = 0; i < N; i++) {
    const framed = frameEvents(codec, Buffer.from(`account-${i % WRITERS}`), Math.floor(i / WRITERS) + 1, [event(i % WRITERS, i)], Date.now());
    if (framed.table !== undefined) frames.push(framed.table);
    frames.push(framed.frames[0]!);
  }
  const handle = await open(join(dir, 'floor.log'), 'w');
  await handle.appendFile(header());
  const start = now();
  for (let i = 0; i < N; i += batchSize) {
    await handle.appendFile(Buffer.concat(frames.slice(i, i + batchSize)));
    await handle.datasync();
  }
  const ms = now() - start;
  await handle.close();
  return ms;
}

export async function runJournal(): Promise<ScenarioResult[]> {
  const root = await mkdtemp(join(tmpdir(), 'actormesh-bench-journal-'));
  const fs = fileSystem(root);
  let round = 0;
  const fresh = async (): Promise<string> => mkdtemp(join(root, `r${round++}-`));
  try {
    const appends = await scenario(
      {
        id: 'journal',
        title: 'file journal appends with group commit (fsync per batch)',
        description: `N=${fmt.size(N)} events from ${fmt.int(WRITERS)} writers, one event per append, each awaited; ${fs} at ${tmpdir()}; median of ${ROUNDS} rounds after 1 warm-up`,
        metrics,
      },
      async (rows) => {
        let batch = 0;
        const mesh = await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: 60_000 }, async () => {
          const r = await appendRound(await fresh());
          batch = r.batch;
          return figures(N, r.ms, r.batch);
        });
        pushRow(rows, 'actormesh', N, mesh);
        const size = Math.max(1, Math.round(mesh.figures.batch ?? batch));
        const floor = await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 60_000 }, async () => figures(N, await floorRound(await fresh(), size), size));
        pushRow(rows, 'floor', N, floor, `FileHandle.appendFile + fdatasync per batch of ${fmt.int(size)}`);
      },
      (rows) => {
        const mesh = findRow(rows, 'actormesh')?.figures;
        const floor = findRow(rows, 'floor')?.figures;
        return [
          {
            target: 'file journal appends >= 200,000 events/s with fsync per batch',
            met: mesh === undefined ? null : mesh.rate! >= 200_000,
            detail: `${fmt.rate(mesh?.rate ?? NaN)} in batches of ${fmt.int(mesh?.batch ?? NaN)} (floor ${fmt.rate(floor?.rate ?? NaN)})`,
          },
        ];
      },
    );

    const replay = await scenario(
      {
        id: 'journal-replay',
        title: 'file journal recovery: replay and open scan',
        description: `one id with ${fmt.size(REPLAY_N)} events (+ ${fmt.int(WRITERS)} interleaved ids, ${fmt.size(N)} events); ${fs}; median of ${ROUNDS} rounds after 1 warm-up`,
        metrics: metrics.slice(0, 2),
      },
      async (rows) => {
        // One long history, written in batches of 1,000 (fsync 'never': this table measures reading).
        const longDir = await fresh();
        const writer = await FileJournal.open(longDir, { fsync: 'never' });
        for (let i = 0; i < REPLAY_N; i += 1000) await writer.append('long', i, Array.from({ length: 1000 }, (_, k) => event(0, i + k)));
        await writer.close();
        const journal = await FileJournal.open(longDir);
        const mesh = await block({ label: 'actormesh replay', rounds: ROUNDS, timeoutMs: 60_000 }, async () => {
          let count = 0;
          let sum = 0;
          const start = now();
          await journal.replay<{ amount: number }>('long', 1, Number.POSITIVE_INFINITY, (r) => {
            count++;
            sum += r.event.amount;
          });
          const ms = now() - start;
          if (count !== REPLAY_N || sum !== (REPLAY_N * (REPLAY_N - 1)) / 2) throw new Error(`replay: ${count} events, sum ${sum}`);
          return figures(REPLAY_N, ms);
        });
        await journal.close();
        pushRow(rows, 'actormesh', REPLAY_N, mesh, 'one id, all events');

        const scan = await block({ label: 'actormesh open scan', rounds: ROUNDS, timeoutMs: 60_000 }, async () => {
          const start = now();
          const j = await FileJournal.open(longDir);
          const ms = now() - start;
          await j.close();
          return figures(REPLAY_N, ms);
        });
        pushRow(rows, 'actormesh (open scan)', REPLAY_N, scan, 'FileJournal.open: read, checksum and index every record (event bodies are decoded by replay)', true);

        const floor = await block({ label: 'floor', rounds: ROUNDS, timeoutMs: 60_000 }, async () => {
          const start = now();
          let count = 0;
          let codec = new RecordCodec();
          for (let seg = 1; ; seg++) {
            let bytes: Buffer;
            try {
              bytes = await readFile(join(longDir, segmentName(seg)));
            } catch {
              break;
            }
            for (let at = HEADER_SIZE; at < bytes.length; ) {
              const start = at + FRAME_SIZE;
              const end = start + bytes.readUInt32BE(at);
              if (bytes[start] === 3) {
                const table = scanPayload(FORMAT_VERSION, bytes, start, end);
                if (table.kind === 'structures') codec = new RecordCodec(table.structures);
              } else {
                codec.decode(bytes, start + RECORD_HEADER_SIZE + bytes.readUInt32BE(start + 17), end);
                count++;
              }
              at = end;
            }
          }
          const ms = now() - start;
          if (count !== REPLAY_N) throw new Error(`floor read ${count} records`);
          return figures(REPLAY_N, ms);
        });
        pushRow(rows, 'floor', REPLAY_N, floor, 'readFile + decode every event');

        // The appends' journal: W actors recovering, their events interleaved in the file.
        const manyDir = await fresh();
        await appendRound(manyDir);
        const many = await FileJournal.open(manyDir);
        const interleaved = await block({ label: 'actormesh interleaved', rounds: ROUNDS, timeoutMs: 60_000 }, async () => {
          let count = 0;
          const start = now();
          await Promise.all(Array.from({ length: WRITERS }, (_, w) => many.replay(`account-${w}`, 1, Number.POSITIVE_INFINITY, () => count++)));
          const ms = now() - start;
          if (count !== N) throw new Error(`interleaved replay: ${count} events`);
          return figures(N, ms);
        });
        await many.close();
        pushRow(rows, 'actormesh (2k ids)', N, interleaved, `${fmt.int(WRITERS)} ids replayed concurrently, events interleaved`, true);
      },
      (rows) => {
        const mesh = findRow(rows, 'actormesh')?.figures;
        return [
          {
            target: 'recovery replay >= 1,000,000 events/s',
            met: mesh === undefined ? null : mesh.rate! >= 1_000_000,
            detail: `${fmt.rate(mesh?.rate ?? NaN)} replaying one id of ${fmt.size(REPLAY_N)} events`,
          },
        ];
      },
    );
    return [appends, replay];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export default runJournal;
await runIfMain(import.meta.url, runJournal);
