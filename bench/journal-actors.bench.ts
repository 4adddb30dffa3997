/**
 * journal-actors: persistent actors of both runtimes on the SAME storage (issue 6: "compare
 * persist throughput with nact's persistent actors on the same storage class"). Each round
 * uses a fresh FileJournal (fsync per batch) in a temp dir (os.tmpdir(); the table says which
 * file system).
 *
 * Table 1, persist throughput: A persistent actors, each sent K commands at once; each
 * command persists one event and awaits it before the next command is handled (as
 * event-sourced actors do); all actors run concurrently. Timed from the first command until
 * every actor's state has reached K (each actor counts itself done in its handler: exact, no
 * sleep). The actors are spawned and have answered a query before the clock starts.
 *   actormesh  persistent({ journal: FileJournal, onEvent, onCommand: await ctx.persist(ev) })
 *   nact       spawnPersistent(system, f, key) with configurePersistence(NactJournalEngine):
 *              the engine (bench/nact-file-engine.ts) appends into a FileJournal too; f
 *              awaits ctx.persist(msg) (nact persists the command; it is the same object as
 *              actormesh's event, so the same bytes are written).
 * Table 2, recovery: the journal is closed and reopened (the open scan is not timed, it is
 * the same code for both), then the A actors are spawned again and each is queried (ask /
 * query) for its state; timed until every reply has come, and every state must be K.
 *
 * No target in the issue; the "vs" columns are the comparison it asks for.
 * Run alone: npm run bench -- journal-actors
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActorSystem } from '../src/index.js';
import type { ActorRef } from '../src/index.js';
import { FileJournal } from '../src/persistence/file-journal.js';
import { persistent } from '../src/persistence/persistent-actor.js';
import { block, deferred, fmt, now, pushRow, runIfMain, scenario } from './harness.js';
import type { BlockResult, Figures, Metric, Row, ScenarioResult } from './harness.js';
import { NactJournalEngine } from './nact-file-engine.js';
import { loadNact } from './peers.js';
import type { NactPersistentContext, NactRef } from './peers.js';

const ACTORS = 2_000;
const K = 100;
const N = ACTORS * K;
const ROUNDS = 3;
const TIMEOUT_MS = 90_000;
const QUERY_TIMEOUT_MS = 60_000;

const persistMetrics: Metric[] = [
  { key: 'ms', label: 'time ms', format: fmt.ms, ratio: true },
  { key: 'rate', label: 'rate ev/s', format: fmt.rate, ratio: true, normalized: true },
  { key: 'batch', label: 'avg batch', format: fmt.int },
];
const recoveryMetrics: Metric[] = [
  { key: 'recoveryMs', label: 'recovery ms', format: fmt.ms, ratio: true },
  { key: 'recoveryRate', label: 'replayed ev/s', format: fmt.rate, ratio: true, normalized: true },
];

/** The one event shape both runtimes write. */
interface Inc {
  readonly type: 'inc';
  readonly n: number;
}
type MeshCmd = Inc | { readonly type: 'get'; readonly replyTo: ActorRef<number> };
type NactMsg = Inc | { readonly type: 'get' };

