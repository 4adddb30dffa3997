/**
 * journal-jetstream: the JetStream journal (issue 6) against the raw @nats-io/jetstream client,
 * on a nats-server started for the run by the test fixture (test/support/nats-server.ts:
 * `-js`, file storage in a temp dir, loopback; stopped at the end). nats-server's file store
 * does not fsync each message by default (sync_interval), for the journal and floor alike.
 *
 * Table 1, batched appends (the shape of the throughput figure in
 * test/persistence/jetstream-journal.test.ts): I ids, each appending A batches of B events one
 * after the other (each append awaited), all ids at once: I appends in flight. Each round on
 * fresh streams, removed after it.
 *   actormesh  JetStreamJournal.append(id, seq, events): msgpack-encodes the batch, publishes
 *              it with the Actormesh-Last-Seq header and expect.lastSubjectSequence (optimistic
 *              concurrency), looks the id's tip up on its first append
 *   floor      js.publish(subject, payload) awaited: the same subjects, the same number of
 *              messages with the same payload bytes (encoded before the clock starts), the
 *              same concurrency; no header, no expectation
 *   floor (+encode, header, expect)  the floor, but each batch msgpack-encoded in the timed
 *              part (as the journal does), with the header and expect.lastSubjectSequence taken
 *              from the previous ack: the journal's wire and encoding work, so the rest of the
 *              gap is the journal's own bookkeeping (validation, per-id chains, tip lookups)
 * Table 2, replay: one id holding R events (appended in batches of 1,000).
 *   actormesh  JetStreamJournal.replay (tip lookup, deletion marker lookup, ordered consumer, decode)
 *   floor      an ordered consumer on the same subject, each message decoded with the same codec
 *
 * Target: JetStream journal appends (batched) >= 50,000 events/s.
 * Run alone: npm run bench -- journal-jetstream
 */
import { connect, headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { decode, encode } from '../src/persistence/codec.js';
import { JetStreamJournal, subjectToken } from '../src/persistence/jetstream-journal.js';
import { startNatsServer } from '../test/support/nats-server.js';
import type { NatsServer } from '../test/support/nats-server.js';
import { block, findRow, fmt, now, pushRow, runIfMain, scenario } from './harness.js';
import type { Figures, Metric, ScenarioResult } from './harness.js';

const IDS = 50;
const APPENDS = 100;
const PER_BATCH = 100;
const N = IDS * APPENDS * PER_BATCH;
const REPLAY_N = 100_000;
const REPLAY_BATCH = 1_000;
const ROUNDS = 5;
const TIMEOUT_MS = 60_000;
/** The journal's header (src/persistence/jetstream-journal.ts), for the floor that sends it too. */
const LAST_SEQ_HEADER = 'Actormesh-Last-Seq';

const metrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms },
  { key: 'rate', label: 'rate ev/s', format: fmt.rate, ratio: true, normalized: true },
];

interface Ev {
  readonly id: string;
  readonly n: number;
  readonly pad: string;
}
/** What one events message holds (the journal's Batch). */
interface Batch {
  readonly first: number;
  readonly timestamp: number;
  readonly events: readonly Ev[];
}

const ids = Array.from({ length: IDS }, (_, i) => `id-${i}`);
/** The events of id `id`'s append `a` (sequence numbers a*B+1 .. a*B+B), as the test builds them. */
const batchOf = (id: string, a: number, size = PER_BATCH): Ev[] => Array.from({ length: size }, (_, k) => ({ id, n: a * size + k + 1, pad: 'x'.repeat(32) }));
const figures = (n: number, ms: number): Figures => ({ ms, rate: (n / ms) * 1000 });

let streams = 0;
/** A fresh stream name and subject prefix per round (the server keeps no data between rounds). */
function freshNames(kind: string): { stream: string; subjectPrefix: string } {
  streams++;
  return { stream: `BENCH_${kind}_${streams}`, subjectPrefix: `bench_${kind}_${streams}` };
}