function fileSystem(dir: string): string {
  try {
    return execFileSync('df', ['-T', dir], { encoding: 'utf8' }).split('\n')[1]?.split(/\s+/)[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Throws unless there are A states, all `expected` (a short recovery must not pass as fast). */
function checkStates(impl: string, states: readonly number[], expected: number): void {
  const wrong = states.findIndex((s) => s !== expected);
  if (states.length !== ACTORS || wrong >= 0) throw new Error(`${impl}: ${states.length} states, actor ${wrong} has state ${states[wrong]} (expected ${expected})`);
}

function roundFigures(persistMs: number, batch: number, recoveryMs: number): Figures {
  return { ms: persistMs, rate: (N / persistMs) * 1000, batch, recoveryMs, recoveryRate: (N / recoveryMs) * 1000 };
}

// ------------------------------------------------------------------ actormesh

/** The counter definition on `journal`; `onDone` is called when an actor's state reaches K by a command. */
function meshCounter(journal: FileJournal, onDone: () => void) {
  return persistent<MeshCmd, Inc, number, { id: number }>({
    persistenceId: (_ctx, props) => `counter-${props.id}`,
    journal,
    initialState: 0,
    onEvent: (state) => state + 1,
    async onCommand(cmd, ctx) {
      if (cmd.type === 'inc') {
        await ctx.persist({ type: 'inc', n: cmd.n });
        if (ctx.state === K) onDone();
      } else {
        cmd.replyTo.tell(ctx.state);
      }
    },
  });
}

const meshGet = (ref: ActorRef<MeshCmd>): Promise<number> => ref.ask<number>((replyTo) => ({ type: 'get', replyTo }), { timeoutMs: QUERY_TIMEOUT_MS });

async function meshRound(dir: string): Promise<Figures> {
  let persistMs: number;
  let batch: number;
  {
    const journal = await FileJournal.open(dir, { fsync: 'batch' });
    const system = ActorSystem.create({ logLevel: 'silent' });
    try {
      const all = deferred();
      let done = 0;
      const Counter = meshCounter(journal, () => {
        if (++done === ACTORS) all.resolve();
      });
      const refs = Array.from({ length: ACTORS }, (_, i) => system.spawn(Counter, { props: { id: i } }));
      checkStates('actormesh (before the commands)', await Promise.all(refs.map(meshGet)), 0);
      const before = { records: journal.stats.records, writes: journal.stats.writes };
      const start = now();
      for (const ref of refs) for (let k = 0; k < K; k++) ref.tell({ type: 'inc', n: k });
      await all.promise;
      persistMs = now() - start;
      batch = (journal.stats.records - before.records) / (journal.stats.writes - before.writes);
    } finally {
      await system.terminate();
      await journal.close();
    }
  }
  const journal = await FileJournal.open(dir, { fsync: 'batch' });
  const system = ActorSystem.create({ logLevel: 'silent' });
  try {
    const Counter = meshCounter(journal, () => {
      throw new Error('actormesh: a recovered actor handled a command');
    });
    const start = now();
    const refs = Array.from({ length: ACTORS }, (_, i) => system.spawn(Counter, { props: { id: i } }));
    const states = await Promise.all(refs.map(meshGet));
    const recoveryMs = now() - start;
    checkStates('actormesh (recovered)', states, K);
    return roundFigures(persistMs, batch, recoveryMs);
  } finally {
    await system.terminate();
    await journal.close();
  }
}

// ------------------------------------------------------------------ nact

/** Spawns the A nact counters under a system persisting to `journal`; `onDone` as for actormesh. */
function nactCounters(journal: FileJournal, onDone: () => void): { system: NactRef; refs: NactRef[] } {
  const nact = loadNact();
  const system = nact.start(nact.configurePersistence(new NactJournalEngine(journal)));
  const f = async (state: number, msg: NactMsg, ctx: NactPersistentContext): Promise<number> => {
    if (msg.type === 'inc') {
      // nact replays persisted messages through f with ctx.recovering set: no persist then.
      if (ctx.recovering) return state + 1;
      await ctx.persist(msg);
      if (state + 1 === K) onDone();
      return state + 1;
    }
    nact.dispatch(ctx.sender, state);
    return state;
  };
  const refs = Array.from({ length: ACTORS }, (_, i) => nact.spawnPersistent<number, NactMsg>(system, f, `counter-${i}`, `c${i}`, { initialState: 0 }));
  return { system, refs };
}

const nactGet = (ref: NactRef): Promise<number> => loadNact().query<number>(ref, () => ({ type: 'get' }), QUERY_TIMEOUT_MS);

async function nactRound(dir: string): Promise<Figures> {
  const nact = loadNact();
  let persistMs: number;
  let batch: number;
  {
    const journal = await FileJournal.open(dir, { fsync: 'batch' });
    const all = deferred();
    let done = 0;
    const { system, refs } = nactCounters(journal, () => {
      if (++done === ACTORS) all.resolve();
    });
    try {
      checkStates('nact (before the commands)', await Promise.all(refs.map(nactGet)), 0);
      const before = { records: journal.stats.records, writes: journal.stats.writes };
      const start = now();
      for (const ref of refs) for (let k = 0; k < K; k++) nact.dispatch(ref, { type: 'inc', n: k });
      await all.promise;
      persistMs = now() - start;
      batch = (journal.stats.records - before.records) / (journal.stats.writes - before.writes);
    } finally {
      nact.stop(system);
      await journal.close();
    }
  }
  const journal = await FileJournal.open(dir, { fsync: 'batch' });
  let system: NactRef | undefined;
  try {
    const start = now();
    const spawned = nactCounters(journal, () => {
      throw new Error('nact: a recovered actor handled a command');
    });
    system = spawned.system;
    const states = await Promise.all(spawned.refs.map(nactGet));
    const recoveryMs = now() - start;
    checkStates('nact (recovered)', states, K);
    return roundFigures(persistMs, batch, recoveryMs);
  } finally {
    if (system !== undefined) nact.stop(system);
    await journal.close();
  }
}

// ------------------------------------------------------------------ scenario

/** The block's result with only the figures of `keys` (one round measures both tables). */
function only(result: BlockResult, keys: readonly string[]): BlockResult {
  const pick = (f: Figures): Figures => Object.fromEntries(keys.map((k) => [k, f[k]!]));
  return { figures: pick(result.figures), all: result.all.map(pick), ...(result.failure !== undefined ? { failure: result.failure } : {}) };
}

export async function runJournalActors(): Promise<ScenarioResult[]> {
  const root = await mkdtemp(join(tmpdir(), 'actormesh-bench-journal-actors-'));
  const fs = fileSystem(root);
  let round = 0;
  const fresh = async (): Promise<string> => mkdtemp(join(root, `r${round++}-`));
  const results: { impl: 'actormesh' | 'nact'; result: BlockResult }[] = [];
  const shape = `${fmt.int(ACTORS)} persistent actors x ${K} commands, one awaited persist each, all actors at once; FileJournal fsync 'batch' on ${fs} at ${tmpdir()}; median of ${ROUNDS} rounds after 1 warm-up`;
  try {
    const persist = await scenario(
      { id: 'journal-actors', title: 'persistent actors on the same storage (FileJournal): persist throughput', description: shape, metrics: persistMetrics },
      async (rows: Row[]) => {
        const mesh = await block({ label: 'actormesh', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, async () => meshRound(await fresh()));
        results.push({ impl: 'actormesh', result: mesh });
        pushRow(rows, 'actormesh', N, only(mesh, ['ms', 'rate', 'batch']), 'persistent() actors');
        const nact = await block({ label: 'nact', rounds: ROUNDS, timeoutMs: TIMEOUT_MS }, async () => nactRound(await fresh()));
        results.push({ impl: 'nact', result: nact });
        pushRow(rows, 'nact', N, only(nact, ['ms', 'rate', 'batch']), 'spawnPersistent, engine on FileJournal (bench/nact-file-engine.ts)');
      },
      () => [],
    );
    const recovery = await scenario(
      {
        id: 'journal-actors-recovery',
        title: 'persistent actors on the same storage (FileJournal): recovery of all actors',
        description: `${fmt.int(ACTORS)} actors spawned again on the reopened journal, each queried until it answers with state ${K} (${fmt.size(N)} events replayed); same rounds as above`,
        metrics: recoveryMetrics,
      },
      async (rows: Row[]) => {
        for (const { impl, result } of results) {
          pushRow(rows, impl, N, only(result, ['recoveryMs', 'recoveryRate']), impl === 'actormesh' ? 'spawn + ask' : 'spawnPersistent + query');
        }
      },
      () => [],
    );
    return [persist, recovery];
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export default runJournalActors;
await runIfMain(import.meta.url, runJournalActors);