/** A raw client: connection, JetStream client and manager. */
interface Raw {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

async function rawClient(url: string): Promise<Raw> {
  const nc = await connect({ servers: url });
  return { nc, js: jetstream(nc), jsm: await jetstreamManager(nc) };
}

/** The stream the journal would create for these names (events only). */
async function addStream(raw: Raw, names: { stream: string; subjectPrefix: string }): Promise<void> {
  await raw.jsm.streams.add({ name: names.stream, subjects: [`${names.subjectPrefix}.*.events`], storage: StorageType.File, max_msgs_per_subject: -1 });
}

// ------------------------------------------------------------------ appends

async function journalAppendRound(url: string): Promise<Figures> {
  const names = freshNames('J');
  const journal = await JetStreamJournal.open({ servers: url, storage: 'file', ...names });
  try {
    const batches = ids.map((id) => Array.from({ length: APPENDS }, (_, a) => batchOf(id, a)));
    const start = now();
    await Promise.all(
      ids.map(async (id, i) => {
        let seq = 0;
        for (let a = 0; a < APPENDS; a++) seq = await journal.append(id, seq, batches[i]![a]!);
      }),
    );
    const ms = now() - start;
    const highest = await journal.highestSequenceNr(ids[IDS - 1]!);
    if (highest !== APPENDS * PER_BATCH) throw new Error(`journal: highest sequence number ${highest}, expected ${APPENDS * PER_BATCH}`);
    return figures(N, ms);
  } finally {
    await journal.destroy();
  }
}

/**
 * The raw client publishing the journal's payloads (encoded before the clock starts); `like`
 * encodes each batch inside the timed part, as the journal does, and adds its header and expectation.
 */
async function floorAppendRound(raw: Raw, like: boolean): Promise<Figures> {
  const names = freshNames(like ? 'H' : 'F');
  await addStream(raw, names);
  try {
    const timestamp = Date.now();
    const batches = ids.map((id) => Array.from({ length: APPENDS }, (_, a) => batchOf(id, a)));
    const payloads = like ? [] : batches.map((b) => b.map((events, a) => encode({ first: a * PER_BATCH + 1, timestamp, events } satisfies Batch)));
    const subjects = ids.map((id) => `${names.subjectPrefix}.${subjectToken(id)}.events`);
    const start = now();
    await Promise.all(
      ids.map(async (_, i) => {
        let streamSeq = 0;
        for (let a = 0; a < APPENDS; a++) {
          if (like) {
            const h = headers();
            h.set(LAST_SEQ_HEADER, String((a + 1) * PER_BATCH));
            const payload = encode({ first: a * PER_BATCH + 1, timestamp, events: batches[i]![a]! } satisfies Batch);
            streamSeq = (await raw.js.publish(subjects[i]!, payload, { headers: h, expect: { lastSubjectSequence: streamSeq } })).seq;
          } else {
            await raw.js.publish(subjects[i]!, payloads[i]![a]!);
          }
        }
      }),
    );
    const ms = now() - start;
    const info = await raw.jsm.streams.info(names.stream);
    if (info.state.messages !== IDS * APPENDS) throw new Error(`floor: ${info.state.messages} messages stored, expected ${IDS * APPENDS}`);
    return figures(N, ms);
  } finally {
    await raw.jsm.streams.delete(names.stream).catch(() => undefined);
  }
}

// ------------------------------------------------------------------ replay

async function replayTable(server: NatsServer, raw: Raw): Promise<ScenarioResult> {
  const names = freshNames('R');
  const journal = await JetStreamJournal.open({ servers: server.url, storage: 'file', ...names });
  const id = 'long';
  const expectedSum = (REPLAY_N * (REPLAY_N + 1)) / 2;
  try {
    return await scenario(
      {
        id: 'journal-jetstream-replay',
        title: 'JetStream journal replay of one id',
        description: `one id with ${fmt.size(REPLAY_N)} events in messages of ${fmt.int(REPLAY_BATCH)}; median of ${ROUNDS} rounds after 1 warm-up`,
        metrics,
      },
      async (rows) => {
        for (let a = 0, seq = 0; a < REPLAY_N / REPLAY_BATCH; a++) seq = await journal.append(id, seq, batchOf(id, a, REPLAY_BATCH));
        const mesh = await block({ label: 'actormesh replay', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, async () => {
          let count = 0;
          let sum = 0;
          const start = now();
          await journal.replay<Ev>(id, 1, Number.POSITIVE_INFINITY, (r) => {
            count++;
            sum += r.event.n;
          });
          const ms = now() - start;
          if (count !== REPLAY_N || sum !== expectedSum) throw new Error(`replay: ${count} events, sum ${sum}`);
          return figures(REPLAY_N, ms);
        });
        pushRow(rows, 'actormesh', REPLAY_N, mesh, 'JetStreamJournal.replay');

        const subject = `${names.subjectPrefix}.${subjectToken(id)}.events`;
        const floor = await block({ label: 'floor replay', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, async () => {
          let count = 0;
          let sum = 0;
          const start = now();
          const consumer = await raw.js.consumers.get(names.stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
          const messages = await consumer.consume();
          try {
            for await (const m of messages) {
              const batch = decode<Batch>(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
              for (const event of batch.events) {
                count++;
                sum += event.n;
              }
              if (count >= REPLAY_N) break;
            }
          } finally {
            await messages.close().catch(() => undefined);
          }
          const ms = now() - start;
          if (count !== REPLAY_N || sum !== expectedSum) throw new Error(`floor replay: ${count} events, sum ${sum}`);
          return figures(REPLAY_N, ms);
        });
        pushRow(rows, 'floor', REPLAY_N, floor, 'ordered consumer + decode each message');
      },
      () => [],
    );
  } finally {
    await journal.destroy();
  }
}

// ------------------------------------------------------------------ scenario

export async function runJournalJetStream(): Promise<ScenarioResult[]> {
  const server = await startNatsServer();
  let raw: Raw | undefined;
  try {
    raw = await rawClient(server.url);
    const client = raw;
    const appends = await scenario(
      {
        id: 'journal-jetstream',
        title: 'JetStream journal appends, batched',
        description: `N=${fmt.size(N)} events: ${IDS} ids x ${APPENDS} appends of ${PER_BATCH} events, each id's appends one after the other (awaited), ${IDS} in flight; nats-server (file storage) on loopback; median of ${ROUNDS} rounds after 1 warm-up`,
        metrics,
      },
      async (rows) => {
        const mesh = await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, () => journalAppendRound(server.url));
        pushRow(rows, 'actormesh', N, mesh, 'JetStreamJournal.append');
        const floor = await block({ label: 'floor', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, () => floorAppendRound(client, false));
        pushRow(rows, 'floor', N, floor, 'js.publish awaited, same payloads and concurrency');
        const like = await block({ label: 'floor (+encode, header, expect)', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, () => floorAppendRound(client, true));
        pushRow(rows, 'floor (+encode, header, expect)', N, like, 'encode in the timed part, js.publish with the journal header and expect.lastSubjectSequence', true);
      },
      (rows) => {
        const mesh = findRow(rows, 'actormesh')?.figures;
        const floor = findRow(rows, 'floor')?.figures;
        return [
          {
            target: 'JetStream journal appends (batched) >= 50,000 events/s',
            met: mesh?.rate === undefined ? null : mesh.rate >= 50_000,
            detail: `${fmt.rate(mesh?.rate ?? NaN)} in appends of ${PER_BATCH} (raw client floor ${fmt.rate(floor?.rate ?? NaN)}, ratio ${fmt.x3(mesh?.rate !== undefined && floor?.rate !== undefined ? mesh.rate / floor.rate : undefined)})`,
          },
        ];
      },
    );
    const replay = await replayTable(server, client);
    return [appends, replay];
  } finally {
    await raw?.nc.close().catch(() => undefined);
    await server.stop();
  }
}

export default runJournalJetStream;
await runIfMain(import.meta.url, runJournalJetStream);
